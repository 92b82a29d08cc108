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

#include "panels/Panel.h"

class QComboBox;
class QLabel;
class QStackedWidget;
class QTabWidget;

namespace loupe {

class ChartView;
class HeatmapView;
class TileGridView;
class TimelineScrubber;
class VtkView;

class GenericPanel : public Panel {
  Q_OBJECT

 public:
  explicit GenericPanel(QWidget* parent = nullptr);

  QString title() const override { return "Runs"; }
  void openRun(Store& store, std::int64_t run) override;
  void compareRuns(Store& store, std::int64_t runA, std::int64_t runB) override;
  void liveStarted(const RunInfo& run) override;
  void liveRecord(const StepRecord& record) override;
  void liveEnded(RunStatus status) override;
  void showPosition(int index) override;
  std::vector<PanelFigure> figures() override;
  std::int64_t currentRun() const override { return m_run; }
  std::int64_t comparedRun() const override { return m_runB; }

  // For tests and the shell.
  TimelineScrubber* scrubber() const { return m_scrubber; }
  TileGridView* tileGrid() const { return m_grid; }
  VtkView* cloudView() const { return m_cloud; }
  ChartView* metricsChart() const { return m_metrics; }
  std::optional<std::int64_t> shownStep() const { return m_shownStep; }

 private:
  void showRecord(const StepRecord& record);
  void showArray(const QString& name, const Array& array);
  void rebuildMetricsChart();
  void setHeader(const RunInfo& run, const QString& extra = {});

  Store* m_store = nullptr;
  std::int64_t m_run = 0, m_runB = 0;
  std::vector<std::int64_t> m_steps;
  // Series per metric name (and per run in compare mode).
  std::map<QString, std::vector<QPointF>> m_series;
  std::optional<std::int64_t> m_shownStep;
  StepRecord m_live;  // latest live record
  bool m_liveDirty = false;

  QLabel* m_header;
  QLabel* m_values;
  QLabel* m_picked;  // coordinates of the picked point or cell
  TimelineScrubber* m_scrubber;
  ChartView* m_metrics;
  QComboBox* m_arrayChoice;
  QTabWidget* m_arrayTabs;
  TileGridView* m_grid = nullptr;
  VtkView* m_cloud = nullptr;
  HeatmapView* m_image;
  ChartView* m_values1d;
};

}  // namespace loupe
