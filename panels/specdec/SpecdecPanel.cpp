#include "panels/specdec/SpecdecPanel.h"

#include <QComboBox>
#include <QFile>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSplitter>
#include <QTextBrowser>
#include <QVBoxLayout>
#include <cmath>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>

#include "experiments/TreeEditing.h"
#include "experiments/kinds/SpecdecRecords.h"
#include "panels/Controls.h"
#include "panels/MetricSeries.h"
#include "viewers/ChartView.h"
#include "viewers/TimelineScrubber.h"
#include "viewers/TreeGraphView.h"

namespace loupe {

namespace rec = loupe::specdec_records;

namespace {

QString text(const StepRecord& r, const std::string& name) {
  return QString::fromStdString(r.text(name));
}

}  // namespace

SpecdecPanel::SpecdecPanel(QWidget* parent)
    : RunPanel(parent, "Run a specdec.* recipe, or open one from the experiment browser.") {
  auto* layout = new QVBoxLayout(this);
  auto* controls = new QHBoxLayout();
  m_kind = choiceBox(
      this, {"specdec.medusa", "specdec.sample", "specdec.compare", "specdec.train_heads", "specdec.design_tree"},
      "what to run");
  m_kind->setObjectName("specdecKind");
  m_source = choiceBox(this, {"model", "ngram"},
                       "model: the shipped transformer, its draft model and trained heads; ngram: the phone trigram");
  m_source->setObjectName("specdecSource");
  m_treeSpec = new QLineEdit("mc_sim_7b_63", this);
  m_treeSpec->setObjectName("specdecTree");
  m_treeSpec->setToolTip("Medusa tree: a name from medusa_choices.json, chain:N, or a JSON choice list");
  auto* run = new QPushButton("Run", this);
  run->setObjectName("specdecRun");
  auto* editTreeButton = new QPushButton("Edit tree", this);
  editTreeButton->setObjectName("specdecEditTree");
  editTreeButton->setToolTip("load the tree field's tree into the tree view to add or remove nodes");
  m_editButtons = new QWidget(this);
  auto* editRow = new QHBoxLayout(m_editButtons);
  editRow->setContentsMargins(0, 0, 0, 0);
  auto* add = new QPushButton("Add child", m_editButtons);
  add->setObjectName("specdecAddChild");
  auto* remove = new QPushButton("Remove", m_editButtons);
  remove->setObjectName("specdecRemoveNode");
  auto* save = new QPushButton("Save as…", m_editButtons);
  save->setObjectName("specdecSaveTree");
  for (QWidget* w : std::initializer_list<QWidget*>{add, remove, save}) editRow->addWidget(w);
  m_editButtons->setEnabled(false);
  for (QWidget* w : std::initializer_list<QWidget*>{m_kind, m_source, new QLabel("tree:", this), m_treeSpec,
                                                    editTreeButton, m_editButtons, run})
    controls->addWidget(w);
  controls->addStretch(1);
  layout->addLayout(controls);
  layout->addWidget(headerLine());
  layout->addWidget(scrubber());

  auto* split = new QSplitter(Qt::Vertical, this);
  auto* top = new QSplitter(Qt::Horizontal, split);
  m_treeHolder =
      glViewOrPlaceholder(top, "The tree view", [this](QWidget* p) { return m_tree = new TreeGraphView(p); });
  auto* charts = new QSplitter(Qt::Vertical, top);
  m_histogram = new ChartView(charts);
  m_depth = new ChartView(charts);
  top->addWidget(m_treeHolder);
  top->addWidget(charts);
  top->setSizes({700, 400});
  m_text = new QTextBrowser(split);
  m_text->setObjectName("specdecText");
  split->addWidget(top);
  split->addWidget(m_text);
  split->setSizes({520, 160});
  layout->addWidget(split, 1);
  layout->addWidget(valuesLine());

  connect(run, &QPushButton::clicked, this, [this] { emit runRequested(recipeJson()); });
  connect(editTreeButton, &QPushButton::clicked, this, [this] { editTree(); });
  connect(add, &QPushButton::clicked, this, &SpecdecPanel::addChild);
  connect(remove, &QPushButton::clicked, this, &SpecdecPanel::removeSelected);
  connect(save, &QPushButton::clicked, this, [this] {
    const QString file =
        QFileDialog::getSaveFileName(this, "Save the tree as a choice list", "tree.json", "JSON (*.json)");
    if (!file.isEmpty()) saveTree(file);
  });
  if (m_tree) connect(m_tree, &TreeGraphView::nodeClicked, this, &SpecdecPanel::selectNode);
}

QString SpecdecPanel::treeSpec() const {
  return m_treeSpec->text();
}

bool SpecdecPanel::editTree() {
  try {
    m_edit = treeFromSpec(m_treeSpec->text().toStdString());
  } catch (const std::exception& e) {
    valuesLine()->setText(QString("tree: %1").arg(e.what()).toHtmlEscaped());
    return false;
  }
  m_editing = true;
  m_selected.clear();
  m_editButtons->setEnabled(true);
  showEditedTree();
  return true;
}

void SpecdecPanel::selectNode(int node) {
  if (!m_editing) return;
  const auto sorted = treeLayout(m_edit).sorted;
  m_selected = node <= 0 || node > static_cast<int>(sorted.size()) ? std::vector<int>{}
                                                                   : sorted[static_cast<std::size_t>(node) - 1];
  showEditedTree();
}

void SpecdecPanel::addChild() {
  if (!m_editing) return;
  try {
    m_edit = treeWithChild(m_edit, m_selected);
  } catch (const std::exception& e) {
    valuesLine()->setText(QString::fromStdString(e.what()).toHtmlEscaped());
    return;
  }
  showEditedTree();
}

void SpecdecPanel::removeSelected() {
  if (!m_editing || m_selected.empty()) return;  // the root stays
  m_edit = treeWithoutSubtree(m_edit, m_selected);
  m_selected.pop_back();  // its parent is selected next
  showEditedTree();
}

bool SpecdecPanel::saveTree(const QString& file) {
  QFile out(file);
  if (!out.open(QIODevice::WriteOnly | QIODevice::Truncate)) {
    valuesLine()->setText(QString("%1: cannot be written (%2)").arg(file, out.errorString()).toHtmlEscaped());
    return false;
  }
  out.write(QByteArray::fromStdString(treeToJson(m_edit) + "\n"));
  valuesLine()->setText(QString("saved %1 paths to %2").arg(m_edit.size()).arg(file).toHtmlEscaped());
  return true;
}

// The edited tree: each node's rank, the selected one and its path
// highlighted; the tree field follows, so Run uses what is shown.
void SpecdecPanel::showEditedTree() {
  m_treeSpec->setText(QString::fromStdString(treeToJson(m_edit)));
  if (!m_tree) return;
  const TreeLayout b = treeLayout(m_edit);
  std::vector<TreeNode> nodes;
  std::vector<int> path{0};
  for (std::size_t i = 0; i < b.parents.size(); ++i) {
    TreeNode n;
    n.parent = b.parents[i];
    n.label = i == 0 ? QString("root") : QString("rank %1").arg(b.sorted[i - 1].back());
    const bool selected = i == 0 ? m_selected.empty() : b.sorted[i - 1] == m_selected;
    n.color = selected ? QColor(60, 170, 80) : QColor(90, 140, 200);
    nodes.push_back(n);
  }
  for (std::size_t len = 1; len <= m_selected.size(); ++len) {
    const std::vector<int> prefix(m_selected.begin(), m_selected.begin() + static_cast<std::ptrdiff_t>(len));
    path.push_back(static_cast<int>(std::find(b.sorted.begin(), b.sorted.end(), prefix) - b.sorted.begin()) + 1);
  }
  int depth = 0;
  for (const auto& p : m_edit) depth = std::max(depth, static_cast<int>(p.size()));
  m_tree->setTree(
      nodes, path,
      QString("editing: %1 nodes, depth %2 (click a node; Add child / Remove)").arg(m_edit.size()).arg(depth));
}

QString SpecdecPanel::recipeJson() const {
  nlohmann::json r;
  const std::string kind = m_kind->currentText().toStdString();
  const bool model = m_source->currentText() == "model";
  r["kind"] = kind;
  r["name"] = kind + " from the panel";
  r["seed"] = 1;
  r["params"] = nlohmann::json::object();
  nlohmann::json& p = r["params"];
  if (kind == "specdec.train_heads") {  // small enough to watch: 120 steps on 1,000 lines, about half a minute
    p = {{"head_type", "medusa"}, {"heads", 3}, {"steps", 120}, {"max_lines", 1000}, {"eval_every", 12}};
    return QString::fromStdString(r.dump());
  }
  if (kind == "specdec.design_tree") return QString::fromStdString(r.dump());
  p["source"] = model ? "model" : "ngram";
  if (kind == "specdec.medusa") p["tree"] = m_treeSpec->text().toStdString();
  if (kind == "specdec.compare") {
    p["methods"] = (model ? "target,chain,mtp,medusa:chain:3,medusa:" : "target,chain,mtp,medusa:chain:4,medusa:") +
                   m_treeSpec->text().toStdString();
    if (model) p["gamma"] = 3, p["repeats"] = 5, p["tokens"] = 100;
  }
  // The transformer with greedy acceptance (every method emits its greedy
  // text); the n-gram model with Medusa's typical acceptance.
  if (kind != "specdec.sample") p["acceptance"] = model ? "greedy" : "typical";
  if (kind == "specdec.sample" && model) p["greedy"] = true;
  return QString::fromStdString(r.dump());
}

bool SpecdecPanel::walksSteps(const RunInfo& info) const {
  return info.kind != "specdec.compare";
}

void SpecdecPanel::liveBegan(const RunInfo& run) {
  m_runKind = run.kind;
  m_liveSeries.clear();
}

void SpecdecPanel::liveStep(const StepRecord& record) {
  if (m_runKind == "specdec.train_heads") appendRecordMetrics(m_liveSeries, record);
}

void SpecdecPanel::liveRefresh() {
  if (m_runKind == "specdec.train_heads") showTrainingCurves(m_liveSeries);
}

// Each head's loss (the depth chart's place) and held-out top-1 accuracy
// beside the unigram baseline (the histogram's place).
void SpecdecPanel::showTrainingCurves(const SeriesMap& series) {
  m_depth->clear();
  m_histogram->clear();
  m_depth->setTitles("training loss per head", "step", "cross-entropy");
  m_histogram->setTitles("held-out top-1 accuracy per head", "step", "top-1");
  double unigram = -1, lastStep = 0;
  QStringList values;
  for (const auto& [name, points] : series) {
    if (points.empty()) continue;
    lastStep = std::max(lastStep, points.back().x());
    if (name.startsWith("loss_head")) {
      m_depth->addLine("head " + name.mid(9), points);
    } else if (name.startsWith("top1_head")) {
      m_histogram->addLine("head " + name.mid(9), points);
      values << QString("head %1 top-1 %2").arg(name.mid(9)).arg(points.back().y(), 0, 'f', 3);
    } else if (name == rec::kUnigramTop1) {
      unigram = points.front().y();
    }
  }
  if (unigram >= 0) {
    m_histogram->addLine("unigram baseline", {QPointF(0, unigram), QPointF(std::max(lastStep, 1.0), unigram)},
                         QColor(120, 120, 120), Qt::DashLine);
    values << QString("unigram %1").arg(unigram, 0, 'f', 3);
  }
  m_summary = values.join(" · ");
  valuesLine()->setText(m_summary);
}

// Predicted and measured accepted drafts against the tree's size; each
// head's hit rate by rank; a table of the numbers.
void SpecdecPanel::showDesignSummary() {
  m_depth->clear();
  m_histogram->clear();
  m_depth->setTitles("accepted drafts per step vs tree size", "nodes", "drafts accepted per step");
  m_histogram->setTitles("head accuracy by rank (held-out text)", "rank", "hit rate");
  std::map<QString, std::vector<QPointF>> lines;
  // One colour per tree, predicted dashed and measured solid.
  struct Named {
    const char* metric;
    const char* label;
    QColor color;
  };
  const QColor designedColor(31, 119, 180), publishedColor(255, 127, 14), independentColor(44, 160, 44);
  const Named named[] = {{rec::kPredictedAccepted, "designed pred.", designedColor},
                         {rec::kMeasuredAccepted, "designed meas.", designedColor},
                         {rec::kMcSimPredicted, "mc_sim cut pred.", publishedColor},
                         {rec::kMcSimMeasured, "mc_sim cut meas.", publishedColor},
                         {rec::kIndependentPredicted, "indep. pred.", independentColor},
                         {rec::kIndependentMeasured, "indep. meas.", independentColor}};
  QString table =
      "<table cellspacing=6><tr><th>nodes</th><th>designed: predicted</th><th>measured</th>"
      "<th>mc_sim_7b_63 cut: predicted</th><th>measured</th><th>Medusa's independent estimate (heads "
      "independent): predicted</th><th>its tree measured</th></tr>";
  for (const StepRecord& r : m_records) {
    const auto nodes = r.findMetric(rec::kNodes);
    if (!nodes) continue;
    for (const Named& n : named)
      if (const auto v = r.findMetric(n.metric)) lines[n.label].emplace_back(*nodes, *v);
    table += QString("<tr><td>%1</td><td>%2</td><td>%3</td><td>%4</td><td>%5</td><td>%6</td><td>%7</td></tr>")
                 .arg(*nodes)
                 .arg(r.metricOr(rec::kPredictedAccepted), 0, 'f', 3)
                 .arg(r.metricOr(rec::kMeasuredAccepted), 0, 'f', 3)
                 .arg(r.metricOr(rec::kMcSimPredicted), 0, 'f', 3)
                 .arg(r.metricOr(rec::kMcSimMeasured), 0, 'f', 3)
                 .arg(r.metricOr(rec::kIndependentPredicted), 0, 'f', 3)
                 .arg(r.metricOr(rec::kIndependentMeasured), 0, 'f', 3);
  }
  for (const Named& n : named) {
    const auto it = lines.find(n.label);
    if (it == lines.end()) continue;
    m_depth->addLine(n.label, it->second, n.color, QString(n.label).endsWith("pred.") ? Qt::DashLine : Qt::SolidLine);
  }
  m_depth->setLogAxes(true, false);
  if (!m_records.empty())
    if (const Array* a = m_records.front().findArray(rec::kRankAccuracy); a && a->shape().size() == 2) {
      const auto values = m_records.front().values<double>(rec::kRankAccuracy);
      const auto heads = a->shape()[0], ranks = a->shape()[1];
      for (std::int64_t k = 0; k < heads; ++k) {
        std::vector<QPointF> points;
        for (std::int64_t rank = 0; rank < ranks; ++rank)
          points.emplace_back(static_cast<double>(rank), values[static_cast<std::size_t>(k * ranks + rank)]);
        m_histogram->addLine(QString("head %1").arg(k), points);
      }
    }
  m_text->setHtml(table + "</table>");
  if (!m_records.empty()) {
    const StepRecord& last = m_records.back();
    m_summary = QString("%1 nodes: predicted %2, measured %3 drafts a step (mc_sim_7b_63 cut: %4)")
                    .arg(last.metricOr(rec::kNodes))
                    .arg(last.metricOr(rec::kPredictedAccepted), 0, 'f', 3)
                    .arg(last.metricOr(rec::kMeasuredAccepted), 0, 'f', 3)
                    .arg(last.metricOr(rec::kMcSimMeasured), 0, 'f', 3);
    valuesLine()->setText(m_summary);
  }
}

// A design step's tree: each node's rank; the tree field takes it, so Edit
// tree and Run (specdec.medusa) use it.
void SpecdecPanel::showDesignedTree(const StepRecord& r) {
  TreePaths tree;
  try {
    tree = treeFromSpec(r.text(rec::kDesignedTree));
  } catch (const std::exception&) {
    return;
  }
  m_treeSpec->setText(QString::fromStdString(treeToJson(tree)));
  if (!m_tree) return;
  const TreeLayout b = treeLayout(tree);
  std::vector<TreeNode> nodes;
  for (std::size_t i = 0; i < b.parents.size(); ++i) {
    TreeNode n;
    n.parent = b.parents[i];
    n.label = i == 0 ? QString("root") : QString("rank %1").arg(b.sorted[i - 1].back());
    n.color = QColor(90, 140, 200);
    nodes.push_back(n);
  }
  m_tree->setTree(nodes, {0},
                  QString("designed tree, %1 nodes: predicted %2, measured %3 drafts accepted a step")
                      .arg(tree.size())
                      .arg(r.metricOr(rec::kPredictedAccepted), 0, 'f', 3)
                      .arg(r.metricOr(rec::kMeasuredAccepted), 0, 'f', 3));
}

void SpecdecPanel::clearViews() {
  m_records.clear();
  m_summary.clear();
  m_runKind.clear();
  m_editing = false;
  m_editButtons->setEnabled(false);
  if (m_tree) m_tree->setTree({}, {}, {});
  showRunSummary();
  m_text->clear();
}

void SpecdecPanel::runOpened(const RunInfo& info) {
  // Every step (a compare run is one step per method; its summary needs them all).
  for (std::int64_t s : store()->stepNumbers(run())) m_records.push_back(store()->readStep(run(), s));
  if (!m_records.empty()) setVocabulary(m_records.front());
  m_runKind = info.kind;
  showRunSummary();
  if (info.kind == "specdec.compare" && m_tree) m_tree->setTree({}, {}, "a compare run: one step per method, no trees");
}

void SpecdecPanel::runCompared(const RunInfo& info) {
  // Run B's method lines: every step of a compare run, else its last (the summary).
  const auto stepsOfB = store()->stepNumbers(info.id);
  std::vector<StepRecord> records;
  for (std::size_t i = info.kind == "specdec.compare" ? 0 : stepsOfB.size() - std::min<std::size_t>(stepsOfB.size(), 1);
       i < stepsOfB.size(); ++i)
    records.push_back(store()->readStep(info.id, stepsOfB[i]));
  addMethodLines(records, info.kind, "B ", Qt::DashLine);
}

void SpecdecPanel::setVocabulary(const StepRecord& first) {
  m_words.clear();
  // One word a line, every line a token (a piece's text may be empty).
  for (const QString& w : text(first, rec::kVocabulary).split(rec::kVocabularySeparator)) m_words.push_back(w);
  m_subword = first.metricOr(rec::kSubwordVocabulary) > 0.5;
}

// A live step's tree is drawn as it comes; the shell reopens the stored run
// when it ends, for the summary and the text.
void SpecdecPanel::showRunSummary() {
  if (m_runKind == "specdec.train_heads" && store()) {
    showTrainingCurves(loadMetricSeries(*store(), run()));
    m_text->clear();
    return;
  }
  if (m_runKind == "specdec.design_tree") {
    showDesignSummary();
    return;
  }
  m_depth->setLogAxes(false, false);
  m_histogram->clear();
  m_depth->clear();
  m_depth->setTitles("acceptance by depth", "draft depth", "P(kept | parent kept)");
  m_histogram->setTitles("drafts kept per step", "drafts kept", "steps");
  if (m_records.empty()) return;
  addMethodLines(m_records, m_runKind, "", Qt::SolidLine);
  // The text: the prompt, then each step's tokens — accepted drafts on green,
  // the target's own token (root, correction or bonus) plain.
  QString html = m_subword ? "<p style='white-space:pre-wrap'>" : "<p style='font-family:monospace'>";
  auto word = [&](std::int64_t id) {
    return id >= 0 && id < static_cast<std::int64_t>(m_words.size())
               ? m_words[static_cast<std::size_t>(id)].toHtmlEscaped()
               : QString::number(id);
  };
  const QString gap = m_subword ? "" : " ";  // subword pieces carry their own spaces
  if (m_runKind == "specdec.compare") {
    // Each method's text (its first repeat): the same under greedy acceptance, not under sampling.
    QString prompt;
    for (std::int64_t id : m_records.front().values<std::int64_t>(rec::kPromptTokens)) prompt += word(id) + gap;
    for (const StepRecord& r : m_records) {
      html += "<b>" + text(r, rec::kMethodName).toHtmlEscaped() + "</b>: <i>" + prompt + "</i>";
      for (std::int64_t id : r.values<std::int64_t>(rec::kTokens)) html += word(id) + gap;
      html += "<br>";
    }
    m_text->setHtml(html + "</p>");
    return;
  }
  for (std::int64_t id : m_records.front().values<std::int64_t>(rec::kPromptTokens))
    html += "<b>" + word(id) + "</b>" + gap;
  for (const StepRecord& r : m_records) {
    const auto emitted = r.values<std::int64_t>(rec::kEmittedTokens);
    const auto accepted = static_cast<std::size_t>(r.metricOr(rec::kAccepted));
    const bool tree = r.findArray(rec::kNodeToken) != nullptr;
    for (std::size_t i = 0; i < emitted.size(); ++i) {
      const bool draft = tree ? (i >= 1 && i <= accepted) : i < accepted;
      html += draft ? "<span style='background:#b8e6b8'>" + word(emitted[i]) + "</span>" + gap : word(emitted[i]) + gap;
    }
  }
  m_text->setHtml(html + "</p>");
}

// One acceptance-by-depth line per method (a compare run's steps, else the
// summary on a run's last step) and their tokens per call.
void SpecdecPanel::addMethodLines(const std::vector<StepRecord>& records, const std::string& kind,
                                  const QString& prefix, Qt::PenStyle style) {
  QStringList values;
  static const QColor palette[] = {QColor(31, 119, 180),  QColor(255, 127, 14),  QColor(44, 160, 44),
                                   QColor(214, 39, 40),   QColor(148, 103, 189), QColor(140, 86, 75),
                                   QColor(227, 119, 194), QColor(127, 127, 127)};
  std::size_t method = 0;
  auto add = [&](const StepRecord& r, const QString& name) {
    const QColor color = palette[method++ % std::size(palette)];
    auto line = [&](const char* array, const QString& label, Qt::PenStyle pen) {
      std::vector<QPointF> points;
      const auto depth = r.values<double>(array);
      for (std::size_t d = 0; d < depth.size(); ++d)
        if (!std::isnan(depth[d])) points.emplace_back(static_cast<double>(d + 1), depth[d]);
      if (!points.empty()) m_depth->addLine(label, points, color, pen);
    };
    line(rec::kAcceptanceByDepth, prefix + name, style);
    // The 95 % band over prompts (compare runs of several repeats).
    line(rec::kAcceptanceByDepthLow, prefix + name + " 95 % band", Qt::DotLine);
    line(rec::kAcceptanceByDepthHigh, prefix + name + " 95 % band ", Qt::DotLine);
    QString v = QString("%1%2: %3 tokens/call").arg(prefix, name).arg(r.metricOr(rec::kTokensPerStep), 0, 'f', 2);
    if (const auto measured = r.findMetric(rec::kSpeedupMeasured))
      v += QString(", %1 tokens/s, ×%2 measured")
               .arg(r.metricOr(rec::kTokensPerSecond), 0, 'f', 0)
               .arg(*measured, 0, 'f', 2);
    else
      v += QString(", ×%1 est. speed-up").arg(r.metricOr(rec::kSpeedupEstimate), 0, 'f', 2);
    values << v;
    if (prefix.isEmpty()) {  // run A's drafts-kept histogram (a compare run: its last method's)
      const auto h = r.values<double>(rec::kAcceptedHistogram);
      m_histogram->clear();
      m_histogram->setTitles("drafts kept per step: " + name, "drafts kept", "steps");
      std::vector<double> edges;
      for (std::size_t i = 0; i <= h.size(); ++i) edges.push_back(static_cast<double>(i) - 0.5);
      if (!h.empty()) m_histogram->setHistogram(name, edges, h);
    }
  };
  if (kind == "specdec.compare") {
    for (const StepRecord& r : records) add(r, text(r, rec::kMethodName));
  } else if (!records.empty()) {
    add(records.back(), QString::fromStdString(kind.substr(kind.find('.') + 1)));
  }
  m_summary = (m_summary.isEmpty() || prefix.isEmpty() ? QString() : m_summary + " · ") + values.join(" · ");
  valuesLine()->setText(m_summary);
}

void SpecdecPanel::showStep(const StepRecord& r, const StepRecord*) {
  m_editing = false;
  m_editButtons->setEnabled(false);
  if (r.findArray(rec::kDesignedTree)) {
    showDesignedTree(r);
    return;
  }
  if (r.findMetric(rec::lossOfHead(0))) {
    if (m_tree)
      m_tree->setTree({}, {},
                      QString("training heads: step %1, head 0 loss %2")
                          .arg(r.step)
                          .arg(r.metricOr(rec::lossOfHead(0)), 0, 'f', 3));
    return;
  }
  if (r.findArray(rec::kVocabulary)) setVocabulary(r);
  if (!m_tree) return;
  const auto token = r.values<std::int64_t>(rec::kNodeToken), parent = r.values<std::int64_t>(rec::kNodeParent),
             path = r.values<std::int64_t>(rec::kAcceptedNodes);
  const auto prob = r.values<double>(rec::kNodeProbability);
  std::vector<TreeNode> nodes;
  std::vector<int> highlighted(path.begin(), path.end());
  std::vector<bool> onPath(token.size(), false);
  for (auto n : path) onPath[static_cast<std::size_t>(n)] = true;
  for (std::size_t i = 0; i < token.size(); ++i) {
    TreeNode n;
    n.parent = static_cast<int>(parent[i]);
    const QString w = token[i] < static_cast<std::int64_t>(m_words.size()) ? m_words[static_cast<std::size_t>(token[i])]
                                                                           : QString::number(token[i]);
    n.label = QString("%1 %2").arg(w).arg(prob.size() > i ? prob[i] : 0.0, 0, 'g', 2);
    n.color = onPath[i] ? QColor(60, 170, 80) : QColor(150, 150, 150);
    nodes.push_back(n);
  }
  if (nodes.empty()) {  // a chain run: drafts are not recorded as a tree
    m_tree->setTree({}, {},
                    QString("step %1: %2 of %3 drafts kept")
                        .arg(r.step)
                        .arg(r.metricOr(rec::kAccepted))
                        .arg(r.metricOr(rec::kDrafted)));
    return;
  }
  m_tree->setTree(
      nodes, highlighted,
      QString("step %1: %2 of depth %3 accepted").arg(r.step).arg(path.size() - 1).arg(r.metricOr(rec::kDrafted)));
}

std::vector<PanelFigure> SpecdecPanel::figures() {
  return {{"tree", "Candidate tree of the shown step", m_treeHolder},
          {"accepted-lengths", "Drafts kept per step", m_histogram},
          {"acceptance-by-depth", "Acceptance by depth", m_depth},
          {"text", "Generated text, accepted drafts highlighted", m_text}};
}

}  // namespace loupe
