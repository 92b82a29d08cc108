// The panel for any engine kind without a topic panel of its own: every
// metric against the step (one chart, replay cursor), and the step's arrays
// in the view their shape calls for — 2-D → tile grid and heat-map image,
// N × 3 → 3-D point cloud, 1-D → line chart. Replay scrubs through stored
// steps; a live run appends as records arrive; compare overlays two runs'
// metrics on shared axes.
//
// Threading: GUI thread only (see Panel.h).
#pragma once

#include <map>
#include <optional>

#include "panels/RunPanel.h"

class QComboBox;
class QLabel;
class QStackedWidget;
class QTabWidget;

namespace loupe {

class ChartView;
class HeatmapView;
class TileGridView;
class VtkView;

class GenericPanel : public RunPanel {
  Q_OBJECT

 public:
  explicit GenericPanel(QWidget* parent = nullptr);

  QString title() const override { return "Runs"; }
  std::vector<PanelFigure> figures() override;

  // For tests and the shell.
  TileGridView* tileGrid() const { return m_grid; }
  VtkView* cloudView() const { return m_cloud; }
  ChartView* metricsChart() const { return m_metrics; }

 protected:
  void clearViews() override;
  void showStep(const StepRecord& record, const StepRecord* b) override;
  QString runHeaderText(const RunInfo& info) const override;
  QString valuesText(const StepRecord& record) const override;
  void runOpened(const RunInfo& info) override;
  void runCompared(const RunInfo& b) override;
  void liveStep(const StepRecord& record) override;
  void liveRefresh() override { rebuildMetricsChart(); }

 private:
  void showArray(const QString& name, const Array& array);
  void rebuildMetricsChart();

  // Series per metric name (and per run in compare mode).
  std::map<QString, std::vector<QPointF>> m_series;
  StepRecord m_shown;  // the step on screen (its arrays feed the array choice)

  QLabel* m_picked;  // coordinates of the picked point or cell
  ChartView* m_metrics;
  QComboBox* m_arrayChoice;
  QTabWidget* m_arrayTabs;
  TileGridView* m_grid = nullptr;
  VtkView* m_cloud = nullptr;
  HeatmapView* m_image;
  ChartView* m_values1d;
};

}  // namespace loupe
