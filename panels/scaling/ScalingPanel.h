// The scaling panel. For `scaling.compound` runs: parameters and FLOPs
// against φ (the compound rule as lines, the released B0–B7 and the paper's
// Table 2 as points), the paper's ImageNet top-1 against our FLOPs, the
// per-layer cost table of the chosen network, and two networks compared
// (cumulative multiply-adds along their depth, totals side by side). For
// `scaling.roofline` runs: the measured roof (FMA peak, triad bandwidth,
// SGEMM ceiling, ridge) with every kernel's point, ours and OpenCV's, and
// their table. Two runs compare on the charts (B dashed / marked B).
//
// It computes no science: every figure comes from the recorded steps.
// Threading: GUI thread only (Panel.h).
#pragma once

#include "panels/RunPanel.h"

class QComboBox;
class QLabel;
class QStackedWidget;
class QTableWidget;

namespace loupe {

class ChartView;

class ScalingPanel : public RunPanel {
  Q_OBJECT

 public:
  explicit ScalingPanel(QWidget* parent = nullptr);

  QString title() const override { return "Scaling"; }
  std::vector<PanelFigure> figures() override;

  QString recipeJson() const;
  QComboBox* networkChoice() const { return m_network; }
  QComboBox* compareChoice() const { return m_compareWith; }
  QTableWidget* layerTable() const { return m_layers; }
  QTableWidget* kernelTable() const { return m_kernels; }
  ChartView* curvesChart() const { return m_curves; }
  ChartView* accuracyChart() const { return m_accuracy; }
  ChartView* cumulativeChart() const { return m_cumulative; }
  ChartView* rooflineChart() const { return m_roofline; }
  QLabel* summary() const { return valuesLine(); }

 protected:
  void clearViews() override;
  void showStep(const StepRecord& a, const StepRecord* b) override;
  // The values line keeps the comparison or machine summary, not one step's metrics.
  QString valuesText(const StepRecord&) const override { return m_summary; }
  void runOpened(const RunInfo& info) override;
  void runCompared(const RunInfo& b) override;
  void liveBegan(const RunInfo& run) override;
  void liveStep(const StepRecord& record) override;
  void liveFinished(RunStatus) override { showAll(); }

 private:
  void showAll();
  void showRecordAt(int index);
  void showCompound();
  void showRoofline();
  void fillLayers(const StepRecord& r);
  void showComparison();
  bool isRoofline() const;

  std::string m_kindName;
  std::vector<StepRecord> m_records, m_recordsB;
  QString m_summary;

  QComboBox* m_kind;
  QComboBox* m_network;
  QComboBox* m_compareWith;
  QStackedWidget* m_pages;
  ChartView* m_curves;
  ChartView* m_accuracy;
  ChartView* m_cumulative;
  QTableWidget* m_layers;
  ChartView* m_roofline;
  QTableWidget* m_kernels;
};

}  // namespace loupe
