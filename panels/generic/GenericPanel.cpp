#include "panels/generic/GenericPanel.h"

#include <QComboBox>
#include <QLabel>
#include <QSplitter>
#include <QTabWidget>
#include <QTimer>
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

QWidget* placeholder(const QString& what, QWidget* parent) {
  auto* label = new QLabel(QString("%1 needs OpenGL 3.2: %2").arg(what, probeOpenGl().description), parent);
  label->setAlignment(Qt::AlignCenter);
  label->setWordWrap(true);
  return label;
}

QString formatMetric(double v) {
  return std::isnan(v) ? "nan" : QString::number(v, 'g', 6);
}

}  // namespace

GenericPanel::GenericPanel(QWidget* parent) : Panel(parent) {
  auto* layout = new QVBoxLayout(this);
  m_header = new QLabel("Open a run from the experiment browser, or start one (File → Run recipe…).", this);
  m_header->setObjectName("panelHeader");
  m_header->setWordWrap(true);
  layout->addWidget(m_header);
  m_scrubber = new TimelineScrubber(this);
  layout->addWidget(m_scrubber);

  auto* split = new QSplitter(Qt::Horizontal, this);
  auto* left = new QWidget(split);
  auto* leftLayout = new QVBoxLayout(left);
  leftLayout->setContentsMargins(0, 0, 0, 0);
  m_metrics = new ChartView(left);
  m_metrics->setTitles("Metrics", "step", "value");
  leftLayout->addWidget(m_metrics, 1);
  m_values = new QLabel(left);
  m_values->setObjectName("stepValues");
  m_values->setTextInteractionFlags(Qt::TextSelectableByMouse);
  m_values->setWordWrap(true);
  leftLayout->addWidget(m_values);

  auto* right = new QWidget(split);
  auto* rightLayout = new QVBoxLayout(right);
  rightLayout->setContentsMargins(0, 0, 0, 0);
  m_arrayChoice = new QComboBox(right);
  m_arrayChoice->setObjectName("arrayChoice");
  m_arrayChoice->setToolTip("Array recorded at this step");
  rightLayout->addWidget(m_arrayChoice);
  m_arrayTabs = new QTabWidget(right);
  const bool gl = probeOpenGl().usable;
  if (gl) {
    m_grid = new TileGridView(m_arrayTabs);
    m_cloud = new VtkView(m_arrayTabs);
    m_arrayTabs->addTab(m_grid, "Grid");
    m_arrayTabs->addTab(m_cloud, "3-D");
  } else {
    m_arrayTabs->addTab(placeholder("The tile grid", m_arrayTabs), "Grid");
    m_arrayTabs->addTab(placeholder("The 3-D view", m_arrayTabs), "3-D");
  }
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

  connect(m_scrubber, &TimelineScrubber::positionChanged, this, &GenericPanel::showPosition);
  connect(m_arrayChoice, &QComboBox::currentTextChanged, this, [this](const QString& name) {
    if (name.isEmpty()) return;
    if (m_store && m_shownStep) {
      showArray(name, m_store->readArray(m_run, *m_shownStep, name.toStdString()));
    } else if (const Array* a = m_live.findArray(name.toStdString())) {
      showArray(name, *a);
    }
  });
  // Live records arrive faster than a chart should redraw: repaint at 10 Hz.
  auto* liveTimer = new QTimer(this);
  connect(liveTimer, &QTimer::timeout, this, [this] {
    if (!m_liveDirty) return;
    m_liveDirty = false;
    rebuildMetricsChart();
    showRecord(m_live);
  });
  liveTimer->start(100);
}

void GenericPanel::setHeader(const RunInfo& run, const QString& extra) {
  m_header->setText(QString("<b>run %1</b> · %2 · “%3” · %4 · %5 steps · %6%7")
                        .arg(run.id)
                        .arg(QString::fromStdString(run.kind), QString::fromStdString(run.name).toHtmlEscaped(),
                             runStatusName(run.status))
                        .arg(run.stepCount)
                        .arg(QString::fromStdString(run.device), extra));
}

void GenericPanel::openRun(Store& store, std::int64_t run) {
  // A stored run replaces any live view: a record still waiting for the
  // live timer must not overwrite the step shown from the store.
  m_liveDirty = false;
  m_store = &store;
  m_run = run;
  m_runB = 0;
  const RunInfo info = store.getRun(run);
  setHeader(info);
  m_series = loadMetricSeries(store, run);
  m_steps = store.stepNumbers(run);
  m_shownStep.reset();
  m_scrubber->setSteps(m_steps);
  rebuildMetricsChart();
  if (!m_steps.empty()) showPosition(0);
}

void GenericPanel::compareRuns(Store& store, std::int64_t runA, std::int64_t runB) {
  openRun(store, runA);
  m_runB = runB;
  const RunInfo a = store.getRun(runA), b = store.getRun(runB);
  // Overlay: every metric of both runs on the same axes, prefixed A / B.
  m_series = pairSeries(std::move(m_series), loadMetricSeries(store, runB));
  setHeader(a, QString("<br>compared with <b>run %1</b> “%2” (%3 steps): A = run %4, B = run %1")
                   .arg(b.id)
                   .arg(QString::fromStdString(b.name).toHtmlEscaped())
                   .arg(b.stepCount)
                   .arg(a.id));
  rebuildMetricsChart();
}

void GenericPanel::liveStarted(const RunInfo& run) {
  m_store = nullptr;
  m_run = run.id;
  m_runB = 0;
  m_series.clear();
  m_steps.clear();
  m_shownStep.reset();
  m_scrubber->setSteps({});
  m_live = StepRecord();
  setHeader(run, " · <i>live</i>");
  rebuildMetricsChart();
}

void GenericPanel::liveRecord(const StepRecord& record) {
  appendRecordMetrics(m_series, record);
  m_steps.push_back(record.step);
  m_live = record;
  m_liveDirty = true;
}

void GenericPanel::liveEnded(RunStatus status) {
  markLiveEnded(m_header, status);
  rebuildMetricsChart();
  if (!m_live.metrics.empty() || !m_live.arrays.empty()) showRecord(m_live);
}

void GenericPanel::showPosition(int index) {
  if (!m_store || index < 0 || index >= static_cast<int>(m_steps.size())) return;
  if (m_scrubber->position() != index) {
    m_scrubber->setPosition(index);  // re-enters through positionChanged
    return;
  }
  showRecord(m_store->readStep(m_run, m_steps[index]));
}

void GenericPanel::showRecord(const StepRecord& record) {
  m_shownStep = record.step;
  m_metrics->setMarker(static_cast<double>(record.step));
  QStringList lines;
  for (const auto& [name, value] : record.metrics)
    lines << QString("%1 = %2").arg(QString::fromStdString(name), formatMetric(value));
  m_values->setText(QString("<b>step %1</b>: ").arg(record.step) + lines.join(", "));

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
  if (m_shownStep) m_metrics->setMarker(static_cast<double>(*m_shownStep));
}

std::vector<PanelFigure> GenericPanel::figures() {
  std::vector<PanelFigure> out{{"metrics", "Metrics against step", m_metrics}};
  QWidget* current = m_arrayTabs->currentWidget();
  const QString array = m_arrayChoice->currentText();
  if (current == m_grid && m_grid) {
    out.push_back({"array-grid", QString("%1 at step %2 (tile grid)").arg(array).arg(m_shownStep.value_or(0)), m_grid});
    out.push_back({"array-image", QString("%1 at step %2 (image)").arg(array).arg(m_shownStep.value_or(0)), m_image});
  } else if (current == m_cloud && m_cloud) {
    out.push_back({"array-cloud", QString("%1 at step %2 (3-D)").arg(array).arg(m_shownStep.value_or(0)), m_cloud});
  } else if (current == m_image) {
    out.push_back({"array-image", QString("%1 at step %2 (image)").arg(array).arg(m_shownStep.value_or(0)), m_image});
  } else if (current == m_values1d) {
    out.push_back({"array-values", QString("%1 at step %2").arg(array).arg(m_shownStep.value_or(0)), m_values1d});
  }
  return out;
}

}  // namespace loupe
