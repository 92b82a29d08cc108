// A sweep as one object: its points as a table (swept values, status, final
// metrics), a metric plotted against a swept field and grouped by another
// (log axes, error bars over the points averaged — seeds), and parallel
// coordinates over every swept field and the metric. Double-clicking a
// point (a table row or a line) asks the shell to open its run. The
// numbers come from experiments/SweepTable.h; this panel only shows them.
//
// Threading: GUI thread only; the store is the shell's.
#pragma once

#include <QWidget>
#include <cstdint>

#include "experiments/KindRegistry.h"
#include "experiments/SweepTable.h"
#include "panels/Panel.h"

class QCheckBox;
class QComboBox;
class QLabel;
class QPushButton;
class QTableWidget;
class QTabWidget;

namespace loupe {

class ChartView;
class ParallelCoordinatesView;

class SweepPanel : public QWidget {
  Q_OBJECT

 public:
  explicit SweepPanel(const KindRegistry& kinds, QWidget* parent = nullptr);

  // The store whose sweeps are listed (nullptr: none); re-reads them.
  void setStore(Store* store);
  // Re-reads the sweep list and shows `show` (0: the sweep shown, else the newest).
  void refresh(std::int64_t show = 0);
  // Shows a sweep; false (and the reason in status()) when it cannot.
  bool showSweep(std::int64_t sweep);
  std::int64_t currentSweep() const { return m_sweep; }
  // Plot choices by name ("tiled_max_error", "params.lengths", "params.causal";
  // group "" for none); false when a name is not offered.
  bool setPlot(const QString& metric, const QString& xField, const QString& groupField);
  void setLogAxes(bool logX, bool logY);
  void showParallelCoordinates(bool show);

  const SweepTable& table() const { return m_table; }
  QTableWidget* pointsTable() const { return m_points; }
  ChartView* plot() const { return m_plot; }
  ParallelCoordinatesView* parallel() const { return m_parallel; }
  QString status() const;
  // Saves the view on the front tab (plot or parallel coordinates) as PNG,
  // SVG or PDF by the extension; false, with the reason in status(), when it cannot.
  bool exportFigure(const QString& path);
  // The plot and the parallel coordinates, for figure export and reports.
  std::vector<PanelFigure> figures();

 signals:
  void openRunRequested(std::int64_t run);
  void mergeRequested(std::int64_t sweep);
  void reportRequested(std::int64_t sweep);

 private:
  void rebuildTable();
  void rebuildPlot();
  void rebuildParallel();
  void fillChoices();
  void openPoint(std::int64_t point);

  const KindRegistry& m_kinds;
  Store* m_store = nullptr;
  std::int64_t m_sweep = 0;
  SweepTable m_table;
  std::vector<std::int64_t> m_parallelPoints;  // the sweep point of each parallel-coordinates line
  QComboBox* m_sweeps;
  QPushButton* m_refresh;
  QPushButton* m_merge;
  QPushButton* m_report;
  QPushButton* m_export;
  QLabel* m_summary;
  QTableWidget* m_points;
  QTabWidget* m_views;
  QComboBox* m_metric;
  QComboBox* m_x;
  QComboBox* m_group;
  QCheckBox* m_logX;
  QCheckBox* m_logY;
  ChartView* m_plot;
  ParallelCoordinatesView* m_parallel;
  QString m_status;
  bool m_filling = false;
};

}  // namespace loupe
