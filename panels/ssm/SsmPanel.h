// The state-space panel: HiPPO memory, S4 kernels and Mamba's selective
// scan, state by state.
//
// Tabs: "State evolution" — the state (index × time) as a heat-map and as a
// 3-D surface (VTK), with the replay position; "Reconstruction" — LegS's
// rebuilt history against the true one at the current step, and the final
// error against N per discretisation (log-log); "Eigenvalues" — A's and the
// discretised Ā's eigenvalues in the complex plane (Ā with the unit circle);
// "Kernel / scan" — an S4 kernel with the convolution and recurrence outputs,
// or the selective scan's Δ', gate, input and output over time; "Model
// states" — an ssm.model_states run (a Mamba model reading text, beside its
// shuffled words): token strips above Δ' heat-maps, ‖h_t‖ per layer, the
// decode cost against context, a clicked token's top-k (ModelStatesView),
// with the chosen channel's h_t in the State evolution tab. Comparing
// two runs overlays run B (dashed) on the charts. Controls build a recipe
// of any of the three kinds and Run it.
//
// It computes no science: everything shown comes from the recorded steps.
// Threading: GUI thread only (Panel.h).
#pragma once

#include <optional>

#include "experiments/KindRegistry.h"
#include "panels/RunPanel.h"

class QComboBox;
class QLabel;
class QLineEdit;
class QSpinBox;
class QTabWidget;

namespace loupe {

class ChartView;
class ImageView;
class ModelStatesView;
class VtkView;

class SsmPanel : public RunPanel {
  Q_OBJECT

 public:
  // Controls take their choices, ranges and defaults from `kinds`' ssm.* kinds.
  explicit SsmPanel(QWidget* parent = nullptr, const KindRegistry& kinds = builtinKinds());

  QString title() const override { return "State-space models"; }
  std::vector<PanelFigure> figures() override;

  QString recipeJson() const;
  QTabWidget* viewTabs() const { return m_tabs; }
  ImageView* stateHeatmap() const { return m_heatmap; }
  VtkView* stateSurface() const { return m_surface; }
  ChartView* reconstructionChart() const { return m_reconstruction; }
  ChartView* errorChart() const { return m_errorVsN; }
  ChartView* eigenChart() const { return m_eigen; }
  ChartView* continuousEigenChart() const { return m_eigenContinuous; }
  ChartView* outputChart() const { return m_outputs; }
  ChartView* kernelChart() const { return m_kernel; }
  ModelStatesView* modelStates() const { return m_states; }
  QLineEdit* promptEdit() const { return m_prompt; }
  QLineEdit* comparePromptEdit() const { return m_comparePrompt; }

 protected:
  void clearViews() override;
  void showStep(const StepRecord& a, const StepRecord* b) override;
  QString runHeaderText(const RunInfo& info) const override;
  int firstPosition() const override { return static_cast<int>(steps().size()) - 1; }
  void runOpened(const RunInfo& info) override;
  void runCompared(const RunInfo& b) override;
  void liveStep(const StepRecord& record) override;
  void liveFinished(RunStatus status) override;

 private:
  // What the run's last step holds (whole-run views), for run A or B.
  void showSummary(const StepRecord& last, const StepRecord* lastB);
  // The state and length controls follow the chosen kind's schema.
  void followKind();
  // ssm.model_states: each sequence's closing step and the cost step.
  void showModelStates(const std::vector<StepRecord>& ends);
  // The chosen channel's h_t (N × tokens) in the State evolution views.
  void showChannelState();
  // The state evolution views: rows × cols values, symmetric colour scale.
  void drawStateEvolution(const float* values, int rows, int cols, const QString& title, const QString& unit);

  const KindRegistry& m_kinds;
  StepRecord m_last;                                          // the run's last step with whole-run arrays
  bool m_liveSummary = false;                                 // m_last came from the live run
  std::vector<StepRecord> m_liveEnds;                         // ssm.model_states live: sequences' closing steps
  std::vector<std::pair<int, std::int64_t>> m_sequenceSteps;  // per sequence: (tokens, closing step)

  QComboBox* m_kind;
  QComboBox* m_model;
  QComboBox* m_measure;
  QComboBox* m_method;
  QComboBox* m_signal;
  QSpinBox* m_state;
  QSpinBox* m_length;
  QLineEdit* m_prompt;
  QLineEdit* m_comparePrompt;  // empty: compare with the prompt's shuffled words
  QTabWidget* m_tabs;
  ImageView* m_heatmap;
  VtkView* m_surface = nullptr;
  ChartView* m_reconstruction;
  ChartView* m_errorVsN;
  ChartView* m_eigen;
  ChartView* m_eigenContinuous;
  ChartView* m_kernel;
  ChartView* m_outputs;
  ModelStatesView* m_states;
};

}  // namespace loupe
