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

#include "panels/Panel.h"

class QComboBox;
class QLabel;
class QStackedWidget;
class QTableWidget;

namespace loupe {

class ChartView;
class TimelineScrubber;

class ScalingPanel : public Panel {
  Q_OBJECT

 public:
  explicit ScalingPanel(QWidget* parent = nullptr);

  QString title() const override { return "Scaling"; }
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
  QComboBox* networkChoice() const { return m_network; }
  QComboBox* compareChoice() const { return m_compareWith; }
  QTableWidget* layerTable() const { return m_layers; }
  QTableWidget* kernelTable() const { return m_kernels; }
  ChartView* curvesChart() const { return m_curves; }
  ChartView* accuracyChart() const { return m_accuracy; }
  ChartView* cumulativeChart() const { return m_cumulative; }
  ChartView* rooflineChart() const { return m_roofline; }
  QLabel* summary() const { return m_values; }

 private:
  void showAll();
  void showCompound();
  void showRoofline();
  void fillLayers(const StepRecord& r);
  void showComparison();
  bool isRoofline() const;

  Store* m_store = nullptr;
  std::int64_t m_run = 0, m_runB = 0;
  std::string m_kindName;
  std::vector<StepRecord> m_records, m_recordsB;

  QComboBox* m_kind;
  QComboBox* m_network;
  QComboBox* m_compareWith;
  QLabel* m_header;
  QLabel* m_values;
  TimelineScrubber* m_scrubber;
  QStackedWidget* m_pages;
  ChartView* m_curves;
  ChartView* m_accuracy;
  ChartView* m_cumulative;
  QTableWidget* m_layers;
  ChartView* m_roofline;
  QTableWidget* m_kernels;
};

}  // namespace loupe
