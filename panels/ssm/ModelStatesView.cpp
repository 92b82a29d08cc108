#include "panels/ssm/ModelStatesView.h"

#include <QCheckBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QSpinBox>
#include <QSplitter>
#include <QTextBrowser>
#include <QUrl>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

#include "experiments/kinds/SsmRecords.h"
#include "panels/RecordedTexts.h"
#include "viewers/ChartView.h"
#include "viewers/HeatmapView.h"

namespace loupe {

namespace rec = loupe::ssm_records;

namespace {

// Layers, rows and tokens of a (layers × rows × T) map; false if it is not one.
bool mapShape(const Array* a, int& layers, int& rows, int& tokens) {
  if (!a || a->ndim() != 3 || a->dtype() != DType::F32) return false;
  layers = static_cast<int>(a->shape()[0]), rows = static_cast<int>(a->shape()[1]);
  tokens = static_cast<int>(a->shape()[2]);
  return layers > 0 && rows > 0 && tokens > 0;
}

// A token as the strip shows it: the marker pieces kept, a newline as ⏎.
QString shownPiece(QString piece) {
  piece.replace('\n', QString::fromUtf8("⏎"));
  return piece.toHtmlEscaped().replace(' ', "&nbsp;");
}

// White (the sequence's smallest mean Δ') to strong orange (its largest):
// light enough to read black text on.
QColor deltaColour(double f) {
  return QColor::fromHsvF(0.08, 0.04 + 0.8 * std::clamp(f, 0.0, 1.0), 1.0);
}

}  // namespace

ModelStatesView::ModelStatesView(QWidget* parent) : QWidget(parent) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(2, 2, 2, 2);
  auto* controls = new QHBoxLayout();
  m_layer = new QSpinBox(this);
  m_layer->setObjectName("statesLayer");
  m_layer->setPrefix("layer ");
  m_layer->setRange(0, 0);
  m_layer->setToolTip("the layer whose Δ' the strip and the heat-map show");
  m_channel = new QSpinBox(this);
  m_channel->setObjectName("statesChannel");
  m_channel->setPrefix("recorded channel #");
  m_channel->setRange(0, 0);
  m_channel->setToolTip("which recorded channel's state h_t the State evolution tab shows");
  m_channelName = new QLabel(this);
  m_relative = new QCheckBox("Δ' over each channel's mean", this);
  m_relative->setObjectName("deltaRelative");
  m_relative->setChecked(true);
  m_relative->setToolTip("each channel's Δ' divided by its mean over the sequence: what changes from token to token");
  for (QWidget* w : std::initializer_list<QWidget*>{m_layer, m_relative, m_channel, m_channelName})
    controls->addWidget(w);
  controls->addStretch(1);
  layout->addLayout(controls);

  auto* split = new QSplitter(Qt::Vertical, this);
  auto* sequences = new QSplitter(Qt::Horizontal, split);
  for (int s = 0; s < 2; ++s) {
    auto* column = new QWidget(sequences);
    auto* v = new QVBoxLayout(column);
    v->setContentsMargins(0, 0, 0, 0);
    m_caption[s] = new QLabel(column);
    m_strip[s] = new QTextBrowser(column);
    m_strip[s]->setObjectName(QString("tokenStrip%1").arg(s));
    m_strip[s]->setOpenLinks(false);
    m_strip[s]->setMaximumHeight(90);
    m_delta[s] = new HeatmapView(column);
    m_delta[s]->setObjectName(QString("deltaMap%1").arg(s));
    v->addWidget(m_caption[s]);
    v->addWidget(m_strip[s]);
    v->addWidget(m_delta[s], 1);
    sequences->addWidget(column);
    connect(m_strip[s], &QTextBrowser::anchorClicked, this, [this, s](const QUrl& url) {
      // href="#t<position>"
      bool ok = false;
      const int position = url.fragment().mid(1).toInt(&ok);
      if (ok) emit tokenClicked(s, position);
    });
  }
  split->addWidget(sequences);
  auto* bottom = new QSplitter(Qt::Horizontal, split);
  m_norm = new ChartView(bottom);
  m_cost = new ChartView(bottom);
  m_topK = new QLabel(bottom);
  m_topK->setObjectName("topK");
  m_topK->setAlignment(Qt::AlignTop | Qt::AlignLeft);
  m_topK->setWordWrap(true);
  m_topK->setMinimumWidth(220);
  bottom->addWidget(m_norm);
  bottom->addWidget(m_cost);
  bottom->addWidget(m_topK);
  bottom->setSizes({420, 420, 240});
  split->addWidget(bottom);
  split->setSizes({520, 340});
  layout->addWidget(split, 1);

  connect(m_layer, &QSpinBox::valueChanged, this, [this] {
    redraw();
    emit channelChanged();
  });
  connect(m_relative, &QCheckBox::toggled, this, [this] { redraw(); });
  connect(m_channel, &QSpinBox::valueChanged, this, [this] {
    redraw();
    emit channelChanged();
  });
  clear();
}

void ModelStatesView::clear() {
  m_have = {false, false};
  m_seq = {};
  m_shownSequence = m_shownPosition = -1;
  for (int s = 0; s < 2; ++s) {
    m_strip[s]->clear();
    m_caption[s]->setText(s == 0 ? "ssm.model_states: run one, or open one from the experiment browser"
                                 : "second sequence (shuffled words or a second prompt)");
    m_delta[s]->setData(0, 0, {}, "Δ' per channel and token");
  }
  m_norm->clear();
  m_norm->setTitles("‖h_t‖ per layer over tokens", "token", "‖h‖");
  m_cost->clear();
  m_cost->setTitles("One decoded token's cost against context", "context (tokens)", "ms per token");
  m_topK->setText("Click a token to see what the model expected next.");
  m_channelName->clear();
}

int ModelStatesView::layer() const {
  return m_layer->value();
}

void ModelStatesView::setSequence(int sequence, const StepRecord& end) {
  if (sequence < 0 || sequence > 1) return;
  m_seq[static_cast<std::size_t>(sequence)] = end;
  m_have[static_cast<std::size_t>(sequence)] = true;
  int layers = 0, rows = 0, tokens = 0;
  if (mapShape(end.findArray(rec::kDeltaMap), layers, rows, tokens)) m_layer->setMaximum(layers - 1);
  const auto channels = m_seq[0].values<std::int64_t>(rec::kChannels);
  if (!channels.empty()) m_channel->setMaximum(static_cast<int>(channels.size()) - 1);
  redraw();
}

void ModelStatesView::setCost(const StepRecord& r) {
  const Array* context = r.findArray(rec::kCostContext);
  const Array* mamba = r.findArray(rec::kCostMambaMs);
  const Array* transformer = r.findArray(rec::kCostTransformerMs);
  m_cost->clear();
  m_cost->setTitles("One decoded token's cost against context: the recurrence's state is fixed, the KV cache grows",
                    "context (tokens)", "ms per token");
  if (!context || !mamba || !transformer || context->numel() != mamba->numel() ||
      context->numel() != transformer->numel() || context->dtype() != DType::F32 || mamba->dtype() != DType::F32 ||
      transformer->dtype() != DType::F32)
    return;
  std::vector<QPointF> m, t;
  for (std::int64_t i = 0; i < context->numel(); ++i) {
    m.emplace_back(context->data<float>()[i], mamba->data<float>()[i]);
    t.emplace_back(context->data<float>()[i], transformer->data<float>()[i]);
  }
  const auto millions = [](double n) { return QString::number(n / 1e6, 'f', 2) + " M"; };
  m_cost->addLine("Mamba recurrence (" + millions(r.metricOr(rec::kMambaParameters)) + ")", std::move(m),
                  QColor(220, 110, 0));
  m_cost->addLine("transformer, KV cache (" + millions(r.metricOr(rec::kTransformerParameters)) + ")", std::move(t),
                  QColor(40, 90, 200));
}

void ModelStatesView::showToken(const StepRecord& r) {
  const int sequence = static_cast<int>(r.metricOr(rec::kSequence, -1));
  const int position = static_cast<int>(r.metricOr(rec::kPosition, -1));
  if (sequence < 0 || sequence > 1 || position < 0) return;
  const bool moved = sequence != m_shownSequence || position != m_shownPosition;
  m_shownSequence = sequence, m_shownPosition = position;
  const QStringList pieces = recordedTexts(r, rec::kTopPieces, rec::kTopPieceLengths);
  const auto probabilities = r.values<double>(rec::kTopProbabilities);
  QString html = QString("<b>after “%1”</b> (sequence %2, token %3)<br>entropy %4 nats")
                     .arg(shownPiece(QString::fromStdString(r.text(rec::kTokenText))))
                     .arg(sequence + 1)
                     .arg(position)
                     .arg(r.metricOr(rec::kEntropy), 0, 'f', 3);
  if (const double* p = r.findMetric(rec::kNextProbability))
    html += QString(", p(the text's next token) %1").arg(*p, 0, 'f', 4);
  html += "<table cellspacing=2>";
  for (int i = 0; i < std::min<int>(static_cast<int>(pieces.size()), static_cast<int>(probabilities.size())); ++i)
    html += QString("<tr><td>%1.</td><td>“%2”</td><td align=right>%3</td></tr>")
                .arg(i + 1)
                .arg(shownPiece(pieces[i]))
                .arg(probabilities[static_cast<std::size_t>(i)], 0, 'f', 4);
  m_topK->setText(html + "</table>");
  if (moved) {
    drawStrip(0);
    drawStrip(1);
    drawNorms();
  }
}

std::vector<float> ModelStatesView::channelState(int& rows, int& cols, int& channel) const {
  rows = cols = channel = 0;
  if (!m_have[0]) return {};
  const Array* map = m_seq[0].findArray(rec::kChannelStateMap);  // layers × channels × N × T
  const auto channels = m_seq[0].values<std::int64_t>(rec::kChannels);
  if (!map || map->ndim() != 4 || map->dtype() != DType::F32) return {};
  const std::int64_t L = map->shape()[0], C = map->shape()[1], N = map->shape()[2], T = map->shape()[3];
  const int l = layer(), c = m_channel->value();
  if (l >= L || c >= C || static_cast<std::size_t>(c) >= channels.size()) return {};
  rows = static_cast<int>(N), cols = static_cast<int>(T), channel = static_cast<int>(channels[c]);
  const float* first = map->data<float>() + ((l * C + c) * N) * T;
  return std::vector<float>(first, first + N * T);
}

void ModelStatesView::redraw() {
  const auto channels = m_seq[0].values<std::int64_t>(rec::kChannels);
  if (m_have[0] && static_cast<std::size_t>(m_channel->value()) < channels.size())
    m_channelName->setText(QString("= channel %1 (State evolution tab: its h_t, N × tokens)")
                               .arg(channels[static_cast<std::size_t>(m_channel->value())]));
  for (int s = 0; s < 2; ++s) {
    drawStrip(s);
    const StepRecord& end = m_seq[static_cast<std::size_t>(s)];
    int layers = 0, rows = 0, tokens = 0;
    if (!m_have[static_cast<std::size_t>(s)] || !mapShape(end.findArray(rec::kDeltaMap), layers, rows, tokens)) {
      m_delta[s]->setData(0, 0, {}, "Δ' per channel and token");
      continue;
    }
    const int l = std::min(layer(), layers - 1);
    const float* d = end.findArray(rec::kDeltaMap)->data<float>() + static_cast<std::size_t>(l) * rows * tokens;
    const bool relative = m_relative->isChecked();
    std::vector<float> logDelta(static_cast<std::size_t>(rows) * tokens);
    for (int r = 0; r < rows; ++r) {
      const float* row = d + static_cast<std::size_t>(r) * tokens;
      double mean = 0;
      for (int t = 0; t < tokens; ++t) mean += row[t];
      mean /= tokens;
      const double scale = relative && mean > 0 ? mean : 1.0;
      for (int t = 0; t < tokens; ++t)
        logDelta[static_cast<std::size_t>(r) * tokens + t] = row[t] > 0 ? std::log10(row[t] / scale) : NAN;
    }
    m_delta[s]->setData(rows, tokens, std::move(logDelta),
                        QString(relative ? "log10 (Δ' / the channel's mean), layer %1: channels 0–%2 (rows) × tokens"
                                         : "log10 Δ', layer %1: channels 0–%2 (rows) × tokens (columns)")
                            .arg(l)
                            .arg(rows - 1));
  }
  drawNorms();
}

void ModelStatesView::drawNorms() {
  m_norm->clear();
  m_norm->setTitles("‖h_t‖ per layer over tokens (second sequence dashed)", "token", "‖h‖ (all channels)");
  for (int s = 0; s < 2; ++s) {
    if (!m_have[static_cast<std::size_t>(s)]) continue;
    const Array* norms = m_seq[static_cast<std::size_t>(s)].findArray(rec::kLayerNorm);  // layers × T
    if (!norms || norms->ndim() != 2 || norms->dtype() != DType::F32) continue;
    const std::int64_t L = norms->shape()[0], T = norms->shape()[1];
    for (std::int64_t l = 0; l < L; ++l) {
      std::vector<QPointF> points;
      for (std::int64_t t = 0; t < T; ++t) points.emplace_back(static_cast<double>(t), norms->data<float>()[l * T + t]);
      m_norm->addLine(QString("%1layer %2").arg(s == 0 ? "" : "2: ").arg(l), std::move(points),
                      QColor::fromHsvF(static_cast<double>(l) / static_cast<double>(L) * 0.8, 0.8, 0.8),
                      s == 0 ? Qt::SolidLine : Qt::DashLine);
    }
  }
  if (m_shownPosition >= 0) m_norm->setMarker(m_shownPosition);
}

void ModelStatesView::drawStrip(int s) {
  const StepRecord& end = m_seq[static_cast<std::size_t>(s)];
  if (!m_have[static_cast<std::size_t>(s)]) return;
  const QStringList pieces = recordedTexts(end, rec::kSequencePieces, rec::kSequencePieceLengths);
  int layers = 0, rows = 0, tokens = 0;
  std::vector<double> mean;  // mean Δ' over the chosen layer's channels, per token
  if (mapShape(end.findArray(rec::kDeltaMap), layers, rows, tokens)) {
    const int l = std::min(layer(), layers - 1);
    const float* d = end.findArray(rec::kDeltaMap)->data<float>() + static_cast<std::size_t>(l) * rows * tokens;
    mean.assign(static_cast<std::size_t>(tokens), 0.0);
    for (int r = 0; r < rows; ++r)
      for (int t = 0; t < tokens; ++t) mean[static_cast<std::size_t>(t)] += d[static_cast<std::size_t>(r) * tokens + t];
    for (double& m : mean) m /= rows;
  }
  const auto [lo, hi] = mean.empty() ? std::pair{0.0, 1.0}
                                     : std::pair{*std::min_element(mean.begin(), mean.end()),
                                                 *std::max_element(mean.begin(), mean.end())};
  QString html = "<div style='line-height:150%'>";
  for (int t = 0; t < pieces.size(); ++t) {
    const double f =
        t < static_cast<int>(mean.size()) && hi > lo ? (mean[static_cast<std::size_t>(t)] - lo) / (hi - lo) : 0;
    const bool shown = s == m_shownSequence && t == m_shownPosition;
    html += QString("<a href='#t%1' style='color:black; text-decoration:none; background-color:%2'>%3%4%5</a>")
                .arg(t)
                .arg(deltaColour(f).name())
                .arg(shown ? "<b><u>" : "")
                .arg(shownPiece(pieces[t]))
                .arg(shown ? "</u></b>" : "");
  }
  m_strip[s]->setHtml(html + "</div>");
  m_caption[s]->setText(QString("<b>%1</b> · %2 tokens · background: mean Δ' of layer %3 (white %4 … orange %5)")
                            .arg(s == 0 ? "the text" : "compared with")
                            .arg(pieces.size())
                            .arg(std::min(layer(), std::max(0, layers - 1)))
                            .arg(lo, 0, 'g', 3)
                            .arg(hi, 0, 'g', 3));
}

}  // namespace loupe
