// The state-space panel: HiPPO memory, S4 kernels and Mamba's selective
// scan, state by state.
//
// Tabs: "State evolution" — the state (index × time) as a heat-map and as a
// 3-D surface (VTK), with the replay position; "Reconstruction" — LegS's
// rebuilt history against the true one at the current step, and the final
// error against N per discretisation (log-log); "Eigenvalues" — A's and the
// discretised Ā's eigenvalues in the complex plane (Ā with the unit circle);
// "Kernel / scan" — an S4 kernel with the convolution and recurrence outputs,
// or the selective scan's Δ', gate, input and output over time. Comparing
// two runs overlays run B (dashed) on the charts. Controls build a recipe
// of any of the three kinds and Run it.
//
// It computes no science: everything shown comes from the recorded steps.
// Threading: GUI thread only (Panel.h).
#pragma once

#include <optional>

#include "panels/Panel.h"

class QComboBox;
class QLabel;
class QSpinBox;
class QTabWidget;

namespace loupe {

class ChartView;
class ImageView;
class TimelineScrubber;
class VtkView;

class SsmPanel : public Panel {
  Q_OBJECT

 public:
  explicit SsmPanel(QWidget* parent = nullptr);

  QString title() const override { return "State-space models"; }
  void openRun(Store& store, std::int64_t run) override;
  void compareRuns(Store& store, std::int64_t runA, std::int64_t runB) override;
  void liveStarted(const RunInfo& run) override;
  void liveRecord(const StepRecord& record) override;
  void liveEnded(RunStatus status) override;
  void showPosition(int index) override;
  std::vector<PanelFigure> figures() override;
  std::int64_t currentRun() const override { return m_run; }
  std::int64_t comparedRun() const override { return m_runB; }

  QString recipeJson() const;
  TimelineScrubber* scrubber() const { return m_scrubber; }
  QTabWidget* viewTabs() const { return m_tabs; }
  ImageView* stateHeatmap() const { return m_heatmap; }
  VtkView* stateSurface() const { return m_surface; }
  ChartView* reconstructionChart() const { return m_reconstruction; }
  ChartView* errorChart() const { return m_errorVsN; }
  ChartView* eigenChart() const { return m_eigen; }
  ChartView* continuousEigenChart() const { return m_eigenContinuous; }
  ChartView* outputChart() const { return m_outputs; }
  ChartView* kernelChart() const { return m_kernel; }
  std::optional<std::int64_t> shownStep() const { return m_shownStep; }

 private:
  void showRecord(const StepRecord& record);
  // What the run's last step holds (whole-run views), for run A or B.
  void showSummary(const StepRecord& last, const StepRecord* lastB);

  Store* m_store = nullptr;
  std::int64_t m_run = 0, m_runB = 0;
  std::vector<std::int64_t> m_steps;
  std::optional<std::int64_t> m_shownStep;
  StepRecord m_last;  // the run's last step
  StepRecord m_live;
  bool m_liveDirty = false;

  QComboBox* m_kind;
  QComboBox* m_model;
  QComboBox* m_measure;
  QComboBox* m_method;
  QComboBox* m_signal;
  QSpinBox* m_state;
  QSpinBox* m_length;
  QLabel* m_header;
  QLabel* m_values;
  TimelineScrubber* m_scrubber;
  QTabWidget* m_tabs;
  ImageView* m_heatmap;
  VtkView* m_surface = nullptr;
  ChartView* m_reconstruction;
  ChartView* m_errorVsN;
  ChartView* m_eigen;
  ChartView* m_eigenContinuous;
  ChartView* m_kernel;
  ChartView* m_outputs;
};

}  // namespace loupe
