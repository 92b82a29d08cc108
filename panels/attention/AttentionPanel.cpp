#include "panels/attention/AttentionPanel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QSpinBox>
#include <QSplitter>
#include <QTabWidget>
#include <QVBoxLayout>
#include <cmath>
#include <nlohmann/json.hpp>

#include "experiments/kinds/AttentionRecords.h"
#include "panels/MetricSeries.h"
#include "panels/SchemaControls.h"
#include "viewers/ChartView.h"
#include "viewers/ImageView.h"
#include "viewers/TileGridView.h"
#include "viewers/TimelineScrubber.h"

namespace rec = loupe::attention_records;

namespace loupe {

namespace {
const std::vector<std::string> kCharted = {rec::kRunningMax, rec::kRescale, rec::kTilesSkipped};

// A sweep's points against N, one series per method and quantity: time
// (ms), peak memory above the inputs (MB) and max error against float64.
// Points with a zero or missing value are left out (log axes).
std::map<QString, std::vector<QPointF>> scalingSeries(Store& store, std::int64_t run) {
  std::map<QString, std::vector<QPointF>> series;
  std::map<std::int64_t, double> nAtStep;
  for (const auto& p : store.metricSeries(run, rec::kN)) nAtStep[p.step] = p.value;
  for (const char* method : rec::kScalingMethods) {
    const std::pair<std::string, const char*> quantities[] = {{rec::timeMsOf(method), "%1 time (ms)"},
                                                              {rec::peakMbOf(method), "%1 peak memory (MB)"},
                                                              {rec::maxErrorOf(method), "%1 max error"}};
    for (const auto& [metric, label] : quantities) {
      std::vector<QPointF> points;
      for (const auto& p : store.metricSeries(run, metric)) {
        const auto n = nAtStep.find(p.step);
        if (n != nAtStep.end() && p.value > 0) points.emplace_back(n->second, p.value);
      }
      if (!points.empty()) series[QString(label).arg(method)] = std::move(points);
    }
  }
  return series;
}

// Probabilities span decades (one key of 256 vs a few ones): shown as log10 p
// over [−4, 0], zeros (masked) at the bottom of the scale.
void showMap(ImageView* view, const Array& map) {
  std::vector<float> logP(static_cast<std::size_t>(map.numel()));
  for (std::size_t i = 0; i < logP.size(); ++i) {
    const float p = map.data<float>()[i];
    logP[i] = p > 1e-4f ? std::log10(p) : -4.0f;
  }
  view->setScalar(static_cast<int>(map.shape()[1]), static_cast<int>(map.shape()[0]), logP.data(),
                  "attention map, head 0 (log10 p)", "log10 p", -4.0, 0.0);
}

}  // namespace

AttentionPanel::AttentionPanel(QWidget* parent, const KindRegistry& kinds)
    : RunPanel(parent, "Run attention.tiles, or open one from the experiment browser.") {
  auto* layout = new QVBoxLayout(this);
  auto* controls = new QHBoxLayout();
  auto spec = [&](const char* name) -> const ParamSpec& { return paramSpec(kinds, "attention.tiles", name); };
  m_n = schemaSpin(this, spec("n"), "N ");
  m_d = schemaSpin(this, spec("d"), "d ");
  m_blockQ = schemaSpin(this, spec("block_q"), "Br ");
  m_blockK = schemaSpin(this, spec("block_k"), "Bc ");
  m_causal = schemaCheck(this, spec("causal"), "causal");
  m_pattern = schemaChoice(this, spec("pattern"));
  m_width = schemaSpin(this, spec("pattern_width"), "width ");
  auto* run = new QPushButton("Run", this);
  run->setObjectName("attentionRun");
  for (QWidget* w : std::initializer_list<QWidget*>{m_n, m_d, m_blockQ, m_blockK, m_causal, m_pattern, m_width, run})
    controls->addWidget(w);
  controls->addStretch(1);
  layout->addLayout(controls);
  layout->addWidget(headerLine());
  layout->addWidget(scrubber());

  auto* vertical = new QSplitter(Qt::Vertical, this);
  auto* top = new QSplitter(Qt::Horizontal, vertical);
  top->addWidget(
      glViewOrPlaceholder(top, "The tile grid", [this](QWidget* parent) { return m_grid = new TileGridView(parent); }));
  m_tabs = new QTabWidget(top);
  m_map = new ImageView(m_tabs);
  m_tabs->addTab(m_map, "Attention map");
  auto* editorPage = new QWidget(m_tabs);
  auto* editorLayout = new QVBoxLayout(editorPage);
  editorLayout->setContentsMargins(0, 0, 0, 0);
  auto* editorButtons = new QHBoxLayout();
  auto* editorHelp =
      new QLabel("Click tiles to keep / skip them; Run uses this layout as pattern “blocks”.", editorPage);
  editorHelp->setWordWrap(true);
  editorButtons->addWidget(editorHelp, 1);
  for (const char* name : {"Fill", "Clear", "Band"}) {
    auto* b = new QPushButton(name, editorPage);
    b->setObjectName(QString("editor%1").arg(name));
    editorButtons->addWidget(b);
    connect(b, &QPushButton::clicked, this, [this, name = std::string(name)] {
      for (int r = 0; r < m_blockRows; ++r)
        for (int c = 0; c < m_blockCols; ++c)
          m_blocks[static_cast<std::size_t>(r) * m_blockCols + c] = name == "Fill"    ? 1
                                                                    : name == "Clear" ? 0
                                                                                      : (std::abs(r - c) <= 1 ? 1 : 0);
      m_pattern->setCurrentText("blocks");
      refreshEditor();
    });
  }
  editorLayout->addLayout(editorButtons);
  editorLayout->addWidget(glViewOrPlaceholder(editorPage, "The pattern editor",
                                              [this](QWidget* parent) {
                                                m_editor = new TileGridView(parent);
                                                m_editor->setValueRange(0, 1);
                                                connect(m_editor, &TileGridView::cellSelected, this,
                                                        [this](int row, int col, double) { toggleBlock(row, col); });
                                                return m_editor;
                                              }),
                          1);
  m_tabs->addTab(editorPage, "Pattern editor");
  top->addWidget(m_tabs);
  // Grid and map share the width: the grid is what the panel is about.
  top->setStretchFactor(0, 1);
  top->setStretchFactor(1, 1);
  top->setSizes({500, 500});
  auto* bottom = new QWidget(vertical);
  auto* bottomLayout = new QVBoxLayout(bottom);
  bottomLayout->setContentsMargins(0, 0, 0, 0);
  m_chart = new ChartView(bottom);
  m_chart->setMinimumHeight(200);
  bottomLayout->addWidget(m_chart, 1);
  bottomLayout->addWidget(valuesLine());
  vertical->addWidget(top);
  vertical->addWidget(bottom);
  vertical->setSizes({560, 280});
  layout->addWidget(vertical, 1);

  for (QSpinBox* box : {m_n, m_blockQ, m_blockK})
    connect(box, &QSpinBox::valueChanged, this, [this] { resizeEditor(); });
  resizeEditor();
  connect(run, &QPushButton::clicked, this, [this] { emit runRequested(recipeJson()); });
}

// Tiles per side: ⌈n / block⌉, the grid the kernel will walk.
void AttentionPanel::resizeEditor() {
  const int rows = (m_n->value() + m_blockQ->value() - 1) / m_blockQ->value();
  const int cols = (m_n->value() + m_blockK->value() - 1) / m_blockK->value();
  std::vector<std::uint8_t> blocks(static_cast<std::size_t>(rows) * cols, 1);  // new tiles start kept
  for (int r = 0; r < std::min(rows, m_blockRows); ++r)
    for (int c = 0; c < std::min(cols, m_blockCols); ++c)
      blocks[static_cast<std::size_t>(r) * cols + c] = m_blocks[static_cast<std::size_t>(r) * m_blockCols + c];
  m_blocks = std::move(blocks);
  m_blockRows = rows;
  m_blockCols = cols;
  refreshEditor();
}

void AttentionPanel::refreshEditor() {
  if (!m_editor) return;
  std::vector<float> values(m_blocks.begin(), m_blocks.end());
  std::vector<std::uint8_t> marks(m_blocks.size());
  for (std::size_t i = 0; i < marks.size(); ++i) marks[i] = m_blocks[i] ? TileGridView::None : TileGridView::Cross;
  m_editor->setGrid(m_blockRows, m_blockCols, std::move(values),
                    QString("%1 × %2 tiles of %3 × %4: 1 = run, cross = skipped")
                        .arg(m_blockRows)
                        .arg(m_blockCols)
                        .arg(m_blockQ->value())
                        .arg(m_blockK->value()));
  m_editor->setMarks(std::move(marks), "skipped");
}

void AttentionPanel::toggleBlock(int row, int col) {
  if (row < 0 || row >= m_blockRows || col < 0 || col >= m_blockCols) return;
  auto& b = m_blocks[static_cast<std::size_t>(row) * m_blockCols + col];
  b = b ? 0 : 1;
  m_pattern->setCurrentText("blocks");
  refreshEditor();
}

std::string AttentionPanel::blockLayoutText() const {
  std::string text;
  for (int r = 0; r < m_blockRows; ++r) {
    if (r) text += '/';
    for (int c = 0; c < m_blockCols; ++c) text += m_blocks[static_cast<std::size_t>(r) * m_blockCols + c] ? '1' : '0';
  }
  return text;
}

QString AttentionPanel::recipeJson() const {
  nlohmann::json params = {{"n", m_n->value()},
                           {"d", m_d->value()},
                           {"block_q", m_blockQ->value()},
                           {"block_k", m_blockK->value()},
                           {"causal", m_causal->isChecked()},
                           {"pattern", m_pattern->currentText().toStdString()},
                           {"pattern_width", m_width->value()}};
  if (m_pattern->currentText() == "blocks") params["block_layout"] = blockLayoutText();
  return QString::fromStdString(nlohmann::json{
      {"kind", "attention.tiles"},
      {"name", "tiles N=" + std::to_string(m_n->value())},
      {"params", params}}.dump());
}

bool AttentionPanel::walksSteps(const RunInfo& info) const {
  return info.kind != "attention.scaling";
}

QString AttentionPanel::runHeaderText(const RunInfo& info) const {
  const QString name = QString::fromStdString(info.name).toHtmlEscaped();
  if (info.kind == "attention.scaling")
    return QString("<b>run %1</b> · “%2” · scaling sweep, %3 points").arg(info.id).arg(name).arg(info.stepCount);
  const auto params = info.recipe.value("params", nlohmann::json::object());
  const std::string model = params.value("model", std::string());
  if (!model.empty())  // Q, K, V from a model: its shape is the prompt's, not n and d
    return QString("<b>run %1</b> · “%2” · %3, layer %4, head %5, tiles %6×%7%8 · %9 steps")
        .arg(info.id)
        .arg(name)
        .arg(QString::fromStdString(model).toHtmlEscaped())
        .arg(params.value("layer", 0))
        .arg(params.value("head", 0))
        .arg(params.value("block_q", 0))
        .arg(params.value("block_k", 0))
        .arg(params.value("causal", false) ? ", causal" : "")
        .arg(info.stepCount);
  return QString("<b>run %1</b> · “%2” · N %3, d %4, tiles %5×%6%7 · %8 steps")
      .arg(info.id)
      .arg(name)
      .arg(params.value("n", 0))
      .arg(params.value("d", 0))
      .arg(params.value("block_q", 0))
      .arg(params.value("block_k", 0))
      .arg(params.value("causal", false) ? ", causal" : "")
      .arg(info.stepCount);
}

void AttentionPanel::clearViews() {
  m_series.clear();
  if (m_grid) m_grid->setGrid(0, 0, {}, {});
  m_map->clear("no attention map yet");
  rebuildChart();
}

void AttentionPanel::runOpened(const RunInfo& info) {
  m_scaling = info.kind == "attention.scaling";
  if (m_scaling) {
    // A sweep: time against N per method, log-log (N² shows as slope 2, N as 1).
    m_series = scalingSeries(*store(), run());
    m_map->clear("a scaling sweep has no attention map");
    rebuildChart();
    return;
  }
  m_series = loadMetricSeries(*store(), run(), kCharted);
  rebuildChart();
  // The attention map is recorded on the last step: show it from the start.
  if (!steps().empty()) {
    try {
      showMap(m_map, store()->readArray(run(), steps().back(), rec::kAttentionMap));
    } catch (const std::exception&) {
      m_map->clear("no attention map recorded");
    }
  }
}

void AttentionPanel::runCompared(const RunInfo& b) {
  m_series = pairSeries(std::move(m_series),
                        m_scaling ? scalingSeries(*store(), b.id) : loadMetricSeries(*store(), b.id, kCharted));
  rebuildChart();
}

void AttentionPanel::liveBegan(const RunInfo& run) {
  m_scaling = run.kind == "attention.scaling";
  rebuildChart();
}

void AttentionPanel::liveStep(const StepRecord& record) {
  appendRecordMetrics(m_series, record, kCharted);
}

void AttentionPanel::showStep(const StepRecord& r, const StepRecord*) {
  m_chart->setMarker(static_cast<double>(r.step));
  const Array* states = r.findArray(rec::kTileStates);
  const Array* maxima = r.findArray(rec::kTileRunningMax);
  if (m_grid && states && maxima && states->ndim() == 2) {
    const int rows = static_cast<int>(states->shape()[0]), cols = static_cast<int>(states->shape()[1]);
    m_grid->setGrid(rows, cols, std::vector<float>(maxima->data<float>(), maxima->data<float>() + maxima->numel()),
                    QString("tiles: colour = running row max, outline = current, dot = cut by the diagonal, "
                            "cross = skipped (step %1)")
                        .arg(r.step));
    std::vector<std::uint8_t> marks(static_cast<std::size_t>(rows) * cols);
    for (std::size_t i = 0; i < marks.size(); ++i) {
      switch (rec::tileCellOf(states->data<float>()[i])) {
        case rec::TileCell::Current:
          marks[i] = TileGridView::Outline;
          break;
        case rec::TileCell::Skipped:
          marks[i] = TileGridView::Cross;
          break;
        case rec::TileCell::Partial:
          marks[i] = TileGridView::Dot;
          break;
        default:
          marks[i] = TileGridView::None;
      }
    }
    m_grid->setMarks(std::move(marks), "tile state");
  }
  if (const Array* map = r.findArray(rec::kAttentionMap)) showMap(m_map, *map);
}

void AttentionPanel::rebuildChart() {
  m_chart->clear();
  if (m_scaling) {
    m_chart->setLogAxes(true, true);
    m_chart->setTitles("Time, peak memory and error against sequence length (log-log)", "N",
                       "ms · MB above the inputs · max |error|");
    m_chart->addSeriesPairs(m_series);
    return;
  }
  m_chart->setLogAxes(false, true);  // skips (hundreds), running max (units), rescale (≤ 1)
  m_chart->setTitles("Per tile (head 0), log scale", "step (tile in processing order)", "value");
  m_chart->addSeriesPairs(m_series);
  if (shownStep()) m_chart->setMarker(static_cast<double>(*shownStep()));
}

std::vector<PanelFigure> AttentionPanel::figures() {
  std::vector<PanelFigure> out;
  const QString step = QString::number(shownStep().value_or(0));
  if (m_grid) out.push_back({"tiles", "Tile grid at step " + step, m_grid});
  out.push_back({"attention-map", "Attention map, head 0", m_map});
  out.push_back({"per-tile", "Running max, rescale and skips per tile", m_chart});
  return out;
}

}  // namespace loupe
