#include "panels/ssm/SsmPanel.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QSplitter>
#include <QTabWidget>
#include <QVBoxLayout>
#include <cmath>
#include <nlohmann/json.hpp>
#include <numbers>

#include "experiments/kinds/SsmRecords.h"
#include "panels/Controls.h"
#include "panels/MetricSeries.h"
#include "panels/SchemaControls.h"
#include "panels/ssm/ModelStatesView.h"
#include "viewers/ChartView.h"
#include "viewers/ImageView.h"
#include "viewers/TimelineScrubber.h"
#include "viewers/VtkView.h"

namespace loupe {

namespace rec = loupe::ssm_records;

namespace {

const float* values(const Array& a) {
  return a.data<float>();
}

// y against the index (times `xScale`), non-finite values left out (a
// diverging discretisation records inf).
std::vector<QPointF> curve(const Array& a, double xScale = 1.0, double xOffset = 0.0) {
  std::vector<QPointF> points;
  points.reserve(static_cast<std::size_t>(a.numel()));
  for (std::int64_t i = 0; i < a.numel(); ++i)
    if (std::isfinite(values(a)[i])) points.emplace_back(xOffset + i * xScale, values(a)[i]);
  return points;
}

// A 2 × n array of complex values (real row, imaginary row) as points.
std::vector<QPointF> plane(const Array& a) {
  std::vector<QPointF> points;
  if (a.ndim() != 2 || a.shape()[0] != 2) return points;
  const std::int64_t n = a.shape()[1];
  for (std::int64_t i = 0; i < n; ++i) points.emplace_back(values(a)[i], values(a)[n + i]);
  return points;
}

}  // namespace

SsmPanel::SsmPanel(QWidget* parent, const KindRegistry& kinds)
    : RunPanel(parent, "Run an ssm.* recipe, or open one from the experiment browser."), m_kinds(kinds) {
  auto* layout = new QVBoxLayout(this);
  auto* controls = new QHBoxLayout();
  m_kind = choiceBox(this, {"ssm.hippo", "ssm.s4_kernel", "ssm.selective_scan", "ssm.model_states"}, "what to run");
  m_kind->setObjectName("kind");
  m_model = schemaChoice(this, paramSpec(kinds, "ssm.s4_kernel", "model"));
  m_measure = schemaChoice(this, paramSpec(kinds, "ssm.hippo", "measure"));
  m_method = schemaChoice(this, paramSpec(kinds, "ssm.hippo", "method"));
  m_signal = schemaChoice(this, paramSpec(kinds, "ssm.hippo", "signal"));
  m_state = schemaSpin(this, paramSpec(kinds, "ssm.hippo", "state"), "N ");
  m_length = schemaSpin(this, paramSpec(kinds, "ssm.hippo", "length"), "L ");
  m_prompt = new QLineEdit(this);
  m_prompt->setObjectName("ssmPrompt");
  const ParamSpec& prompt = paramSpec(kinds, "ssm.model_states", "prompt");
  m_prompt->setText(QString::fromStdString(prompt.defaultValue.get<std::string>()));
  m_prompt->setToolTip(QString::fromStdString(prompt.doc));
  m_prompt->setMinimumWidth(300);
  m_comparePrompt = new QLineEdit(this);
  m_comparePrompt->setObjectName("ssmComparePrompt");
  m_comparePrompt->setPlaceholderText("compare with: its shuffled words, or type a second prompt");
  m_comparePrompt->setMinimumWidth(260);
  auto* run = new QPushButton("Run", this);
  run->setObjectName("ssmRun");
  for (QWidget* w : std::initializer_list<QWidget*>{m_kind, m_model, m_measure, m_method, m_signal, m_state, m_length,
                                                    m_prompt, m_comparePrompt, run})
    controls->addWidget(w);
  controls->addStretch(1);
  layout->addLayout(controls);
  layout->addWidget(headerLine());
  layout->addWidget(scrubber());

  m_tabs = new QTabWidget(this);
  auto* evolution = new QSplitter(Qt::Horizontal, m_tabs);
  m_heatmap = new ImageView(evolution);
  evolution->addWidget(m_heatmap);
  evolution->addWidget(
      glViewOrPlaceholder(evolution, "The 3-D surface", [this](QWidget* p) { return m_surface = new VtkView(p); }));
  evolution->setSizes({500, 500});
  m_tabs->addTab(evolution, "State evolution");
  // The chart tabs: two charts each, side by side or stacked.
  auto chartPair = [this](const QString& tab, Qt::Orientation orientation, ChartView*& first, ChartView*& second) {
    auto* split = new QSplitter(orientation, m_tabs);
    first = new ChartView(split);
    second = new ChartView(split);
    split->addWidget(first);
    split->addWidget(second);
    m_tabs->addTab(split, tab);
  };
  chartPair("Reconstruction", Qt::Horizontal, m_reconstruction, m_errorVsN);
  chartPair("Eigenvalues", Qt::Horizontal, m_eigenContinuous, m_eigen);
  chartPair("Kernel / scan", Qt::Vertical, m_kernel, m_outputs);
  m_states = new ModelStatesView(m_tabs);
  m_tabs->addTab(m_states, "Model states");
  layout->addWidget(m_tabs, 1);
  layout->addWidget(valuesLine());

  connect(run, &QPushButton::clicked, this, [this] { emit runRequested(recipeJson()); });
  connect(m_kind, &QComboBox::currentTextChanged, this, [this] { followKind(); });
  connect(m_states, &ModelStatesView::channelChanged, this, [this] { showChannelState(); });
  connect(m_states, &ModelStatesView::tokenClicked, this, [this](int sequence, int position) {
    // A sequence's tokens are the steps just before its closing step.
    if (sequence < 0 || sequence >= static_cast<int>(m_sequenceSteps.size())) return;
    const auto [tokens, closing] = m_sequenceSteps[static_cast<std::size_t>(sequence)];
    const auto at = std::find(steps().begin(), steps().end(), closing - tokens + position);
    if (position < tokens && at != steps().end()) showPosition(static_cast<int>(at - steps().begin()));
  });
  followKind();
}

void SsmPanel::followKind() {
  const std::string kind = m_kind->currentText().toStdString();
  const bool text = kind == "ssm.model_states";
  // A text through a model takes a prompt; the others a state size and length.
  for (QWidget* w : std::initializer_list<QWidget*>{m_model, m_measure, m_method, m_signal, m_state, m_length})
    w->setVisible(!text);
  m_prompt->setVisible(text);
  m_comparePrompt->setVisible(text);
  if (text) return;
  applySpec(m_state, paramSpec(m_kinds, kind, "state"));
  applySpec(m_length, paramSpec(m_kinds, kind, "length"));
}

QString SsmPanel::recipeJson() const {
  const std::string kind = m_kind->currentText().toStdString();
  nlohmann::json params;
  if (kind == "ssm.hippo") {
    params = {{"measure", m_measure->currentText().toStdString()},
              {"method", m_method->currentText().toStdString()},
              {"signal", m_signal->currentText().toStdString()},
              {"state", m_state->value()},
              {"length", m_length->value()}};
  } else if (kind == "ssm.s4_kernel") {
    params = {{"model", m_model->currentText().toStdString()},
              {"measure", m_measure->currentText().toStdString()},
              {"method", m_method->currentText().toStdString()},
              {"state", m_state->value()},
              {"length", m_length->value()}};
  } else if (kind == "ssm.model_states") {
    nlohmann::json p = {{"prompt", m_prompt->text().toStdString()}, {"compare", "shuffled"}};
    if (!m_comparePrompt->text().trimmed().isEmpty()) {
      p["compare"] = "prompt";
      p["compare_prompt"] = m_comparePrompt->text().toStdString();
    }
    return QString::fromStdString(nlohmann::json{
        {"kind", kind},
        {"name", "model states: " + m_prompt->text().left(32).toStdString()},
        {"params", p}}.dump());
  } else {
    params = {{"state", m_state->value()}, {"length", m_length->value()}};
  }
  return QString::fromStdString(nlohmann::json{
      {"kind", kind},
      {"name", kind.substr(4) + " N=" + std::to_string(m_state->value())},
      {"params", params}}.dump());
}

QString SsmPanel::runHeaderText(const RunInfo& info) const {
  const auto params = info.recipe.value("params", nlohmann::json::object());
  QString detail;
  if (info.kind == "ssm.hippo")
    detail = QString("%1, N %2, %3, signal %4")
                 .arg(QString::fromStdString(params.value("measure", "")))
                 .arg(params.value("state", 0))
                 .arg(QString::fromStdString(params.value("method", "")))
                 .arg(QString::fromStdString(params.value("signal", "")));
  else if (info.kind == "ssm.model_states")
    detail = QString("%1, %2")
                 .arg(QString::fromStdString(params.value("model", "")).isEmpty()
                          ? QString("loupe-mamba-2m")
                          : QString::fromStdString(params.value("model", "")))
                 .arg(params.value("source", "prompt") == "file" ? "a text file" : "a prompt");
  else
    detail = QString("N %1, L %2").arg(params.value("state", 0)).arg(params.value("length", 0));
  return QString("<b>run %1</b> · “%2” · %3 · %4 · %5 steps")
      .arg(info.id)
      .arg(QString::fromStdString(info.name).toHtmlEscaped())
      .arg(QString::fromStdString(info.kind))
      .arg(detail)
      .arg(info.stepCount);
}

void SsmPanel::clearViews() {
  m_last = {};
  m_liveSummary = false;
  m_liveEnds.clear();
  m_sequenceSteps.clear();
  m_states->clear();
  m_heatmap->clear();
  if (m_surface) m_surface->clearScene();
  for (ChartView* chart : {m_reconstruction, m_errorVsN, m_eigen, m_eigenContinuous, m_kernel, m_outputs})
    chart->clear();
}

void SsmPanel::runOpened(const RunInfo& info) {
  // The controls take the run's settings, so Run repeats it with edits.
  const auto params = info.recipe.value("params", nlohmann::json::object());
  m_kind->setCurrentText(QString::fromStdString(info.kind));
  for (auto [box, key] :
       {std::pair{m_model, "model"}, {m_measure, "measure"}, {m_method, "method"}, {m_signal, "signal"}})
    if (params.contains(key) && params[key].is_string()) box->setCurrentText(QString::fromStdString(params[key]));
  if (params.contains("state")) m_state->setValue(params["state"].get<int>());
  if (params.contains("length")) m_length->setValue(params["length"].get<int>());
  if (info.kind == "ssm.model_states" && params.contains("prompt") && params["prompt"].is_string()) {
    m_prompt->setText(QString::fromStdString(params["prompt"]));
    const bool second = params.value("compare", "") == "prompt" && params.contains("compare_prompt") &&
                        params["compare_prompt"].is_string();
    m_comparePrompt->setText(second ? QString::fromStdString(params["compare_prompt"]) : QString());
  }
  if (steps().empty()) return;
  if (info.kind == "ssm.model_states") {
    std::vector<StepRecord> ends;
    for (const MetricPoint& end : store()->metricSeries(run(), rec::kSequenceEnd))
      ends.push_back(store()->readStep(run(), end.step));
    showModelStates(ends);
    return;
  }
  m_last = store()->readStep(run(), steps().back());
  showSummary(m_last, nullptr);
}

void SsmPanel::showModelStates(const std::vector<StepRecord>& ends) {
  m_sequenceSteps.clear();
  for (const StepRecord& end : ends) {
    const int sequence = static_cast<int>(end.metricOr(rec::kSequence, -1));
    if (sequence != static_cast<int>(m_sequenceSteps.size())) continue;  // in order, 0 then 1
    m_sequenceSteps.emplace_back(static_cast<int>(end.metricOr(rec::kTokens)), end.step);
    m_states->setSequence(sequence, end);
    if (end.findArray(rec::kCostContext)) m_states->setCost(end);
  }
  // Whole-run tabs of the other kinds have nothing to show for it.
  for (ChartView* chart : {m_errorVsN, m_eigen, m_eigenContinuous, m_kernel, m_outputs}) chart->clear();
  showChannelState();
  m_tabs->setCurrentWidget(m_states);
}

void SsmPanel::showChannelState() {
  int rows = 0, cols = 0, channel = 0;
  const std::vector<float> h = m_states->channelState(rows, cols, channel);
  if (h.empty()) return;
  drawStateEvolution(h.data(), rows, cols,
                     QString("h_t of channel %1, layer %2: row n = 0 … %3 (top to bottom), tokens left to right")
                         .arg(channel)
                         .arg(m_states->layer())
                         .arg(rows - 1),
                     "h");
}

void SsmPanel::runCompared(const RunInfo& b) {
  const auto stepsOfB = store()->stepNumbers(b.id);
  if (stepsOfB.empty()) return;
  const StepRecord lastB = store()->readStep(b.id, stepsOfB.back());
  showSummary(m_last, &lastB);
}

void SsmPanel::liveStep(const StepRecord& record) {
  if (record.findMetric(rec::kSequenceEnd)) m_liveEnds.push_back(record);
  if (record.findArray(rec::kStates) || record.findArray(rec::kKernel)) {
    m_last = record;
    m_liveSummary = true;
  }
}

void SsmPanel::liveFinished(RunStatus) {
  if (!m_liveEnds.empty()) showModelStates(m_liveEnds);
  if (m_liveSummary) showSummary(m_last, nullptr);
}

void SsmPanel::showSummary(const StepRecord& last, const StepRecord* lastB) {
  // State evolution: heat-map (rows = state index, columns = time) and surface.
  if (const Array* states = last.findArray(rec::kStates); states && states->ndim() == 2) {
    drawStateEvolution(
        values(*states), static_cast<int>(states->shape()[0]), static_cast<int>(states->shape()[1]),
        QString("state x_n(t): row n = 0 … %1 (top to bottom), time left to right").arg(states->shape()[0] - 1), "x_n");
  } else {
    m_heatmap->clear("this run records no state evolution (ssm.s4_kernel)");
    if (m_surface) m_surface->clearScene();
  }

  // LegS's error against N, per discretisation (log-log).
  m_errorVsN->clear();
  m_errorVsN->setLogAxes(true, true);
  m_errorVsN->setTitles("LegS: final RMS reconstruction error against N", "N", "RMS error");
  std::map<QString, std::vector<QPointF>> errorSeries;
  for (const auto& [prefix, record] : {std::pair<QString, const StepRecord*>{"A", &last}, {"B", lastB}}) {
    if (!record) continue;
    const Array* table = record->findArray(rec::kErrorVsN);
    if (!table || table->ndim() != 2 || table->shape()[0] != 5) continue;
    const std::int64_t m = table->shape()[1];
    for (int j = 0; j < 4; ++j) {
      std::vector<QPointF> points;
      for (std::int64_t i = 0; i < m; ++i) {
        const float e = values(*table)[(j + 1) * m + i];
        if (std::isfinite(e) && e > 0) points.emplace_back(values(*table)[i], e);
      }
      if (!points.empty())
        errorSeries[(lastB ? prefix + " " : QString()) + rec::kDiscretisations[static_cast<std::size_t>(j)]] =
            std::move(points);
    }
  }
  m_errorVsN->addSeriesPairs(errorSeries);

  // Eigenvalues with the unit circle (|z| < 1: the discrete system is stable).
  m_eigen->clear();
  m_eigen->setTitles("Ā (discretised): inside the unit circle is stable", "Re", "Im");
  m_eigenContinuous->clear();
  m_eigenContinuous->setTitles("A (continuous): left of the imaginary axis is stable", "Re", "Im");
  std::vector<QPointF> circle;
  for (int i = 0; i <= 256; ++i)
    circle.emplace_back(std::cos(2 * std::numbers::pi * i / 256), std::sin(2 * std::numbers::pi * i / 256));
  m_eigen->addLine("unit circle", std::move(circle), QColor(150, 150, 150), Qt::DashLine);
  for (const auto& [prefix, record] : {std::pair<QString, const StepRecord*>{"", &last}, {"B ", lastB}}) {
    if (!record) continue;
    if (const Array* c = record->findArray(rec::kEigContinuous))
      m_eigenContinuous->addScatter(prefix + "A (continuous)", plane(*c));
    if (const Array* d = record->findArray(rec::kEigDiscrete)) m_eigen->addScatter(prefix + "Ā (discrete)", plane(*d));
  }

  // S4 kernel and both outputs, or the selective scan over time.
  m_kernel->clear();
  std::map<QString, std::vector<QPointF>> kernelSeries, outputSeries;
  const bool scan = last.findArray(rec::kDelta) != nullptr;
  for (const auto& [prefix, record] : {std::pair<QString, const StepRecord*>{"A", &last}, {"B", lastB}}) {
    if (!record) continue;
    const QString p = lastB ? prefix + " " : QString();
    for (const char* name : {"kernel", "delta", "gate"})
      if (const Array* a = record->findArray(name)) kernelSeries[p + name] = curve(*a);
    for (const char* name : {"output_convolution", "output_recurrence", "u", "y"})
      if (const Array* a = record->findArray(name)) outputSeries[p + name] = curve(*a);
  }
  m_kernel->setTitles(scan ? "Selective scan, one channel: step Δ' and gate SiLU(z)" : "S4: the convolution kernel K",
                      scan ? "t" : "lag", "value");
  m_kernel->addSeriesPairs(kernelSeries);
  m_outputs->clear();
  m_outputs->setTitles(scan ? "Input u and output y of that channel"
                            : "Output on a seeded input: by convolution and by recurrence (they coincide)",
                       "t", "value");
  m_outputs->addSeriesPairs(outputSeries);
}

void SsmPanel::drawStateEvolution(const float* v, int rows, int cols, const QString& title, const QString& unit) {
  float peak = 0;
  for (std::size_t i = 0; i < static_cast<std::size_t>(rows) * cols; ++i)
    if (std::isfinite(v[i])) peak = std::max(peak, std::fabs(v[i]));
  // Each state row drawn as several pixel rows, so N rows against up to
  // 512 time columns is not a sliver.
  const int repeat = std::max(1, cols / (2 * rows));
  std::vector<float> tall(static_cast<std::size_t>(rows) * repeat * cols);
  for (int r = 0; r < rows * repeat; ++r)
    std::copy_n(v + static_cast<std::size_t>(r / repeat) * cols, cols,
                tall.begin() + static_cast<std::ptrdiff_t>(r) * cols);
  m_heatmap->setScalar(cols, rows * repeat, tall.data(), title, unit, -peak, peak);
  if (m_surface) {
    // At most 160 time columns: the surface is for its shape, the heat-map for detail.
    const int stride = std::max(1, cols / 160), shown = cols / stride;
    std::vector<float> heights(static_cast<std::size_t>(rows) * shown);
    for (int r = 0; r < rows; ++r)
      for (int c = 0; c < shown; ++c)
        heights[static_cast<std::size_t>(r) * shown + c] =
            v[static_cast<std::size_t>(r) * cols + static_cast<std::size_t>(c) * stride];
    m_surface->setHeightField(heights.data(), rows, shown, unit + "(t)");
    m_surface->resetCamera();
  }
}

void SsmPanel::showStep(const StepRecord& r, const StepRecord*) {
  if (r.findArray(rec::kTopTokens)) m_states->showToken(r);
  m_reconstruction->clear();
  const Array* rebuilt = r.findArray(rec::kReconstruction);
  const Array* history = r.findArray(rec::kHistory);
  const double* t = r.findMetric(rec::kT);
  if (rebuilt && history && t) {
    // Both at cell centres of [0, t].
    const double scale = *t / static_cast<double>(rebuilt->numel());
    m_reconstruction->setTitles(QString("LegS at t = %1: the history rebuilt from the state").arg(*t), "sample", "f");
    std::map<QString, std::vector<QPointF>> series;
    series["signal"] = curve(*history, scale, 0.5 * scale);
    series["reconstruction"] = curve(*rebuilt, scale, 0.5 * scale);
    m_reconstruction->addSeriesPairs(series);
  } else {
    m_reconstruction->setTitles("Reconstruction: ssm.hippo with the LegS measure records it", "sample", "f");
  }
}

std::vector<PanelFigure> SsmPanel::figures() {
  std::vector<PanelFigure> out;
  out.push_back({"state-heatmap", "State evolution (state index × time)", m_heatmap});
  if (m_surface) out.push_back({"state-surface", "State evolution as a surface", m_surface});
  out.push_back({"reconstruction", "LegS reconstruction at the shown step", m_reconstruction});
  out.push_back({"error-vs-n", "LegS error against N per discretisation", m_errorVsN});
  out.push_back({"eigenvalues-continuous", "Eigenvalues of A", m_eigenContinuous});
  out.push_back({"eigenvalues", "Eigenvalues of Ā and the unit circle", m_eigen});
  out.push_back({"kernel-scan", "S4 kernel / selective scan Δ' and gate", m_kernel});
  out.push_back({"outputs", "Outputs over time", m_outputs});
  out.push_back({"model-states", "A Mamba reading text: token strips, Δ' heat-maps, ‖h_t‖ per layer, cost", m_states});
  return out;
}

}  // namespace loupe
