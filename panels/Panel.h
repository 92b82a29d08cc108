// What every topic panel implements, so the shell can open runs in it,
// stream live runs into it, compare two runs and export its figures.
//
// Threading: GUI thread only. Live records arrive already marshalled to the
// GUI thread (app/workbench/RunController). Replay reads go through the
// Store handed in, which belongs to the GUI thread.
#pragma once

#include <QString>
#include <QWidget>
#include <cstdint>
#include <vector>

#include "experiments/Records.h"
#include "experiments/Store.h"

namespace loupe {

struct PanelFigure {
  QString name;   // file-name friendly: "metrics", "array-grid"
  QString title;  // for reports
  QWidget* view;  // owned by the panel
};

class Panel : public QWidget {
  Q_OBJECT

 public:
  explicit Panel(QWidget* parent = nullptr) : QWidget(parent) {}

  virtual QString title() const = 0;

  // Replay a stored run; the store outlives the panel's use of it.
  virtual void openRun(Store& store, std::int64_t run) = 0;
  // Two runs of one kind side by side, on shared axes.
  virtual void compareRuns(Store& store, std::int64_t runA, std::int64_t runB) = 0;

  // A live run: started, then records as they arrive, then its end.
  virtual void liveStarted(const RunInfo& run) = 0;
  virtual void liveRecord(const StepRecord& record) = 0;
  virtual void liveEnded(RunStatus status) = 0;

  // Moves replay to a position (0-based) in the run's steps.
  virtual void showPosition(int index) = 0;

  // The views a figure export or a report takes, in display order.
  virtual std::vector<PanelFigure> figures() = 0;

  // The run shown (0 when none) and, in compare mode, the second one.
  virtual std::int64_t currentRun() const = 0;
  virtual std::int64_t comparedRun() const { return 0; }

 signals:
  // The panel's own controls ask the shell to run a recipe (JSON text).
  void runRequested(const QString& recipeJson);
};

}  // namespace loupe
