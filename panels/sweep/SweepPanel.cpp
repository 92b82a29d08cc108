#include "panels/sweep/SweepPanel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QSplitter>
#include <QTabWidget>
#include <QTableWidget>
#include <QVBoxLayout>
#include <cmath>

#include "viewers/ChartView.h"
#include "viewers/FigureExport.h"
#include "viewers/ParallelCoordinatesView.h"

namespace loupe {

namespace {

QString q(const std::string& s) {
  return QString::fromStdString(s);
}

// The field as the spec names it, ready to show.
QString axisLabel(const std::string& field) {
  return q(loupe::fieldLabel(field));
}

QString number(double v) {
  return std::isnan(v) ? "nan" : QString::number(v, 'g', 4);
}

const QColor kPalette[] = {QColor(31, 119, 180),  QColor(255, 127, 14), QColor(44, 160, 44),   QColor(214, 39, 40),
                           QColor(148, 103, 189), QColor(140, 86, 75),  QColor(227, 119, 194), QColor(127, 127, 127)};

}  // namespace

SweepPanel::SweepPanel(const KindRegistry& kinds, QWidget* parent) : QWidget(parent), m_kinds(kinds) {
  setObjectName("sweepPanel");
  auto* layout = new QVBoxLayout(this);
  auto* top = new QHBoxLayout();
  m_sweeps = new QComboBox(this);
  m_sweeps->setObjectName("sweepChoice");
  m_sweeps->setMinimumWidth(320);
  m_refresh = new QPushButton("Refresh", this);
  m_refresh->setToolTip("Read the sweep again from the database");
  m_merge = new QPushButton("Merge finished points", this);
  m_merge->setObjectName("mergeButton");
  m_merge->setToolTip("Merge every finished point's shard from the sweep's folder into this database");
  m_report = new QPushButton("Report…", this);
  m_report->setToolTip("Write the sweep report (HTML: spec, points, plots)");
  top->addWidget(new QLabel("Sweep:", this));
  top->addWidget(m_sweeps, 1);
  top->addWidget(m_refresh);
  top->addWidget(m_merge);
  m_export = new QPushButton("Export figure…", this);
  m_export->setToolTip("Save the plot or the parallel coordinates (the tab in front) as PNG, SVG or PDF");
  top->addWidget(m_export);
  top->addWidget(m_report);
  layout->addLayout(top);
  m_summary = new QLabel(this);
  m_summary->setObjectName("sweepSummary");
  m_summary->setWordWrap(true);
  layout->addWidget(m_summary);

  auto* split = new QSplitter(Qt::Vertical, this);
  m_points = new QTableWidget(this);
  m_points->setObjectName("sweepPoints");
  m_points->setEditTriggers(QAbstractItemView::NoEditTriggers);
  m_points->setSelectionBehavior(QAbstractItemView::SelectRows);
  m_points->setSortingEnabled(true);
  m_points->verticalHeader()->hide();
  m_points->setToolTip("Double-click a point to open its run");
  split->addWidget(m_points);

  m_views = new QTabWidget(this);
  auto* plotPage = new QWidget(this);
  auto* plotLayout = new QVBoxLayout(plotPage);
  auto* choices = new QHBoxLayout();
  m_metric = new QComboBox(this);
  m_metric->setObjectName("metricChoice");
  m_x = new QComboBox(this);
  m_x->setObjectName("xChoice");
  m_group = new QComboBox(this);
  m_group->setObjectName("groupChoice");
  m_logX = new QCheckBox("log x", this);
  m_logY = new QCheckBox("log y", this);
  choices->addWidget(new QLabel("Metric", this));
  choices->addWidget(m_metric, 1);
  choices->addWidget(new QLabel("against", this));
  choices->addWidget(m_x, 1);
  choices->addWidget(new QLabel("grouped by", this));
  choices->addWidget(m_group, 1);
  choices->addWidget(m_logX);
  choices->addWidget(m_logY);
  plotLayout->addLayout(choices);
  m_plot = new ChartView(this);
  m_plot->setObjectName("sweepPlot");
  plotLayout->addWidget(m_plot, 1);
  m_views->addTab(plotPage, "Plot");
  m_parallel = new ParallelCoordinatesView(this);
  m_parallel->setObjectName("sweepParallel");
  m_views->addTab(m_parallel, "Parallel coordinates");
  split->addWidget(m_views);
  split->setStretchFactor(0, 2);
  split->setStretchFactor(1, 3);
  layout->addWidget(split, 1);

  connect(m_sweeps, &QComboBox::currentIndexChanged, this, [this](int index) {
    if (!m_filling && index >= 0) showSweep(m_sweeps->itemData(index).toLongLong());
  });
  connect(m_refresh, &QPushButton::clicked, this, &SweepPanel::refresh);
  connect(m_merge, &QPushButton::clicked, this, [this] {
    if (m_sweep) emit mergeRequested(m_sweep);
  });
  connect(m_export, &QPushButton::clicked, this, [this] {
    const QString path =
        QFileDialog::getSaveFileName(this, "Export figure", "sweep-figure.png", "Images (*.png *.svg *.pdf)");
    if (!path.isEmpty() && !exportFigure(path)) QMessageBox::warning(this, "Export figure", m_status);
  });
  connect(m_report, &QPushButton::clicked, this, [this] {
    if (m_sweep) emit reportRequested(m_sweep);
  });
  for (QComboBox* box : {m_metric, m_x, m_group})
    connect(box, &QComboBox::currentIndexChanged, this, [this] {
      if (m_filling) return;
      rebuildPlot();
      rebuildParallel();
    });
  for (QCheckBox* box : {m_logX, m_logY}) connect(box, &QCheckBox::toggled, this, [this] { rebuildPlot(); });
  connect(m_points, &QTableWidget::cellDoubleClicked, this, [this](int row, int) {
    if (QTableWidgetItem* item = m_points->item(row, 0)) openPoint(item->data(Qt::UserRole).toLongLong());
  });
  connect(m_parallel, &ParallelCoordinatesView::lineClicked, this, [this](int line) {
    if (line >= 0 && line < static_cast<int>(m_parallelPoints.size())) {
      const std::int64_t point = m_parallelPoints[static_cast<std::size_t>(line)];
      for (int r = 0; r < m_points->rowCount(); ++r)
        if (m_points->item(r, 0)->data(Qt::UserRole).toLongLong() == point) m_points->selectRow(r);
    }
  });
  refresh();
}

void SweepPanel::setStore(Store* store) {
  m_store = store;
  m_sweep = 0;
  refresh();
}

QString SweepPanel::status() const {
  return m_status;
}

void SweepPanel::refresh(std::int64_t show) {
  m_filling = true;
  m_sweeps->clear();
  std::vector<SweepInfo> sweeps;
  if (m_store) {
    try {
      sweeps = m_store->listSweeps();
    } catch (const std::exception& e) {
      m_status = e.what();
    }
  }
  for (const SweepInfo& s : sweeps)
    m_sweeps->addItem(QString("#%1  %2  (%3 points, %4)")
                          .arg(s.id)
                          .arg(q(s.name))
                          .arg(s.points)
                          .arg(q(s.backend) + (s.jobId.empty() ? "" : " job " + q(s.jobId))),
                      QVariant::fromValue<qlonglong>(s.id));
  m_filling = false;
  const bool any = !sweeps.empty();
  m_merge->setEnabled(any);
  m_report->setEnabled(any);
  if (!any) {
    m_sweep = 0;
    m_table = SweepTable();
    m_summary->setText(m_store ? "No sweeps in this database yet: run `loupe sweep SPEC.json`, or right-click a run "
                                 "in Experiments and choose \"Sweep a parameter…\"."
                               : "No database open.");
    rebuildTable();
    rebuildPlot();
    rebuildParallel();
    return;
  }
  const std::int64_t keep = show ? show : m_sweep ? m_sweep : sweeps.front().id;
  if (!showSweep(keep)) showSweep(sweeps.front().id);
}

bool SweepPanel::showSweep(std::int64_t sweep) {
  if (!m_store) return false;
  try {
    m_table = loadSweepTable(*m_store, sweep, m_kinds);
  } catch (const std::exception& e) {
    m_status = e.what();
    return false;
  }
  m_sweep = sweep;
  m_filling = true;
  const int index = m_sweeps->findData(QVariant::fromValue<qlonglong>(sweep));
  if (index >= 0) m_sweeps->setCurrentIndex(index);
  m_filling = false;
  std::map<std::string, int> byStatus;
  for (const SweepRow& row : m_table.rows) ++byStatus[row.status];
  QStringList parts;
  for (const auto& [status, count] : byStatus) parts << QString("%1 %2").arg(count).arg(q(status));
  QString text =
      QString("<b>%1</b> — %2 points: %3. Shards: %4.")
          .arg(q(m_table.sweep.name).toHtmlEscaped())
          .arg(m_table.sweep.points)
          .arg(parts.join(", "))
          .arg(m_table.sweep.directory.empty() ? "(none: its points were recorded straight into this database)"
                                               : q(m_table.sweep.directory).toHtmlEscaped());
  if (!m_table.note.empty()) text += "<br>" + q(m_table.note).toHtmlEscaped();
  m_summary->setText(text);
  m_status = QString("sweep %1: %2 points").arg(sweep).arg(m_table.rows.size());
  fillChoices();
  rebuildTable();
  rebuildPlot();
  rebuildParallel();
  return true;
}

void SweepPanel::fillChoices() {
  const QString metric = m_metric->currentData().toString(), x = m_x->currentData().toString(),
                group = m_group->currentData().toString();
  const bool hadChoices = m_x->count() > 0;  // else "(none)" would match the empty group
  m_filling = true;
  m_metric->clear();
  m_x->clear();
  m_group->clear();
  for (const std::string& m : m_table.metrics) m_metric->addItem(q(m), q(m));
  m_group->addItem("(none)", QString());
  for (const std::string& a : m_table.axes) {
    m_x->addItem(axisLabel(a), q(a));
    if (a != "seed") m_group->addItem(axisLabel(a), q(a));
  }
  // Keep what was chosen where it still exists; else the first axis that
  // is not the seed against the first metric, grouped by the next axis.
  auto pick = [hadChoices](QComboBox* box, const QString& wanted, int fallback) {
    const int i = hadChoices ? box->findData(wanted) : -1;
    box->setCurrentIndex(i >= 0 ? i : std::min(fallback, box->count() - 1));
  };
  // The first numeric axis that is not the seed (a curve over N reads
  // better than two categories), else the first that is not the seed.
  int firstAxis = -1, firstNumeric = -1;
  for (int i = 0; i < m_x->count() && firstNumeric < 0; ++i) {
    const std::string field = m_x->itemData(i).toString().toStdString();
    if (field == "seed") continue;
    if (firstAxis < 0) firstAxis = i;
    if (numericField(m_table, field)) firstNumeric = i;
  }
  firstAxis = firstNumeric >= 0 ? firstNumeric : std::max(firstAxis, 0);
  pick(m_metric, metric, 0);
  pick(m_x, x, firstAxis);
  int groupIndex = 0;
  for (int i = 1; i < m_group->count(); ++i)
    if (m_group->itemData(i).toString() != m_x->currentData().toString()) {
      groupIndex = i;
      break;
    }
  pick(m_group, group, groupIndex);
  m_filling = false;
}

bool SweepPanel::setPlot(const QString& metric, const QString& xField, const QString& groupField) {
  const int m = m_metric->findData(metric), x = m_x->findData(xField), g = m_group->findData(groupField);
  if (m < 0 || x < 0 || g < 0) return false;
  m_filling = true;
  m_metric->setCurrentIndex(m);
  m_x->setCurrentIndex(x);
  m_group->setCurrentIndex(g);
  m_filling = false;
  rebuildPlot();
  rebuildParallel();
  return true;
}

void SweepPanel::setLogAxes(bool logX, bool logY) {
  m_logX->setChecked(logX);
  m_logY->setChecked(logY);
  rebuildPlot();
}

void SweepPanel::showParallelCoordinates(bool show) {
  m_views->setCurrentIndex(show ? 1 : 0);
}

void SweepPanel::rebuildTable() {
  m_points->setSortingEnabled(false);
  m_points->clear();
  QStringList headers{"point", "status", "run"};
  for (const std::string& a : m_table.axes) headers << axisLabel(a);
  for (const std::string& m : m_table.metrics) headers << q(m);
  m_points->setColumnCount(headers.size());
  m_points->setHorizontalHeaderLabels(headers);
  m_points->setRowCount(static_cast<int>(m_table.rows.size()));
  for (std::size_t r = 0; r < m_table.rows.size(); ++r) {
    const SweepRow& row = m_table.rows[r];
    const int i = static_cast<int>(r);
    auto* point = new QTableWidgetItem();
    point->setData(Qt::DisplayRole, static_cast<qlonglong>(row.point));
    point->setData(Qt::UserRole, static_cast<qlonglong>(row.point));
    m_points->setItem(i, 0, point);
    auto* status =
        new QTableWidgetItem(q(row.status) + (row.runsRecorded > 1 ? QString(" (%1 runs)").arg(row.runsRecorded) : ""));
    if (row.status != "finished")
      status->setForeground(row.status == "missing" ? QColor(150, 150, 150) : QColor(200, 40, 40));
    m_points->setItem(i, 1, status);
    auto* run = new QTableWidgetItem();
    if (row.run) run->setData(Qt::DisplayRole, static_cast<qlonglong>(row.run));
    m_points->setItem(i, 2, run);
    int c = 3;
    for (const std::string& a : m_table.axes)
      m_points->setItem(i, c++, new QTableWidgetItem(row.values.contains(a) ? q(valueLabel(row.values[a])) : ""));
    for (const std::string& m : m_table.metrics) {
      auto* item = new QTableWidgetItem();
      const auto it = row.metrics.find(m);
      if (it != row.metrics.end())
        item->setData(Qt::DisplayRole, std::isnan(it->second) ? QVariant("nan") : QVariant(it->second));
      m_points->setItem(i, c++, item);
    }
  }
  m_points->setSortingEnabled(true);
  m_points->sortByColumn(0, Qt::AscendingOrder);
  m_points->resizeColumnsToContents();
}

void SweepPanel::rebuildPlot() {
  m_plot->clear();
  const std::string metric = m_metric->currentData().toString().toStdString(),
                    x = m_x->currentData().toString().toStdString(),
                    group = m_group->currentData().toString().toStdString();
  if (metric.empty() || x.empty()) {
    m_plot->setTitles("no finished points to plot", "", "");
    return;
  }
  SweepPlot plot;
  try {
    plot = sweepPlot(m_table, metric, x, group);
  } catch (const std::exception& e) {
    m_status = e.what();
    m_plot->setTitles(e.what(), "", "");
    return;
  }
  int maxN = 0;
  for (const SweepCurve& c : plot.curves)
    for (const SweepPlotPoint& p : c.points) maxN = std::max(maxN, p.n);
  const QString title = q(metric) + " against " + axisLabel(x) +
                        (maxN > 1 ? QString(" (mean ± sd over up to %1 points)").arg(maxN) : QString());
  m_plot->setTitles(title, axisLabel(x), q(metric));
  m_plot->setLogAxes(plot.xNumeric && m_logX->isChecked(), m_logY->isChecked());
  if (!plot.xNumeric) {
    QStringList labels;
    for (const std::string& l : plot.xCategories) labels << q(l);
    m_plot->setXCategories(labels);
  }
  for (std::size_t g = 0; g < plot.curves.size(); ++g) {
    const SweepCurve& c = plot.curves[g];
    const QColor colour = kPalette[g % std::size(kPalette)];
    std::vector<QPointF> points;
    std::vector<double> spread;
    for (const SweepPlotPoint& p : c.points) {
      points.emplace_back(p.x, p.mean);
      spread.push_back(p.std);
    }
    const QString name = group.empty() ? q(metric) : axisLabel(group) + " = " + q(c.group);
    m_plot->addLine(name, points, colour);
    m_plot->addScatter(QString(), points, colour);  // markers on the line, no second legend entry
    m_plot->addErrorBars(points, spread, colour);
  }
}

void SweepPanel::rebuildParallel() {
  const std::string metric = m_metric->currentData().toString().toStdString();
  if (metric.empty()) {
    m_parallel->clear();
    m_parallelPoints.clear();
    return;
  }
  const ParallelCoordinates pc = parallelCoordinates(m_table, metric);
  m_parallelPoints = pc.points;
  std::vector<ParallelCoordinatesView::Axis> axes;
  for (const ParallelAxis& a : pc.axes) {
    ParallelCoordinatesView::Axis axis;
    axis.name = axisLabel(a.name);
    if (!a.labels.empty())
      for (const std::string& l : a.labels) axis.labels << q(l);
    else
      axis.labels << number(a.min) << number(a.max);
    axes.push_back(axis);
  }
  const ParallelAxis& m = pc.axes.back();
  std::vector<double> colours;
  for (double v : pc.metric) colours.push_back(m.max > m.min ? (v - m.min) / (m.max - m.min) : 0.5);
  m_parallel->setData(std::move(axes), pc.lines, colours, q(metric), number(m.min), number(m.max));
  m_parallel->setTitle(QString("%1 points over %2 swept fields, coloured by %3")
                           .arg(pc.lines.size())
                           .arg(m_table.axes.size())
                           .arg(q(metric)));
}

void SweepPanel::openPoint(std::int64_t point) {
  if (point < 0 || point >= static_cast<std::int64_t>(m_table.rows.size())) return;
  const SweepRow& row = m_table.rows[static_cast<std::size_t>(point)];
  if (row.run) emit openRunRequested(row.run);
}

bool SweepPanel::exportFigure(const QString& path) {
  QWidget* view = m_views->currentIndex() == 1 ? static_cast<QWidget*>(m_parallel) : static_cast<QWidget*>(m_plot);
  try {
    loupe::exportFigure(view, path);
  } catch (const std::exception& e) {
    m_status = e.what();
    return false;
  }
  m_status = "exported " + path;
  return true;
}

std::vector<PanelFigure> SweepPanel::figures() {
  return {{"sweep-plot", "Metric against a swept field", m_plot},
          {"sweep-parallel", "Parallel coordinates", m_parallel}};
}

}  // namespace loupe
