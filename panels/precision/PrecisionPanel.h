// The precision panel. For `precision.tensor_stats` runs: a table of the
// run's tensors (sortable by any column: overflow, underflow, subnormal
// fractions, rounding error in the chosen format) and, for the selected
// tensor, the histogram of log2|x| with the format's subnormal and normal
// ranges shaded and its overflow and underflow regions marked. For
// `precision.train` runs: the loss of every configuration (fp32, fp16 with
// and without loss scaling, bf16) on one chart, the loss-scale timeline with
// the skipped steps marked, and the fraction of weight gradients lost to
// underflow. Two runs compare on the charts (B dashed).
//
// It computes no science: everything shown comes from the recorded steps.
// Threading: GUI thread only (Panel.h).
#pragma once

#include <optional>

#include "panels/RunPanel.h"

class QComboBox;
class QLabel;
class QStackedWidget;
class QTableWidget;

namespace loupe {

class ChartView;

class PrecisionPanel : public RunPanel {
  Q_OBJECT

 public:
  explicit PrecisionPanel(QWidget* parent = nullptr);

  QString title() const override { return "Precision"; }
  std::vector<PanelFigure> figures() override;

  QString recipeJson() const;
  QTableWidget* tensorTable() const { return m_table; }
  QComboBox* formatChoice() const { return m_format; }
  ChartView* histogram() const { return m_histogram; }
  ChartView* lossChart() const { return m_loss; }
  ChartView* scaleChart() const { return m_scale; }
  ChartView* underflowChart() const { return m_underflow; }

 protected:
  void clearViews() override;
  void showStep(const StepRecord& a, const StepRecord* b) override;
  QString valuesText(const StepRecord& record) const override;
  bool walksSteps(const RunInfo& info) const override;
  void runOpened(const RunInfo& info) override;
  void runCompared(const RunInfo& b) override;
  void liveBegan(const RunInfo& run) override;
  void liveStep(const StepRecord& record) override;
  void liveFinished(RunStatus status) override;

 private:
  void fillTable();
  void showTensor(const StepRecord& record);
  void showTraining(Store& store, std::int64_t run, std::int64_t runB);

  bool m_training = false;
  std::vector<StepRecord> m_tensors;  // a tensor_stats run's steps
  QComboBox* m_kind;
  QComboBox* m_format;
  QStackedWidget* m_pages;
  QTableWidget* m_table;
  ChartView* m_histogram;
  ChartView* m_loss;
  ChartView* m_scale;
  ChartView* m_underflow;
};

}  // namespace loupe
