#include "panels/precision/PrecisionPanel.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QSplitter>
#include <QStackedWidget>
#include <QTableWidget>
#include <QVBoxLayout>
#include <cmath>
#include <nlohmann/json.hpp>

#include "experiments/kinds/PrecisionRecords.h"
#include "panels/Controls.h"
#include "panels/MetricSeries.h"
#include "viewers/ChartView.h"
#include "viewers/TimelineScrubber.h"

namespace loupe {

namespace rec = loupe::precision_records;

namespace {

enum Column { Name, Elements, Overflow, Underflow, Subnormal, NotFinite, MaxError, MeanError, kColumns };

std::string tensorName(const StepRecord& r) {
  const std::string name = r.text(rec::kTensorName);
  return name.empty() ? "step " + std::to_string(r.step) : name;
}

// The metrics of a training run that end in `suffix`, by configuration.
SeriesMap bySuffix(const SeriesMap& all, const char* what, const QString& label) {
  const QString suffix = QString::fromStdString(rec::metricSuffix(what));
  SeriesMap out;
  for (const auto& [name, points] : all) {
    if (!name.endsWith(suffix) || name.contains(rec::kFinalMarker)) continue;
    out[name.left(name.size() - suffix.size()) + label] = points;
  }
  return out;
}

}  // namespace

PrecisionPanel::PrecisionPanel(QWidget* parent)
    : RunPanel(parent, "Run a precision.* recipe, or open one from the experiment browser.") {
  auto* layout = new QVBoxLayout(this);
  auto* controls = new QHBoxLayout();
  m_kind = choiceBox(this, {"precision.tensor_stats", "precision.train"}, "what to run");
  QStringList formats;
  for (const char* f : rec::kFormats) formats << f;
  m_format = choiceBox(this, formats, "format the table and histogram show");
  m_format->setObjectName("precisionFormat");
  auto* run = new QPushButton("Run", this);
  run->setObjectName("precisionRun");
  for (QWidget* w : std::initializer_list<QWidget*>{m_kind, run, new QLabel("format:", this), m_format})
    controls->addWidget(w);
  controls->addStretch(1);
  layout->addLayout(controls);
  layout->addWidget(headerLine());
  layout->addWidget(scrubber());

  m_pages = new QStackedWidget(this);
  auto* tensors = new QSplitter(Qt::Vertical, m_pages);
  m_table = new QTableWidget(0, kColumns, tensors);
  m_table->setHorizontalHeaderLabels({"tensor", "elements", "overflow %", "underflow %", "subnormal %", "NaN/inf",
                                      "max rel. error", "mean rel. error"});
  m_table->setSortingEnabled(true);
  m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
  m_table->setSelectionMode(QAbstractItemView::SingleSelection);
  m_table->horizontalHeader()->setStretchLastSection(true);
  m_table->verticalHeader()->setVisible(false);
  m_histogram = new ChartView(tensors);
  tensors->addWidget(m_table);
  tensors->addWidget(m_histogram);
  tensors->setSizes({250, 450});
  m_pages->addWidget(tensors);
  auto* training = new QSplitter(Qt::Vertical, m_pages);
  m_loss = new ChartView(training);
  auto* lower = new QSplitter(Qt::Horizontal, training);
  m_scale = new ChartView(lower);
  m_underflow = new ChartView(lower);
  lower->addWidget(m_scale);
  lower->addWidget(m_underflow);
  training->addWidget(m_loss);
  training->addWidget(lower);
  m_pages->addWidget(training);
  layout->addWidget(m_pages, 1);
  layout->addWidget(valuesLine());

  connect(run, &QPushButton::clicked, this, [this] { emit runRequested(recipeJson()); });
  connect(m_format, &QComboBox::currentTextChanged, this, [this] {
    fillTable();
    if (shownStep())
      for (const auto& t : m_tensors)
        if (t.step == *shownStep()) {
          showTensor(t);
          valuesLine()->setText(valuesText(t));
        }
  });
  // A row picked in the table (whatever its sorted position) is that tensor's step.
  connect(m_table, &QTableWidget::itemSelectionChanged, this, [this] {
    const auto rows = m_table->selectionModel()->selectedRows();
    if (rows.isEmpty()) return;
    const auto step = m_table->item(rows.front().row(), Name)->data(Qt::UserRole).toLongLong();
    for (std::size_t i = 0; i < steps().size(); ++i)
      if (steps()[i] == step && scrubber()->position() != static_cast<int>(i))
        scrubber()->setPosition(static_cast<int>(i));
  });
}

QString PrecisionPanel::recipeJson() const {
  const std::string kind = m_kind->currentText().toStdString();
  nlohmann::json params =
      kind == "precision.train" ? nlohmann::json{{"loss_weight", 1e-5}} : nlohmann::json{{"source", "lognormal"}};
  return QString::fromStdString(nlohmann::json{{"kind", kind}, {"name", kind.substr(10)}, {"params", params}}.dump());
}

bool PrecisionPanel::walksSteps(const RunInfo& info) const {
  return info.kind != "precision.train";
}

void PrecisionPanel::clearViews() {
  m_tensors.clear();
  m_table->setRowCount(0);
  for (ChartView* chart : {m_histogram, m_loss, m_scale, m_underflow}) chart->clear();
}

void PrecisionPanel::runOpened(const RunInfo& info) {
  m_training = info.kind == "precision.train";
  m_pages->setCurrentIndex(m_training ? 1 : 0);
  if (m_training) {
    showTraining(*store(), run(), 0);
    return;
  }
  for (std::int64_t s : steps()) m_tensors.push_back(store()->readStep(run(), s));
  fillTable();
}

void PrecisionPanel::runCompared(const RunInfo& b) {
  if (m_training) showTraining(*store(), run(), b.id);
}

void PrecisionPanel::liveBegan(const RunInfo& run) {
  m_training = run.kind == "precision.train";
  m_pages->setCurrentIndex(m_training ? 1 : 0);
}

void PrecisionPanel::liveStep(const StepRecord& record) {
  if (!m_training) m_tensors.push_back(record);
}

void PrecisionPanel::liveFinished(RunStatus) {
  if (!m_training) fillTable();
}

void PrecisionPanel::showStep(const StepRecord& r, const StepRecord*) {
  if (!m_training) showTensor(r);
}

QString PrecisionPanel::valuesText(const StepRecord& r) const {
  if (m_training) return RunPanel::valuesText(r);
  const std::string f = m_format->currentText().toStdString();
  QStringList shown;
  for (auto nameOf :
       {rec::overflowFracOf, rec::underflowFracOf, rec::subnormalFracOf, rec::maxRelErrorOf, rec::meanRelErrorOf}) {
    const std::string key = nameOf(f);
    shown << QString("%1 = %2").arg(QString::fromStdString(key)).arg(r.metricOr(key), 0, 'g', 4);
  }
  return QString("<b>%1</b> (%2 values): ")
             .arg(QString::fromStdString(tensorName(r)).toHtmlEscaped())
             .arg(r.metricOr(rec::kElements)) +
         shown.join(", ");
}

void PrecisionPanel::fillTable() {
  const std::string f = m_format->currentText().toStdString();
  m_table->setSortingEnabled(false);
  m_table->setRowCount(static_cast<int>(m_tensors.size()));
  for (int row = 0; row < static_cast<int>(m_tensors.size()); ++row) {
    const StepRecord& r = m_tensors[static_cast<std::size_t>(row)];
    auto* name = textCell(QString::fromStdString(tensorName(r)));
    name->setData(Qt::UserRole, QVariant::fromValue<qlonglong>(r.step));
    m_table->setItem(row, Name, name);
    m_table->setItem(row, Elements, numberCell(r.metricOr(rec::kElements), 12));
    m_table->setItem(row, Overflow, numberCell(100 * r.metricOr(rec::overflowFracOf(f))));
    m_table->setItem(row, Underflow, numberCell(100 * r.metricOr(rec::underflowFracOf(f))));
    m_table->setItem(row, Subnormal, numberCell(100 * r.metricOr(rec::subnormalFracOf(f))));
    m_table->setItem(row, NotFinite, numberCell(r.metricOr(rec::kNan) + r.metricOr(rec::kInf), 12));
    m_table->setItem(row, MaxError, numberCell(r.metricOr(rec::maxRelErrorOf(f))));
    m_table->setItem(row, MeanError, numberCell(r.metricOr(rec::meanRelErrorOf(f))));
  }
  m_table->setSortingEnabled(true);
  m_table->resizeColumnsToContents();
}

void PrecisionPanel::showTensor(const StepRecord& r) {
  const std::string f = m_format->currentText().toStdString();
  m_histogram->clear();
  m_histogram->setLogAxes(false, false);
  m_histogram->setTitles(QString("“%1”: log2|x| of its values, %2's ranges shaded")
                             .arg(QString::fromStdString(tensorName(r)).toHtmlEscaped(), m_format->currentText()),
                         "log2 |x| (binary exponent)", "values");
  const Array* h = r.findArray(rec::kExponentHistogram);
  if (!h || h->numel() == 0) return;
  // Bins k ↔ exponent kMinExponent + k; drawn over the occupied bins and the format's range.
  const auto* counts = h->data<std::int64_t>();
  const double lo = r.metricOr(rec::log2MinSubnormalOf(f)), hi = r.metricOr(rec::log2MaxOf(f));
  int first = static_cast<int>(h->numel()), last = -1;
  for (int k = 0; k < h->numel(); ++k)
    if (counts[k]) first = std::min(first, k), last = std::max(last, k);
  first = std::min(first, static_cast<int>(lo) - rec::kMinExponent - 4);
  last = std::max(last, static_cast<int>(std::ceil(hi)) - rec::kMinExponent + 4);
  first = std::max(first, 0), last = std::min(last, static_cast<int>(h->numel()) - 1);
  std::vector<double> edges, values;
  for (int k = first; k <= last; ++k) {
    edges.push_back(rec::kMinExponent + k);
    values.push_back(static_cast<double>(counts[k]));
  }
  edges.push_back(rec::kMinExponent + last + 1);
  m_histogram->setHistogram("values per binary exponent", edges, values);
  // The band edges as the run recorded them (the kind works out which bins
  // round to 0 and which overflow).
  const double minNormal = r.metricOr(rec::log2MinNormalOf(f));
  const double* underflowEdge = r.findMetric(rec::underflowEdgeOf(f));
  const double* overflowEdge = r.findMetric(rec::overflowEdgeOf(f));
  if (!underflowEdge || !overflowEdge) return;  // a run from before the kind recorded them
  const double bottom = *underflowEdge, top = *overflowEdge;
  m_histogram->addBand(edges.front(), bottom, "underflows to 0", QColor(214, 39, 40, 45));
  m_histogram->addBand(bottom, minNormal, "subnormal", QColor(255, 160, 0, 70));
  m_histogram->addBand(minNormal, top, "normal", QColor(44, 160, 44, 45));
  m_histogram->addBand(top, edges.back(), "overflows", QColor(214, 39, 40, 45));
}

void PrecisionPanel::showTraining(Store& store, std::int64_t run, std::int64_t runB) {
  SeriesMap all = loadMetricSeries(store, run);
  if (runB) all = pairSeries(std::move(all), loadMetricSeries(store, runB));
  m_loss->clear();
  m_loss->setLogAxes(false, true);
  m_loss->setTitles("Training loss per configuration (batch, log scale)", "step", "cross-entropy");
  m_loss->addSeriesPairs(bySuffix(all, rec::kLoss, " loss"));
  m_scale->clear();
  m_scale->setLogAxes(false, true);
  m_scale->setTitles("Loss scale (GradScaler), skipped steps marked", "step", "scale");
  SeriesMap scales;
  for (const auto& [name, points] : bySuffix(all, rec::kLossScale, " loss scale"))
    if (name.contains(rec::kScaledSuffix)) scales[name] = points;
  m_scale->addSeriesPairs(scales);
  // A skipped step: the running count of skipped steps went up.
  for (const auto& [name, points] : bySuffix(all, rec::kSkippedSteps, ""))
    for (std::size_t i = 1; i < points.size(); ++i)
      if (points[i].y() > points[i - 1].y()) m_scale->addReferenceLine(points[i].x(), name + " skipped");
  m_underflow->clear();
  m_underflow->setTitles("Weight gradients lost to underflow (fraction of the non-zero ones)", "step", "fraction");
  m_underflow->addSeriesPairs(bySuffix(all, rec::kGradientUnderflowFrac, " lost"));
  QStringList finals;
  for (const auto& [name, points] : all)
    if (name.endsWith(QString::fromStdString(rec::metricSuffix(rec::kFinalTrainLoss))) && !points.empty())
      finals << QString("%1 = %2").arg(name).arg(points.back().y(), 0, 'g', 5);
  valuesLine()->setText("<b>final</b>: " + finals.join(", "));
}

std::vector<PanelFigure> PrecisionPanel::figures() {
  if (m_training)
    return {{"loss", "Training loss per configuration", m_loss},
            {"loss-scale", "Loss scale with skipped steps", m_scale},
            {"gradient-underflow", "Weight gradients lost to underflow", m_underflow}};
  return {{"exponent-histogram", "Exponent histogram with the format's ranges", m_histogram},
          {"tensor-table", "Tensors by overflow and underflow", m_table}};
}

}  // namespace loupe
