#include "panels/lm/LmPanel.h"

#include <QDoubleSpinBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QSplitter>
#include <QTableWidget>
#include <QTextBrowser>
#include <QVBoxLayout>
#include <nlohmann/json.hpp>

#include "experiments/kinds/LmRecords.h"
#include "panels/Controls.h"
#include "panels/MetricSeries.h"
#include "panels/RecordedTexts.h"
#include "viewers/ChartView.h"
#include "viewers/TimelineScrubber.h"

namespace loupe {

namespace rec = loupe::lm_records;

namespace {

// Texts stored as concatenated bytes + lengths (LmRecords.h).
// Red (p = 0) through yellow to green (p = 1), light enough to read black text on.
QColor probabilityColour(double p) {
  return QColor::fromHsvF(std::clamp(p, 0.0, 1.0) / 3.0, 0.45, 1.0);
}

QString visible(const QString& text) {
  QString t = text.toHtmlEscaped();
  t.replace("\n", "↵<br>");
  return t;
}

}  // namespace

LmPanel::LmPanel(QWidget* parent)
    : RunPanel(parent, "Run an lm.generate recipe, or open one from the experiment browser.") {
  auto* layout = new QVBoxLayout(this);
  auto* controls = new QHBoxLayout();
  m_promptEdit = new QLineEdit("happy: ", this);
  m_promptEdit->setObjectName("lmPrompt");
  m_promptEdit->setToolTip("the text the model continues");
  m_maxTokens = prefixedSpin(this, "tokens ", 1, 1024, 48);
  m_temperature = new QDoubleSpinBox(this);
  m_temperature->setPrefix("T ");
  m_temperature->setRange(0, 5);
  m_temperature->setSingleStep(0.1);
  m_temperature->setValue(0.7);
  m_temperature->setToolTip("temperature; 0 is greedy");
  auto* run = new QPushButton("Generate", this);
  run->setObjectName("lmRun");
  controls->addWidget(new QLabel("prompt:", this));
  controls->addWidget(m_promptEdit, 1);
  for (QWidget* w : std::initializer_list<QWidget*>{m_maxTokens, m_temperature, run}) controls->addWidget(w);
  layout->addLayout(controls);
  layout->addWidget(headerLine());
  layout->addWidget(scrubber());

  auto* split = new QSplitter(Qt::Vertical, this);
  auto* upper = new QSplitter(Qt::Horizontal, split);
  m_text = new QTextBrowser(upper);
  m_text->setObjectName("lmText");
  m_alternatives = new QTableWidget(0, 2, upper);
  m_alternatives->setObjectName("lmAlternatives");
  m_alternatives->setHorizontalHeaderLabels({"most likely here", "probability"});
  m_alternatives->horizontalHeader()->setStretchLastSection(true);
  m_alternatives->verticalHeader()->setVisible(false);
  upper->addWidget(m_text);
  upper->addWidget(m_alternatives);
  upper->setSizes({700, 300});
  m_chart = new ChartView(split);
  split->addWidget(upper);
  split->addWidget(m_chart);
  split->setSizes({450, 300});
  layout->addWidget(split, 1);
  layout->addWidget(valuesLine());
  connect(run, &QPushButton::clicked, this, [this] { emit runRequested(recipeJson()); });
}

QString LmPanel::recipeJson() const {
  const nlohmann::json params{{"prompt", m_promptEdit->text().toStdString()},
                              {"max_tokens", m_maxTokens->value()},
                              {"temperature", m_temperature->value()}};
  return QString::fromStdString(
      nlohmann::json{{"kind", "lm.generate"}, {"name", "generate"}, {"params", params}}.dump());
}

void LmPanel::clearViews() {
  m_perplexity = false;
  m_livePerplexity.clear();
  m_prompt.clear();
  m_tokens.clear();
  m_text->clear();
  m_alternatives->setRowCount(0);
  m_chart->clear();
}

void LmPanel::takeRecord(const StepRecord& r) {
  if (r.step == 0) {
    m_prompt = recordedTexts(r, rec::kPromptPieces, rec::kPromptPieceLengths);
    return;
  }
  const double* p = r.findMetric(rec::kProbability);
  m_tokens.push_back({r.step, QString::fromUtf8(r.text(rec::kTokenText).c_str()), p ? *p : 0.0});
}

void LmPanel::runOpened(const RunInfo& info) {
  // The run's recipe into the controls, so that Generate repeats or varies it.
  const auto params = info.recipe.value("params", nlohmann::json::object());
  if (params.contains("prompt") && params["prompt"].is_string())
    m_promptEdit->setText(QString::fromStdString(params["prompt"].get<std::string>()));
  if (params.contains("max_tokens") && params["max_tokens"].is_number())
    m_maxTokens->setValue(params["max_tokens"].get<int>());
  if (params.contains("temperature") && params["temperature"].is_number())
    m_temperature->setValue(params["temperature"].get<double>());
  m_perplexity = info.kind == "lm.perplexity";
  if (!m_perplexity)
    for (std::int64_t s : steps()) takeRecord(store()->readStep(run(), s));
  runCompared(RunInfo{});
}

void LmPanel::runCompared(const RunInfo& b) {
  if (m_perplexity) {
    SeriesMap a = loadMetricSeries(*store(), run(), {rec::kPerplexity});
    if (b.id != 0) a = pairSeries(a, loadMetricSeries(*store(), b.id, {rec::kPerplexity}));
    m_chart->clear();
    m_chart->setTitles("Perplexity as the lines are read", "step (50 lines each)", "perplexity");
    m_chart->addSeriesPairs(a);
    return;
  }
  SeriesMap a = loadMetricSeries(*store(), run(), {rec::kProbability, rec::kEntropy});
  if (b.id != 0) a = pairSeries(a, loadMetricSeries(*store(), b.id, {rec::kProbability, rec::kEntropy}));
  m_chart->clear();
  m_chart->setTitles("The model's belief in each token", "step (token)", "probability · entropy (nats)");
  m_chart->addSeriesPairs(a);
}

void LmPanel::liveBegan(const RunInfo& run) {
  m_perplexity = run.kind == "lm.perplexity";
}

void LmPanel::liveStep(const StepRecord& record) {
  if (m_perplexity) {
    m_livePerplexity.push_back(QPointF(static_cast<double>(record.step), record.findMetric(rec::kPerplexity)
                                                                             ? *record.findMetric(rec::kPerplexity)
                                                                             : 0.0));
    return;
  }
  takeRecord(record);
}

void LmPanel::liveRefresh() {
  SeriesMap series;
  if (m_perplexity) {
    series["perplexity"] = m_livePerplexity;
    m_chart->clear();
    m_chart->addSeriesPairs(series);
    return;
  }
  for (const Token& t : m_tokens) series["probability"].push_back(QPointF(t.step, t.probability));
  m_chart->clear();
  m_chart->addSeriesPairs(series);
}

int LmPanel::firstPosition() const {
  return std::max(0, static_cast<int>(steps().size()) - 1);  // the whole text first
}

void LmPanel::renderText(std::int64_t shownStep) {
  QString html = "<div style='font-family: monospace; font-size: 13pt; line-height: 150%'>";
  for (const QString& p : m_prompt) html += "<span style='color:#666'>" + visible(p) + "</span>";
  for (const Token& t : m_tokens) {
    if (t.step > shownStep) break;
    // (Qt's rich text draws no borders on spans: the shown token is bold and underlined.)
    const QString frame = t.step == shownStep ? "font-weight: bold; text-decoration: underline; " : "";
    html += QString("<span title='p = %1' style='%2background-color:%3'>%4</span>")
                .arg(t.probability, 0, 'f', 3)
                .arg(frame, probabilityColour(t.probability).name(), visible(t.text));
  }
  m_text->setHtml(html + "</div>");
}

void LmPanel::showStep(const StepRecord& r, const StepRecord*) {
  if (m_perplexity) {
    const double* ppl = r.findMetric(rec::kPerplexity);
    const double* lines = r.findMetric(rec::kLines);
    const double* tokens = r.findMetric(rec::kTokensScored);
    m_text->setHtml(QString("<div style='font-size: 14pt'>perplexity <b>%1</b> after %2 lines (%3 tokens)</div>")
                        .arg(ppl ? *ppl : 0, 0, 'f', 3)
                        .arg(lines ? *lines : 0)
                        .arg(tokens ? *tokens : 0));
    m_chart->setMarker(static_cast<double>(r.step));
    m_alternatives->setRowCount(0);
    return;
  }
  renderText(r.step);
  m_chart->setMarker(static_cast<double>(r.step));
  m_alternatives->setRowCount(0);
  if (r.step == 0) return;
  const QStringList texts = recordedTexts(r, rec::kTopPieces, rec::kTopPieceLengths);
  const std::vector<double> probs = r.values<double>(rec::kTopProbabilities);
  const QString chosen = QString::fromUtf8(r.text(rec::kTokenText).c_str());
  m_alternatives->setRowCount(static_cast<int>(std::min<std::size_t>(texts.size(), probs.size())));
  for (int i = 0; i < m_alternatives->rowCount(); ++i) {
    auto* text = textCell("‘" + texts[i] + "’" + (texts[i] == chosen ? "  ← chosen" : ""));
    text->setBackground(probabilityColour(probs[static_cast<std::size_t>(i)]));
    m_alternatives->setItem(i, 0, text);
    m_alternatives->setItem(i, 1, numberCell(probs[static_cast<std::size_t>(i)], 4));
  }
}

QString LmPanel::valuesText(const StepRecord& r) const {
  if (m_perplexity) return RunPanel::valuesText(r);
  if (r.step == 0) {
    const double* n = r.findMetric(rec::kPromptLength);
    const double* tps = r.findMetric(rec::kPrefillTokensPerS);
    return QString("prompt: %1 tokens, prefill %2 tokens/s").arg(n ? *n : 0).arg(tps ? *tps : 0, 0, 'f', 0);
  }
  const double* p = r.findMetric(rec::kProbability);
  const double* h = r.findMetric(rec::kEntropy);
  QString s = QString("token %1 ‘%2’: p = %3, entropy %4 nats")
                  .arg(r.step)
                  .arg(QString::fromUtf8(r.text(rec::kTokenText).c_str()))
                  .arg(p ? *p : 0, 0, 'f', 4)
                  .arg(h ? *h : 0, 0, 'f', 3);
  if (const double* d = r.findMetric(rec::kDecodeTokensPerS)) s += QString(" · decode %1 tokens/s").arg(*d, 0, 'f', 0);
  return s;
}

std::vector<PanelFigure> LmPanel::figures() {
  return {{"generated-text", "Generated text coloured by the model's probability", m_text},
          {"token-belief", "Probability and entropy per token", m_chart}};
}

}  // namespace loupe
