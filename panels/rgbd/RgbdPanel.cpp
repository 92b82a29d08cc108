#include "panels/rgbd/RgbdPanel.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QSpinBox>
#include <QSplitter>
#include <QVBoxLayout>
#include <cmath>
#include <nlohmann/json.hpp>

#include "experiments/CloudExport.h"
#include "experiments/kinds/RgbdRecords.h"
#include "panels/Controls.h"
#include "panels/MetricSeries.h"
#include "panels/SchemaControls.h"
#include "viewers/ChartView.h"
#include "viewers/ImageView.h"
#include "viewers/TimelineScrubber.h"
#include "viewers/VtkView.h"

namespace loupe {

namespace rec = loupe::rgbd_records;

namespace {

// Metrics drawn in the chart (the rest are listed under it).
const std::vector<std::string> kCharted = {rec::kFillRate, rec::kRmse, rec::kBadPct, rec::kFps, rec::kBad2Pct};

}  // namespace

RgbdPanel::RgbdPanel(QWidget* parent, const KindRegistry& kinds)
    : RunPanel(parent, "Run a source, or open an rgbd.stream run from the experiment browser.") {
  auto* layout = new QVBoxLayout(this);
  auto* controls = new QHBoxLayout();
  m_source = schemaChoice(this, paramSpec(kinds, "rgbd.stream", "source"));
  m_source->setObjectName("rgbdSource");
  m_sensor = schemaChoice(this, paramSpec(kinds, "rgbd.stream", "sensor"));
  m_sensor->setObjectName("rgbdSensor");
  m_frames = schemaSpin(this, paramSpec(kinds, "rgbd.stream", "frames"), "frames ");
  m_seed = prefixedSpin(this, "seed ", 0, 1000000, 0);
  m_path = new QLineEdit(this);
  m_path->setPlaceholderText("sequence directory, or left image of a stereo pair");
  auto* browse = new QPushButton("…", this);
  auto* run = new QPushButton("Run", this);
  run->setObjectName("rgbdRun");
  m_colouring = new QComboBox(this);
  m_colouring->addItems({"colour: RGB", "colour: depth"});
  m_pointSize = new QDoubleSpinBox(this);
  m_pointSize->setRange(1, 10);
  m_pointSize->setValue(2);
  m_pointSize->setPrefix("point ");
  auto* exportPly = new QPushButton("Export PLY…", this);
  auto* exportPcd = new QPushButton("Export PCD…", this);
  // Row 1: what to run. Row 2: what the run is, and how to look at it.
  for (QWidget* w : std::initializer_list<QWidget*>{m_source, m_sensor, m_frames, m_seed, m_path, browse, run})
    controls->addWidget(w);
  controls->setStretchFactor(m_path, 1);
  layout->addLayout(controls);
  auto* viewRow = new QHBoxLayout();
  viewRow->addWidget(headerLine(), 1);
  for (QWidget* w : std::initializer_list<QWidget*>{m_colouring, m_pointSize, exportPly, exportPcd})
    viewRow->addWidget(w);
  layout->addLayout(viewRow);
  layout->addWidget(scrubber());

  auto* vertical = new QSplitter(Qt::Vertical, this);
  auto* top = new QSplitter(Qt::Horizontal, vertical);
  auto* clouds = new QSplitter(Qt::Horizontal, top);
  clouds->addWidget(
      glViewOrPlaceholder(clouds, "The 3-D view", [this](QWidget* p) { return m_cloud = new VtkView(p); }));
  if (m_cloud) {
    m_cloudB = new VtkView(clouds);
    clouds->addWidget(m_cloudB);
    m_cloudB->hide();
  }
  auto* images = new QWidget(top);
  auto* imageLayout = new QVBoxLayout(images);
  imageLayout->setContentsMargins(0, 0, 0, 0);
  m_depth = new ImageView(images);
  m_second = new ImageView(images);
  m_third = new ImageView(images);
  for (auto* v : {m_depth, m_second, m_third}) imageLayout->addWidget(v, 1);
  top->addWidget(clouds);
  top->addWidget(images);
  top->setSizes({700, 300});
  auto* bottom = new QWidget(vertical);
  auto* bottomLayout = new QVBoxLayout(bottom);
  bottomLayout->setContentsMargins(0, 0, 0, 0);
  m_chart = new ChartView(bottom);
  m_chart->setMinimumHeight(220);
  // fps (tens), bad-% (units), fill rate (≤ 1) and RMSE (cm) share one log axis.
  m_chart->setLogAxes(false, true);
  m_chart->setTitles("Per-frame metrics (log scale)", "step", "value");
  bottomLayout->addWidget(m_chart, 1);
  bottomLayout->addWidget(valuesLine());
  vertical->addWidget(top);
  vertical->addWidget(bottom);
  vertical->setSizes({560, 300});
  layout->addWidget(vertical, 1);

  connect(run, &QPushButton::clicked, this, [this] { emit runRequested(recipeJson()); });
  connect(browse, &QPushButton::clicked, this, [this] {
    const QString path = m_source->currentText() == "sequence"
                             ? QFileDialog::getExistingDirectory(this, "Sequence directory")
                             : QFileDialog::getOpenFileName(this, "Left image");
    if (!path.isEmpty()) m_path->setText(path);
  });
  connect(m_colouring, &QComboBox::currentIndexChanged, this, [this] {
    if (!m_current.arrays.empty()) showStep(m_current, nullptr);
  });
  connect(m_pointSize, &QDoubleSpinBox::valueChanged, this, [this](double v) {
    if (m_cloud) m_cloud->setPointSize(v);
    if (m_cloudB) m_cloudB->setPointSize(v);
  });
  auto exportTo = [this](const QString& filter, const QString& suffix) {
    const QString path = QFileDialog::getSaveFileName(this, "Export cloud", "cloud." + suffix, filter);
    if (path.isEmpty()) return;
    try {
      exportCloud(path);
    } catch (const std::exception& e) {
      QMessageBox::warning(this, "Export cloud", e.what());
    }
  };
  connect(exportPly, &QPushButton::clicked, this, [exportTo] { exportTo("PLY (*.ply)", "ply"); });
  connect(exportPcd, &QPushButton::clicked, this, [exportTo] { exportTo("PCD (*.pcd)", "pcd"); });
}

QString RgbdPanel::recipeJson() const {
  nlohmann::json params = {{"source", m_source->currentText().toStdString()},
                           {"sensor", m_sensor->currentText().toStdString()},
                           {"frames", m_frames->value()}};
  if (!m_path->text().isEmpty()) params["path"] = m_path->text().toStdString();
  nlohmann::json recipe = {
      {"kind", "rgbd.stream"},
      {"name", m_source->currentText().toStdString() + " " + m_sensor->currentText().toStdString()},
      {"seed", m_seed->value()},
      {"params", params}};
  return QString::fromStdString(recipe.dump());
}

QString RgbdPanel::runHeaderText(const RunInfo& info) const {
  const auto params = info.recipe.value("params", nlohmann::json::object());
  const std::string source = params.value("source", "synthetic");
  return QString("<b>run %1</b> · “%2” · %3 · %4 frames · %5")
      .arg(info.id)
      .arg(QString::fromStdString(info.name).toHtmlEscaped())
      .arg(runStatusName(info.status))
      .arg(info.stepCount)
      .arg(QString::fromStdString(source == "synthetic" ? "synthetic " + params.value("sensor", "") : source));
}

void RgbdPanel::clearViews() {
  m_current = {};
  m_series.clear();
  if (m_cloud) m_cloud->clearScene();
  if (m_cloudB) {
    m_cloudB->clearScene();
    m_cloudB->hide();
  }
  for (ImageView* v : {m_depth, m_second, m_third}) v->clear();
  rebuildChart();
}

void RgbdPanel::runOpened(const RunInfo&) {
  m_series = loadMetricSeries(*store(), run(), kCharted);
  // Replay at the recorded pace (the frames' own timestamps).
  std::vector<double> times;
  for (const auto& p : store()->metricSeries(run(), rec::kTimestamp)) times.push_back(p.value);
  scrubber()->setStepTimes(std::move(times));
  rebuildChart();
}

void RgbdPanel::runCompared(const RunInfo& b) {
  const RunInfo a = store()->getRun(run());
  auto sensor = [](const RunInfo& r) {
    return QString::fromStdString(r.recipe.value("params", nlohmann::json::object()).value("sensor", "?"));
  };
  headerLine()->setText(
      QString("<b>A</b> run %1 (%2) · <b>B</b> run %3 (%4) · same step side by side; B dashed in the chart")
          .arg(a.id)
          .arg(sensor(a))
          .arg(b.id)
          .arg(sensor(b)));
  m_series = pairSeries(std::move(m_series), loadMetricSeries(*store(), b.id, kCharted));
  if (m_cloudB) m_cloudB->show();
  rebuildChart();
}

void RgbdPanel::liveStep(const StepRecord& record) {
  appendRecordMetrics(m_series, record, kCharted);
}

void RgbdPanel::showCloud(VtkView* view, const StepRecord& r) {
  if (!view) return;
  const Array* cloud = r.findArray(rec::kCloud);
  if (!cloud || cloud->ndim() != 2 || cloud->shape()[1] != 3) {
    view->clearScene();
    return;
  }
  const std::int64_t n = cloud->shape()[0];
  view->setPoints(cloud->data<float>(), n);
  const Array* colours = r.findArray(rec::kCloudRgb);
  if (m_colouring->currentIndex() == 0 && colours && colours->numel() == 3 * n) {
    view->setPointColors(colours->data<std::uint8_t>());
  } else {
    std::vector<float> z(static_cast<std::size_t>(n));
    float lo = INFINITY, hi = -INFINITY;
    for (std::int64_t i = 0; i < n; ++i) {
      z[i] = cloud->data<float>()[3 * i + 2];
      lo = std::min(lo, z[i]);
      hi = std::max(hi, z[i]);
    }
    if (n) view->setPointScalars(z.data(), lo, hi, "depth (m)");
  }
  view->setPointSize(m_pointSize->value());
}

namespace {

// depth_mm (u16, 0 = none) → metres with NaN holes, for display.
std::vector<float> depthMetres(const Array& mm) {
  std::vector<float> out(static_cast<std::size_t>(mm.numel()));
  for (std::size_t i = 0; i < out.size(); ++i) {
    const auto v = mm.data<std::uint16_t>()[i];
    out[i] = v != rec::kNoDepthMm ? v * rec::kMetresPerMm : NAN;
  }
  return out;
}

void showDepth(ImageView* view, const StepRecord& r, const QString& title) {
  const Array* mm = r.findArray(rec::kDepthMm);
  if (!mm || mm->ndim() != 2) {
    view->clear("no depth");
    return;
  }
  const auto metres = depthMetres(*mm);
  view->setScalar(static_cast<int>(mm->shape()[1]), static_cast<int>(mm->shape()[0]), metres.data(), title, "m");
}

}  // namespace

void RgbdPanel::showStep(const StepRecord& a, const StepRecord* b) {
  m_current = a;
  m_chart->setMarker(static_cast<double>(a.step));
  showCloud(m_cloud, a);
  showDepth(m_depth, a, b ? "A depth" : "depth");
  if (b) {
    showCloud(m_cloudB, *b);
    showDepth(m_second, *b, "B depth");
  } else if (const Array* rgb = a.findArray(rec::kRgb); rgb && rgb->ndim() == 3) {
    m_second->setRgb(static_cast<int>(rgb->shape()[1]), static_cast<int>(rgb->shape()[0]), rgb->data<std::uint8_t>(),
                     "colour");
  } else {
    m_second->clear("no colour");
  }
  const StepRecord& third = b ? *b : a;
  const QString who = b ? "B " : "";
  // A stereo pair is judged in disparity (its ground truth's unit); synthetic
  // sensors in depth error.
  if (const Array* d = third.findArray(rec::kDisparity); d && d->ndim() == 2) {
    m_third->setScalar(static_cast<int>(d->shape()[1]), static_cast<int>(d->shape()[0]), d->data<float>(),
                       who + "disparity", "px");
  } else if (const Array* err = third.findArray(rec::kAbsError); err && err->ndim() == 2) {
    // Clip the colour range at 10 cm so flying pixels don't wash out the rest.
    m_third->setScalar(static_cast<int>(err->shape()[1]), static_cast<int>(err->shape()[0]), err->data<float>(),
                       who + "|error| vs ground truth", "m", 0.0, 0.1);
  } else {
    m_third->clear("no ground truth");
  }
}

void RgbdPanel::rebuildChart() {
  m_chart->clear();
  m_chart->setLogAxes(false, true);
  m_chart->setTitles("Per-frame metrics (log scale)", "step", "value");
  m_chart->addSeriesPairs(m_series);  // in compare mode A and B share colours, B dashed
  if (shownStep()) m_chart->setMarker(static_cast<double>(*shownStep()));
}

void RgbdPanel::exportCloud(const QString& path) const {
  const Array* cloud = m_current.findArray(rec::kCloud);
  if (!cloud) throw std::runtime_error("no cloud is shown (this run recorded depth only)");
  writeRecordedCloud(path.toStdString(), *cloud, m_current.findArray(rec::kCloudRgb));
}

std::vector<PanelFigure> RgbdPanel::figures() {
  std::vector<PanelFigure> out;
  const QString step = QString::number(shownStep().value_or(0));
  if (m_cloud) out.push_back({"cloud", "Point cloud at step " + step, m_cloud});
  if (m_cloudB && runB()) out.push_back({"cloud-b", "Point cloud B at step " + step, m_cloudB});
  out.push_back({"depth", "Depth at step " + step, m_depth});
  out.push_back({"second", (runB() ? "Depth B" : "Colour") + QString(" at step ") + step, m_second});
  out.push_back({"error", "Error / disparity at step " + step, m_third});
  out.push_back({"metrics", "Per-frame metrics", m_chart});
  return out;
}

}  // namespace loupe
