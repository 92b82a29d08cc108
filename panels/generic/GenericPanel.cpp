#include "panels/generic/GenericPanel.h"

#include <QComboBox>
#include <QLabel>
#include <QSplitter>
#include <QTabWidget>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

#include "engines/core/DTypeConvert.h"
#include "panels/MetricSeries.h"
#include "viewers/ChartView.h"
#include "viewers/GlProbe.h"
#include "viewers/HeatmapView.h"
#include "viewers/TileGridView.h"
#include "viewers/TimelineScrubber.h"
#include "viewers/VtkView.h"

namespace loupe {

namespace {

QString formatMetric(double v) {
  return std::isnan(v) ? "nan" : QString::number(v, 'g', 6);
}

}  // namespace

GenericPanel::GenericPanel(QWidget* parent)
    : RunPanel(parent,
               "No run shown yet: open one from the experiment browser, start one with File → Run recipe… "
               "(the built-in recipes are in experiments/recipes/), or press Run on a topic panel.") {
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(headerLine());
  layout->addWidget(scrubber());

  auto* split = new QSplitter(Qt::Horizontal, this);
  auto* left = new QWidget(split);
  auto* leftLayout = new QVBoxLayout(left);
  leftLayout->setContentsMargins(0, 0, 0, 0);
  m_metrics = new ChartView(left);
  m_metrics->setTitles("Metrics", "step", "value");
  leftLayout->addWidget(m_metrics, 1);
  valuesLine()->setTextInteractionFlags(Qt::TextSelectableByMouse);
  leftLayout->addWidget(valuesLine());

  auto* right = new QWidget(split);
  auto* rightLayout = new QVBoxLayout(right);
  rightLayout->setContentsMargins(0, 0, 0, 0);
  m_arrayChoice = new QComboBox(right);
  m_arrayChoice->setObjectName("arrayChoice");
  m_arrayChoice->setToolTip("Array recorded at this step");
  rightLayout->addWidget(m_arrayChoice);
  m_arrayTabs = new QTabWidget(right);
  m_arrayTabs->addTab(
      glViewOrPlaceholder(m_arrayTabs, "The tile grid", [this](QWidget* p) { return m_grid = new TileGridView(p); }),
      "Grid");
  m_arrayTabs->addTab(
      glViewOrPlaceholder(m_arrayTabs, "The 3-D view", [this](QWidget* p) { return m_cloud = new VtkView(p); }), "3-D");
  m_image = new HeatmapView(m_arrayTabs);
  m_arrayTabs->addTab(m_image, "Image");
  m_values1d = new ChartView(m_arrayTabs);
  m_arrayTabs->addTab(m_values1d, "Values");
  rightLayout->addWidget(m_arrayTabs, 1);
  m_picked = new QLabel(right);
  m_picked->setObjectName("pickedPoint");
  rightLayout->addWidget(m_picked);
  if (m_cloud) {
    connect(m_cloud, &VtkView::pointPicked, this, [this](qint64 index, double x, double y, double z) {
      m_picked->setText(
          QString("point %1: x = %2, y = %3, z = %4").arg(index).arg(x, 0, 'g', 6).arg(y, 0, 'g', 6).arg(z, 0, 'g', 6));
    });
  }
  if (m_grid) {
    connect(m_grid, &TileGridView::cellSelected, this, [this](int row, int col, double value) {
      m_picked->setText(QString("cell row %1, column %2: %3").arg(row).arg(col).arg(value, 0, 'g', 6));
    });
  }
  split->addWidget(left);
  split->addWidget(right);
  split->setSizes({500, 500});
  layout->addWidget(split, 1);

  connect(m_arrayChoice, &QComboBox::currentTextChanged, this, [this](const QString& name) {
    if (name.isEmpty()) return;
    if (const Array* a = m_shown.findArray(name.toStdString())) showArray(name, *a);
  });
}

namespace {

QString genericHeader(const RunInfo& run, const QString& extra = {}) {
  return QString("<b>run %1</b> · %2 · “%3” · %4 · %5 steps · %6%7")
      .arg(run.id)
      .arg(QString::fromStdString(run.kind), QString::fromStdString(run.name).toHtmlEscaped(),
           runStatusName(run.status))
      .arg(run.stepCount)
      .arg(QString::fromStdString(run.device), extra);
}

}  // namespace

QString GenericPanel::runHeaderText(const RunInfo& info) const {
  return genericHeader(info);
}

void GenericPanel::clearViews() {
  m_shown = {};
  m_series.clear();
  rebuildMetricsChart();
  m_arrayChoice->clear();
  if (m_grid) m_grid->setGrid(0, 0, {}, {});
  if (m_cloud) m_cloud->clearScene();
  m_image->setData(0, 0, {}, {});
  m_values1d->clear();
  m_picked->clear();
}

void GenericPanel::runOpened(const RunInfo&) {
  m_series = loadMetricSeries(*store(), run());
  rebuildMetricsChart();
}

void GenericPanel::runCompared(const RunInfo& b) {
  const RunInfo a = store()->getRun(run());
  // Overlay: every metric of both runs on the same axes, prefixed A / B.
  m_series = pairSeries(std::move(m_series), loadMetricSeries(*store(), b.id));
  headerLine()->setText(
      genericHeader(a, QString("<br>compared with <b>run %1</b> “%2” (%3 steps): A = run %4, B = run %1")
                           .arg(b.id)
                           .arg(QString::fromStdString(b.name).toHtmlEscaped())
                           .arg(b.stepCount)
                           .arg(a.id)));
  rebuildMetricsChart();
}

void GenericPanel::liveStep(const StepRecord& record) {
  appendRecordMetrics(m_series, record);
}

QString GenericPanel::valuesText(const StepRecord& record) const {
  QStringList lines;
  for (const auto& [name, value] : record.metrics)
    lines << QString("%1 = %2").arg(QString::fromStdString(name), formatMetric(value));
  return QString("<b>step %1</b>: ").arg(record.step) + lines.join(", ");
}

void GenericPanel::showStep(const StepRecord& record, const StepRecord*) {
  m_shown = record;
  m_metrics->setMarker(static_cast<double>(record.step));

  const QString previous = m_arrayChoice->currentText();
  const QSignalBlocker block(m_arrayChoice);
  m_arrayChoice->clear();
  for (const auto& a : record.arrays) m_arrayChoice->addItem(QString::fromStdString(a.name));
  m_arrayChoice->setEnabled(!record.arrays.empty());
  if (record.arrays.empty()) return;
  const int keep = m_arrayChoice->findText(previous);
  m_arrayChoice->setCurrentIndex(keep >= 0 ? keep : 0);
  const std::string name = m_arrayChoice->currentText().toStdString();
  showArray(m_arrayChoice->currentText(), *record.findArray(name));
}

void GenericPanel::showArray(const QString& name, const Array& array) {
  const auto& shape = array.shape();
  const std::vector<float> values = toFloat32(array.view());
  const QString title =
      QString("%1  %2 %3").arg(name, dtypeName(array.dtype()).data(), QString::fromStdString(shapeToString(shape)));
  if (shape.size() == 2 && shape[1] == 3 && m_cloud) {
    m_cloud->setPoints(values.data(), shape[0]);
    std::vector<float> z(static_cast<std::size_t>(shape[0]));
    float lo = INFINITY, hi = -INFINITY;
    for (std::size_t i = 0; i < z.size(); ++i) {
      z[i] = values[3 * i + 2];
      lo = std::min(lo, z[i]);
      hi = std::max(hi, z[i]);
    }
    if (!z.empty()) m_cloud->setPointScalars(z.data(), lo, hi, "z");
    m_arrayTabs->setCurrentWidget(m_cloud);
  } else if (shape.size() == 2) {
    const int rows = static_cast<int>(shape[0]), cols = static_cast<int>(shape[1]);
    if (m_grid) m_grid->setGrid(rows, cols, values, title);
    m_image->setData(rows, cols, values, title);
    m_arrayTabs->setCurrentIndex(m_grid ? m_arrayTabs->indexOf(m_grid) : m_arrayTabs->indexOf(m_image));
  } else {
    std::vector<QPointF> points;
    points.reserve(values.size());
    for (std::size_t i = 0; i < values.size(); ++i) points.emplace_back(static_cast<double>(i), values[i]);
    m_values1d->clear();
    m_values1d->setTitles(title, "flat index", "value");
    m_values1d->addLine(name, std::move(points));
    m_arrayTabs->setCurrentWidget(m_values1d);
  }
}

void GenericPanel::rebuildMetricsChart() {
  m_metrics->clear();
  m_metrics->setTitles("Metrics", "step", "value");
  m_metrics->addSeriesPairs(m_series);  // in compare mode A and B share colours, B dashed
  if (shownStep()) m_metrics->setMarker(static_cast<double>(*shownStep()));
}

std::vector<PanelFigure> GenericPanel::figures() {
  std::vector<PanelFigure> out{{"metrics", "Metrics against step", m_metrics}};
  QWidget* current = m_arrayTabs->currentWidget();
  const QString array = m_arrayChoice->currentText();
  if (current == m_grid && m_grid) {
    out.push_back({"array-grid", QString("%1 at step %2 (tile grid)").arg(array).arg(shownStep().value_or(0)), m_grid});
    out.push_back({"array-image", QString("%1 at step %2 (image)").arg(array).arg(shownStep().value_or(0)), m_image});
  } else if (current == m_cloud && m_cloud) {
    out.push_back({"array-cloud", QString("%1 at step %2 (3-D)").arg(array).arg(shownStep().value_or(0)), m_cloud});
  } else if (current == m_image) {
    out.push_back({"array-image", QString("%1 at step %2 (image)").arg(array).arg(shownStep().value_or(0)), m_image});
  } else if (current == m_values1d) {
    out.push_back({"array-values", QString("%1 at step %2").arg(array).arg(shownStep().value_or(0)), m_values1d});
  }
  return out;
}

}  // namespace loupe
