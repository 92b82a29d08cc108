// The base of every stepped topic panel: it owns what they all share, so a
// topic panel overrides only what it draws.
//
// Owned here: the store and run A / run B, the run's step numbers and the
// step shown, the header (object name "panelHeader": which run, or the empty
// state's hint), the values line ("stepValues"), the timeline scrubber, and
// the live-run handling — a live run's start clears every view and the last
// live record (so a run that fails before its first step shows nothing, not
// the previous run), records queue and repaint at most every 100 ms, and its
// end shows the last record. Opening a stored run drops a pending live
// record. The topic panel places header(), scrubber() and values() in its
// layout and implements the hooks below.
//
// Threading: GUI thread only (Panel.h).
#pragma once

#include <QString>
#include <functional>
#include <optional>

#include "panels/Panel.h"

class QLabel;

namespace loupe {

class TimelineScrubber;

class RunPanel : public Panel {
  Q_OBJECT

 public:
  // `emptyHint`: what the header says before any run is shown — what to run.
  RunPanel(QWidget* parent, const QString& emptyHint);

  void openRun(Store& store, std::int64_t run) final;
  void compareRuns(Store& store, std::int64_t runA, std::int64_t runB) final;
  void liveStarted(const RunInfo& run) final;
  void liveRecord(const StepRecord& record) final;
  void liveEnded(RunStatus status) final;
  void showPosition(int index) final;
  std::int64_t currentRun() const final { return m_run; }
  std::int64_t comparedRun() const final { return m_runB; }

  // The step on screen (replayed or live); empty when none is.
  std::optional<std::int64_t> shownStep() const { return m_shownStep; }
  TimelineScrubber* scrubber() const { return m_scrubber; }
  QLabel* headerLine() const { return m_header; }
  QLabel* valuesLine() const { return m_values; }

 protected:
  // --- what a topic panel implements ---------------------------------------
  // Empties every view (a live run's start, a run with no steps).
  virtual void clearViews() = 0;
  // Draws one step; `b` is run B's step at the same position in compare mode.
  virtual void showStep(const StepRecord& a, const StepRecord* b) = 0;
  // A stored run was opened (store(), run(), steps() are set, the scrubber
  // holds the steps): load whole-run views, take the recipe into the controls.
  virtual void runOpened(const RunInfo& info) { (void)info; }
  // Compare mode, after runOpened(A): load run B's whole-run views.
  virtual void runCompared(const RunInfo& b) { (void)b; }
  // The header of a stored run (default: run, name, kind, steps).
  virtual QString runHeaderText(const RunInfo& info) const;
  // Whether the scrubber walks this run's steps (false: the panel shows the
  // run as a whole, e.g. a sweep, and no step is shown by position).
  virtual bool walksSteps(const RunInfo& info) const { return (void)info, true; }
  // The position shown first when a run opens (default: the first step).
  virtual int firstPosition() const { return 0; }
  // Live: a record arrived (accumulate series here; drawing waits for the
  // 100 ms refresh, which calls liveRefresh() then showStep()).
  virtual void liveStep(const StepRecord& record) { (void)record; }
  virtual void liveRefresh() {}
  virtual void liveBegan(const RunInfo& run) { (void)run; }
  virtual void liveFinished(RunStatus status) { (void)status; }

  // --- what the base offers ---------------------------------------------------
  Store* store() const { return m_store; }
  std::int64_t run() const { return m_run; }
  std::int64_t runB() const { return m_runB; }
  const std::vector<std::int64_t>& steps() const { return m_steps; }
  const std::vector<std::int64_t>& stepsB() const { return m_stepsB; }
  // The values line under the views for a shown step (default: "step N:
  // name = value, …" of its metrics).
  virtual QString valuesText(const StepRecord& record) const;
  // A view that needs OpenGL 3.2 (VTK, ImGui): made by `make` when the
  // machine has it, else a label saying why.
  static QWidget* glViewOrPlaceholder(QWidget* parent, const QString& what,
                                      const std::function<QWidget*(QWidget*)>& make);

 private:
  void showIndex(int index);
  void showValues(const StepRecord& record);
  void showLive();

  Store* m_store = nullptr;
  std::int64_t m_run = 0, m_runB = 0;
  std::vector<std::int64_t> m_steps, m_stepsB;
  std::optional<std::int64_t> m_shownStep;
  StepRecord m_live;
  bool m_haveLive = false;
  bool m_liveDirty = false;
  bool m_walks = true;
  QLabel* m_header;
  QLabel* m_values;
  TimelineScrubber* m_scrubber;
};

}  // namespace loupe
