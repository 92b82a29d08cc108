#include "panels/scaling/ScalingPanel.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QSplitter>
#include <QStackedWidget>
#include <QTableWidget>
#include <QVBoxLayout>
#include <nlohmann/json.hpp>
#include <sstream>

#include "experiments/kinds/ScalingRecords.h"
#include "panels/Controls.h"
#include "panels/MetricSeries.h"
#include "viewers/ChartView.h"
#include "viewers/TimelineScrubber.h"

namespace loupe {

namespace rec = loupe::scaling_records;

namespace {

std::vector<QString> lines(const std::string& text) {
  std::vector<QString> out;
  std::stringstream s(text);
  for (std::string l; std::getline(s, l, rec::kLineEnd);) out.push_back(QString::fromStdString(l));
  return out;
}

QString shape(const std::vector<std::int64_t>& s, std::size_t at) {
  return QString("%1×%2×%3").arg(s[at]).arg(s[at + 1]).arg(s[at + 2]);
}

QString networkName(const StepRecord& r) {
  return QString::fromStdString(r.text(rec::kNetwork));
}

// Colour per kernel kind; ours filled, OpenCV's drawn in the lighter tone.
QColor kindColour(const std::string& kind, bool ours) {
  const QColor base = kind == rec::kConvStandard    ? QColor(31, 119, 180)
                      : kind == rec::kConvDepthwise ? QColor(214, 39, 40)
                                                    : QColor(44, 160, 44);
  return ours ? base : base.lighter(150);
}

enum LayerColumn {
  LName,
  LStage,
  LType,
  LDetail,
  LIn,
  LOut,
  LParams,
  LMacs,
  LMacShare,
  LActivations,
  LIntensity,
  kLayerColumns
};
enum KernelColumn { KKernel, KImpl, KMs, KGflops, KGbs, KIntensity, KRoof, KBound, KError, kKernelColumns };

}  // namespace

ScalingPanel::ScalingPanel(QWidget* parent)
    : RunPanel(parent, "Run a scaling.* recipe, or open one from the experiment browser.") {
  auto* layout = new QVBoxLayout(this);
  auto* controls = new QHBoxLayout();
  m_kind = choiceBox(this, {"scaling.compound", "scaling.roofline"}, "what to run");
  auto* run = new QPushButton("Run", this);
  run->setObjectName("scalingRun");
  m_network = choiceBox(this, {}, "the network whose layers the table shows");
  m_network->setObjectName("scalingNetwork");
  m_network->setMinimumContentsLength(22);
  m_compareWith = choiceBox(this, {}, "a second network to compare with the first");
  m_compareWith->setObjectName("scalingCompareWith");
  m_compareWith->setMinimumContentsLength(22);
  for (QWidget* w : std::initializer_list<QWidget*>{m_kind, run, new QLabel("network:", this), m_network,
                                                    new QLabel("compare with:", this), m_compareWith})
    controls->addWidget(w);
  controls->addStretch(1);
  layout->addLayout(controls);
  m_kind->setObjectName("kind");
  layout->addWidget(headerLine());
  layout->addWidget(scrubber());

  m_pages = new QStackedWidget(this);
  auto* compound = new QSplitter(Qt::Vertical, m_pages);
  auto* upper = new QSplitter(Qt::Horizontal, compound);
  m_curves = new ChartView(upper);
  m_accuracy = new ChartView(upper);
  upper->addWidget(m_curves);
  upper->addWidget(m_accuracy);
  auto* lower = new QSplitter(Qt::Horizontal, compound);
  m_layers = new QTableWidget(0, kLayerColumns, lower);
  m_layers->setHorizontalHeaderLabels(
      {"layer", "stage", "type", "detail", "input", "output", "params", "MACs", "MACs %", "activations", "FLOP/B"});
  m_cumulative = new ChartView(lower);
  lower->addWidget(m_layers);
  lower->addWidget(m_cumulative);
  lower->setSizes({700, 500});
  compound->addWidget(upper);
  compound->addWidget(lower);
  m_pages->addWidget(compound);

  auto* roofline = new QSplitter(Qt::Vertical, m_pages);
  m_roofline = new ChartView(roofline);
  m_kernels = new QTableWidget(0, kKernelColumns, roofline);
  m_kernels->setHorizontalHeaderLabels(
      {"kernel", "impl", "ms", "GFLOP/s", "GB/s", "FLOP/B", "% of roof", "bound", "max |error|"});
  roofline->addWidget(m_roofline);
  roofline->addWidget(m_kernels);
  roofline->setSizes({520, 300});
  m_pages->addWidget(roofline);
  for (QTableWidget* t : {m_layers, m_kernels}) {
    t->setSortingEnabled(true);
    t->setSelectionBehavior(QAbstractItemView::SelectRows);
    t->setSelectionMode(QAbstractItemView::SingleSelection);
    t->horizontalHeader()->setStretchLastSection(true);
    t->verticalHeader()->setVisible(false);
  }
  layout->addWidget(m_pages, 1);
  layout->addWidget(valuesLine());

  connect(run, &QPushButton::clicked, this, [this] { emit runRequested(recipeJson()); });
  connect(m_network, &QComboBox::currentIndexChanged, this, [this](int i) {
    if (i < 0) return;
    if (store() && i < static_cast<int>(steps().size()))
      scrubber()->setPosition(i);  // replay: the scrubber follows and shows it
    else
      showRecordAt(i);
  });
  connect(m_compareWith, &QComboBox::currentIndexChanged, this, [this] { showComparison(); });
}

QString ScalingPanel::recipeJson() const {
  const std::string kind = m_kind->currentText().toStdString();
  nlohmann::json params = kind == "scaling.roofline" ? nlohmann::json{{"sweep", "quick"}}
                                                     : nlohmann::json{{"networks", "efficientnet,compound,thundernet"}};
  return QString::fromStdString(nlohmann::json{{"kind", kind}, {"name", kind.substr(8)}, {"params", params}}.dump());
}

bool ScalingPanel::isRoofline() const {
  return m_kindName == "scaling.roofline";
}

void ScalingPanel::clearViews() {
  m_records.clear();
  m_recordsB.clear();
  m_summary.clear();
  showAll();
}

void ScalingPanel::runOpened(const RunInfo& info) {
  m_kindName = info.kind;
  for (std::int64_t s : store()->stepNumbers(run())) m_records.push_back(store()->readStep(run(), s));
  showAll();
}

void ScalingPanel::runCompared(const RunInfo& b) {
  for (std::int64_t s : store()->stepNumbers(b.id)) m_recordsB.push_back(store()->readStep(b.id, s));
  showAll();
}

void ScalingPanel::liveBegan(const RunInfo& run) {
  m_kindName = run.kind;
  showAll();
}

void ScalingPanel::liveStep(const StepRecord& record) {
  m_records.push_back(record);
  showAll();  // a few dozen records at most: each network, or each kernel, as it comes
}

void ScalingPanel::showStep(const StepRecord& a, const StepRecord*) {
  for (std::size_t i = 0; i < m_records.size(); ++i)
    if (m_records[i].step == a.step) showRecordAt(static_cast<int>(i));
}

void ScalingPanel::showAll() {
  if (m_kind->findText(QString::fromStdString(m_kindName)) >= 0)
    m_kind->setCurrentText(QString::fromStdString(m_kindName));
  m_pages->setCurrentIndex(isRoofline() ? 1 : 0);
  m_network->setEnabled(!isRoofline());
  m_compareWith->setEnabled(!isRoofline());
  if (isRoofline()) {
    showRoofline();
    return;
  }
  const QSignalBlocker b1(m_network), b2(m_compareWith);
  m_network->clear();
  m_compareWith->clear();
  m_compareWith->addItem("(none)");
  for (const auto& r : m_records) {
    m_network->addItem(networkName(r));
    m_compareWith->addItem(networkName(r));
  }
  for (const auto& r : m_recordsB) m_compareWith->addItem("B: " + networkName(r));
  showCompound();
  if (!m_records.empty()) showRecordAt(0);
}

// One network's layers (or, for a roofline, one kernel's row selected).
void ScalingPanel::showRecordAt(int index) {
  if (index < 0 || index >= static_cast<int>(m_records.size())) return;
  if (isRoofline()) {
    // The kernel's row (step i ↔ its record), selected in the table.
    const std::int64_t step = m_records[static_cast<std::size_t>(index)].step;
    for (int row = 0; row < m_kernels->rowCount(); ++row)
      if (m_kernels->item(row, KKernel)->data(Qt::UserRole).toLongLong() == step) m_kernels->selectRow(row);
    return;
  }
  if (m_network->currentIndex() != index) {
    const QSignalBlocker block(m_network);
    m_network->setCurrentIndex(index);
  }
  fillLayers(m_records[static_cast<std::size_t>(index)]);
  showComparison();
}

void ScalingPanel::showCompound() {
  // Curves against φ: the compound rule as lines, B0–B7 (φ = variant) and the paper as points.
  m_curves->clear();
  m_curves->setLogAxes(false, true);
  m_curves->setTitles("Parameters (M) and FLOPs (B multiply-adds) against φ", "φ", "millions / billions (log)");
  m_accuracy->clear();
  m_accuracy->setLogAxes(true, false);
  m_accuracy->setTitles("ImageNet top-1 (paper's Table 2) against FLOPs", "B multiply-adds (log)", "top-1 %");
  auto add = [&](const std::vector<StepRecord>& records, const QString& prefix, Qt::PenStyle style) {
    std::vector<QPointF> ruleParams, ruleFlops, params, flops, paperParams, paperFlops, top1, paperTop1;
    for (const auto& r : records) {
      const std::string family = r.text(rec::kFamily);
      const double phi = r.metricOr(rec::kPhi), p = r.metricOr(rec::kParams) / 1e6, f = r.metricOr(rec::kMacs) / 1e9;
      if (family == rec::kFamilyCompound) ruleParams.emplace_back(phi, p), ruleFlops.emplace_back(phi, f);
      if (family != rec::kFamilyEfficientNet) continue;
      params.emplace_back(phi, p), flops.emplace_back(phi, f);
      paperParams.emplace_back(phi, r.metricOr(rec::kPaperParamsM));
      paperFlops.emplace_back(phi, r.metricOr(rec::kPaperFlopsB));
      top1.emplace_back(f, r.metricOr(rec::kPaperTop1));
      paperTop1.emplace_back(r.metricOr(rec::kPaperFlopsB), r.metricOr(rec::kPaperTop1));
    }
    if (!ruleParams.empty()) {
      m_curves->addLine(prefix + "compound rule: params (M)", ruleParams, QColor(31, 119, 180), style);
      m_curves->addLine(prefix + "compound rule: FLOPs (B)", ruleFlops, QColor(255, 127, 14), style);
    }
    if (!params.empty()) {
      m_curves->addScatter(prefix + "B0–B7 as released: params (M)", params);
      m_curves->addScatter(prefix + "B0–B7 as released: FLOPs (B)", flops);
      m_curves->addScatter(prefix + "paper: params (M)", paperParams);
      m_curves->addScatter(prefix + "paper: FLOPs (B)", paperFlops);
      m_accuracy->addLine(prefix + "B0–B7 at our FLOPs", top1, QColor(44, 160, 44), style);
      m_accuracy->addScatter(prefix + "B0–B7 at the paper's FLOPs", paperTop1);
    }
  };
  add(m_records, m_recordsB.empty() ? "" : "A ", Qt::SolidLine);
  if (!m_recordsB.empty()) add(m_recordsB, "B ", Qt::DashLine);
}

void ScalingPanel::fillLayers(const StepRecord& r) {
  const auto names = lines(r.text(rec::kLayerNames)), types = lines(r.text(rec::kLayerTypes));
  const auto details = lines(r.text(rec::kLayerDetails)), stages = lines(r.text(rec::kLayerStages));
  const auto params = r.values<std::int64_t>(rec::kLayerParams), macs = r.values<std::int64_t>(rec::kLayerMacs);
  const auto activations = r.values<std::int64_t>(rec::kLayerActivations);
  const auto intensity = r.values<double>(rec::kLayerIntensity);
  const auto shapes = r.values<std::int64_t>(rec::kLayerShapes);
  const double totalMacs = std::max(1.0, r.metricOr(rec::kMacs));
  m_layers->setSortingEnabled(false);
  m_layers->clearContents();
  // Rows: as many layers as every per-layer array has (an odd record shows what it can).
  const std::size_t n = std::min({names.size(), params.size(), macs.size(), activations.size(), intensity.size(),
                                  shapes.size() / rec::kShapeValues});
  const int rows = static_cast<int>(n);
  m_layers->setRowCount(rows);
  for (int i = 0; i < rows; ++i) {
    const auto k = static_cast<std::size_t>(i);
    auto* name = textCell(names[k]);
    name->setData(Qt::UserRole, i);
    m_layers->setItem(i, LName, name);
    m_layers->setItem(i, LStage, textCell(k < stages.size() ? stages[k] : QString()));
    m_layers->setItem(i, LType, textCell(k < types.size() ? types[k] : QString()));
    m_layers->setItem(i, LDetail, textCell(k < details.size() ? details[k] : QString()));
    m_layers->setItem(i, LIn, textCell(shape(shapes, rec::kShapeValues * k + rec::kInputShape)));
    m_layers->setItem(i, LOut, textCell(shape(shapes, rec::kShapeValues * k + rec::kOutputShape)));
    m_layers->setItem(i, LParams, numberCell(static_cast<double>(params[k]), 12));
    m_layers->setItem(i, LMacs, numberCell(static_cast<double>(macs[k]), 12));
    m_layers->setItem(i, LMacShare, numberCell(100.0 * static_cast<double>(macs[k]) / totalMacs, 3));
    m_layers->setItem(i, LActivations, numberCell(static_cast<double>(activations[k]), 12));
    m_layers->setItem(i, LIntensity, numberCell(intensity[k], 3));
  }
  m_layers->setSortingEnabled(true);
  m_layers->resizeColumnsToContents();
}

void ScalingPanel::showComparison() {
  const int a = m_network->currentIndex();
  if (isRoofline() || a < 0 || a >= static_cast<int>(m_records.size())) return;
  std::vector<const StepRecord*> shown{&m_records[static_cast<std::size_t>(a)]};
  const int b = m_compareWith->currentIndex() - 1;  // 0 is "(none)"
  if (b >= 0 && b < static_cast<int>(m_records.size() + m_recordsB.size()))
    shown.push_back(b < static_cast<int>(m_records.size())
                        ? &m_records[static_cast<std::size_t>(b)]
                        : &m_recordsB[static_cast<std::size_t>(b) - m_records.size()]);
  m_cumulative->clear();
  m_cumulative->setTitles("Cumulative multiply-adds along the network", "fraction of layers", "B multiply-adds so far");
  QStringList text;
  const QColor colours[] = {QColor(31, 119, 180), QColor(214, 39, 40)};
  for (std::size_t n = 0; n < shown.size(); ++n) {
    const StepRecord& r = *shown[n];
    const auto macs = r.values<std::int64_t>(rec::kLayerMacs);
    std::vector<QPointF> points{{0, 0}};
    double sum = 0;
    for (std::size_t i = 0; i < macs.size(); ++i) {
      sum += static_cast<double>(macs[i]);
      points.emplace_back(static_cast<double>(i + 1) / static_cast<double>(macs.size()), sum / 1e9);
    }
    const QString label = (n == 1 && m_compareWith->currentText().startsWith("B: ") ? "B: " : "") + networkName(r);
    m_cumulative->addLine(label, points, colours[n], n ? Qt::DashLine : Qt::SolidLine);
    text << QString("<b>%1</b>: %2 M params, %3 B multiply-adds, %4 M activations, %5 layers at %6×%6")
                .arg(label.toHtmlEscaped())
                .arg(r.metricOr(rec::kParams) / 1e6, 0, 'f', 2)
                .arg(r.metricOr(rec::kMacs) / 1e9, 0, 'f', 3)
                .arg(r.metricOr(rec::kActivations) / 1e6, 0, 'f', 2)
                .arg(r.metricOr(rec::kLayers))
                .arg(r.metricOr(rec::kResolution));
    if (r.findMetric(rec::kPaperParamsM))
      text.back() += QString(" (paper: %1 M, %2 B, top-1 %3 %)")
                         .arg(r.metricOr(rec::kPaperParamsM))
                         .arg(r.metricOr(rec::kPaperFlopsB))
                         .arg(r.metricOr(rec::kPaperTop1));
  }
  m_summary = text.join("<br>");
  valuesLine()->setText(m_summary);
}

void ScalingPanel::showRoofline() {
  m_roofline->clear();
  m_roofline->setLogAxes(true, true);
  m_roofline->setTitles("Roofline of this machine, measured: kernels ours (dark) and OpenCV DNN's (light)",
                        "arithmetic intensity (FLOP per byte, log)", "GFLOP/s (log)");
  m_kernels->setSortingEnabled(false);
  m_kernels->clearContents();
  m_kernels->setRowCount(0);
  QStringList machines;
  auto add = [&](const std::vector<StepRecord>& records, const QString& prefix, Qt::PenStyle style) {
    if (records.empty()) return;
    const StepRecord& m = records.front();
    const auto roofI = m.values<double>(rec::kRoofIntensity), roofG = m.values<double>(rec::kRoofGflops);
    std::vector<QPointF> roof, sgemm;
    for (std::size_t i = 0; i < roofI.size() && i < roofG.size(); ++i) {
      roof.emplace_back(roofI[i], roofG[i]);
      sgemm.emplace_back(roofI[i], m.metricOr(rec::kSgemmGflops));
    }
    m_roofline->addLine(prefix + "roof: compute peak, triad bandwidth", roof, QColor(40, 40, 40), style);
    m_roofline->addLine(prefix + "OpenBLAS SGEMM ceiling", sgemm, QColor(148, 103, 189), style);
    if (prefix.isEmpty()) m_roofline->addReferenceLine(m.metricOr(rec::kRidge), "ridge", QColor(120, 120, 120));
    machines << QString(
                    "%1peak %2 GFLOP/s (FMA loop %9, %3, %4 threads), SGEMM %5 GFLOP/s, triad %6 GB/s, copy %7 "
                    "GB/s, ridge %8 FLOP/B")
                    .arg(prefix)
                    .arg(m.metricOr(rec::kPeakGflops), 0, 'f', 1)
                    .arg(QString::fromStdString(m.text(rec::kIsa)))
                    .arg(m.metricOr(rec::kThreads))
                    .arg(m.metricOr(rec::kSgemmGflops), 0, 'f', 1)
                    .arg(m.metricOr(rec::kTriadGbs), 0, 'f', 1)
                    .arg(m.metricOr(rec::kCopyGbs), 0, 'f', 1)
                    .arg(m.metricOr(rec::kRidge), 0, 'f', 2)
                    .arg(m.metricOr(rec::kFmaGflops), 0, 'f', 1);
    std::map<QString, std::pair<QColor, std::vector<QPointF>>> points;
    for (std::size_t i = 1; i < records.size(); ++i) {
      const StepRecord& k = records[i];
      const QString series =
          prefix + QString::fromStdString(k.text(rec::kConvKind)) + " · " + QString::fromStdString(k.text(rec::kImpl));
      auto& [colour, pts] = points[series];
      colour = kindColour(k.text(rec::kConvKind), k.text(rec::kImpl) == rec::kImplLoupe);
      pts.emplace_back(k.metricOr(rec::kIntensity), k.metricOr(rec::kGflops));
      const int row = m_kernels->rowCount();
      m_kernels->insertRow(row);
      auto* label = textCell(prefix + QString::fromStdString(k.text(rec::kKernel)));
      label->setData(Qt::UserRole, QVariant::fromValue<qlonglong>(prefix.isEmpty() ? k.step : -1));
      m_kernels->setItem(row, KKernel, label);
      m_kernels->setItem(row, KImpl, textCell(QString::fromStdString(k.text(rec::kImpl))));
      m_kernels->setItem(row, KMs, numberCell(k.metricOr(rec::kSeconds) * 1e3));
      m_kernels->setItem(row, KGflops, numberCell(k.metricOr(rec::kGflops)));
      m_kernels->setItem(row, KGbs, numberCell(k.metricOr(rec::kGbs)));
      m_kernels->setItem(row, KIntensity, numberCell(k.metricOr(rec::kIntensity)));
      m_kernels->setItem(row, KRoof, numberCell(100 * k.metricOr(rec::kRoofFraction), 3));
      m_kernels->setItem(row, KBound, textCell(k.metricOr(rec::kMemoryBound) ? "memory" : "compute"));
      m_kernels->setItem(
          row, KError,
          k.findMetric(rec::kMaxAbsError) ? numberCell(k.metricOr(rec::kMaxAbsError), 2) : textCell("not checked"));
    }
    for (const auto& [name, series] : points) m_roofline->addScatter(name, series.second, series.first);
  };
  add(m_records, "", Qt::SolidLine);
  add(m_recordsB, "B ", Qt::DashLine);
  m_kernels->setSortingEnabled(true);
  m_kernels->resizeColumnsToContents();
  m_summary = machines.join("<br>");
  valuesLine()->setText(m_summary);
}

std::vector<PanelFigure> ScalingPanel::figures() {
  if (isRoofline())
    return {{"roofline", "Measured roofline with the convolution kernels", m_roofline},
            {"kernel-table", "Convolution kernels: time, throughput, intensity", m_kernels}};
  return {{"scaling-curves", "Parameters and FLOPs against φ", m_curves},
          {"accuracy-flops", "Top-1 against FLOPs", m_accuracy},
          {"layer-table", "Per-layer costs", m_layers},
          {"cumulative-macs", "Cumulative multiply-adds of two networks", m_cumulative}};
}

}  // namespace loupe
