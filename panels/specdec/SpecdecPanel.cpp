#include "panels/specdec/SpecdecPanel.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSplitter>
#include <QTextBrowser>
#include <QVBoxLayout>
#include <nlohmann/json.hpp>

#include "panels/Controls.h"
#include "panels/MetricSeries.h"
#include "viewers/ChartView.h"
#include "viewers/GlProbe.h"
#include "viewers/TimelineScrubber.h"
#include "viewers/TreeGraphView.h"

namespace loupe {

namespace {

QString text(const StepRecord& r, const std::string& name) {
  return QString::fromStdString(r.text(name));
}

}  // namespace

SpecdecPanel::SpecdecPanel(QWidget* parent) : Panel(parent) {
  auto* layout = new QVBoxLayout(this);
  auto* controls = new QHBoxLayout();
  m_kind = choiceBox(this, {"specdec.medusa", "specdec.sample", "specdec.compare"}, "what to run");
  m_treeSpec = new QLineEdit("mc_sim_7b_63", this);
  m_treeSpec->setObjectName("specdecTree");
  m_treeSpec->setToolTip("Medusa tree: a name from medusa_choices.json, chain:N, or a JSON choice list");
  auto* run = new QPushButton("Run", this);
  run->setObjectName("specdecRun");
  for (QWidget* w : std::initializer_list<QWidget*>{m_kind, new QLabel("tree:", this), m_treeSpec, run})
    controls->addWidget(w);
  controls->addStretch(1);
  layout->addLayout(controls);
  m_header = new QLabel("Run a specdec.* recipe, or open one from the experiment browser.", this);
  m_header->setObjectName("panelHeader");
  layout->addWidget(m_header);
  m_scrubber = new TimelineScrubber(this);
  layout->addWidget(m_scrubber);

  auto* split = new QSplitter(Qt::Vertical, this);
  auto* top = new QSplitter(Qt::Horizontal, split);
  if (probeOpenGl().usable) {
    m_tree = new TreeGraphView(top);
    m_treeHolder = m_tree;
  } else {
    m_treeHolder = new QLabel("The tree view needs OpenGL 3.2: " + probeOpenGl().description, top);
  }
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
  m_values = new QLabel(this);
  m_values->setObjectName("stepValues");
  m_values->setWordWrap(true);
  layout->addWidget(m_values);

  connect(m_scrubber, &TimelineScrubber::positionChanged, this, &SpecdecPanel::showPosition);
  connect(run, &QPushButton::clicked, this, [this] { emit runRequested(recipeJson()); });
}

QString SpecdecPanel::recipeJson() const {
  nlohmann::json r;
  const std::string kind = m_kind->currentText().toStdString();
  r["kind"] = kind;
  r["name"] = kind + " from the panel";
  r["seed"] = 1;
  r["params"] = nlohmann::json::object();
  if (kind == "specdec.medusa") r["params"]["tree"] = m_treeSpec->text().toStdString();
  if (kind == "specdec.compare")
    r["params"]["methods"] = "target,chain,mtp,medusa:chain:4,medusa:" + m_treeSpec->text().toStdString();
  if (kind != "specdec.sample") r["params"]["acceptance"] = "typical";
  return QString::fromStdString(r.dump());
}

void SpecdecPanel::openRun(Store& store, std::int64_t run) {
  m_store = &store;
  m_run = run;
  m_runB = 0;
  const RunInfo info = store.getRun(run);
  m_header->setText(QString("<b>run %1</b> · “%2” · %3 · %4 steps")
                        .arg(run)
                        .arg(QString::fromStdString(info.name).toHtmlEscaped())
                        .arg(QString::fromStdString(info.kind))
                        .arg(info.stepCount));
  m_records.clear();
  const auto steps = store.stepNumbers(run);
  for (std::int64_t s : steps) m_records.push_back(store.readStep(run, s));
  if (!m_records.empty()) setVocabulary(m_records.front());
  m_runKind = info.kind;
  const bool compare = info.kind == "specdec.compare";
  m_scrubber->setSteps(compare ? std::vector<std::int64_t>{} : steps);
  showRunSummary();
  if (compare && m_tree) m_tree->setTree({}, {}, "a compare run: one step per method, no trees");
  if (!compare && !m_records.empty()) showPosition(0);
}

void SpecdecPanel::compareRuns(Store& store, std::int64_t runA, std::int64_t runB) {
  openRun(store, runA);
  m_runB = runB;
  m_header->setText(m_header->text() + QString(" · compared with run %1 (B, dashed)").arg(runB));
  // Run B's method lines: every step of a compare run, else its last (the summary).
  const RunInfo info = store.getRun(runB);
  const auto steps = store.stepNumbers(runB);
  std::vector<StepRecord> records;
  for (std::size_t i = info.kind == "specdec.compare" ? 0 : steps.size() - std::min<std::size_t>(steps.size(), 1);
       i < steps.size(); ++i)
    records.push_back(store.readStep(runB, steps[i]));
  addMethodLines(records, info.kind, "B ", Qt::DashLine);
}

void SpecdecPanel::liveStarted(const RunInfo& run) {
  m_store = nullptr;
  m_run = run.id;
  m_runB = 0;
  m_records.clear();
  m_scrubber->setSteps({});
  m_header->setText(QString("<b>run %1</b> · <i>live</i>").arg(run.id));
}

void SpecdecPanel::setVocabulary(const StepRecord& first) {
  m_words.clear();
  for (const QString& w : text(first, "vocabulary").split('\n', Qt::SkipEmptyParts)) m_words.push_back(w);
}

// A live step's tree is drawn as it comes; the shell reopens the stored run
// when it ends, for the summary and the text.
void SpecdecPanel::liveRecord(const StepRecord& record) {
  showStep(record);
}

void SpecdecPanel::liveEnded(RunStatus status) {
  markLiveEnded(m_header, status);
}

// Histogram of drafts kept and acceptance by depth from the run's last step
// (or, for compare runs, one line per method), and the generated text.
void SpecdecPanel::showRunSummary() {
  m_histogram->clear();
  m_depth->clear();
  m_depth->setTitles("acceptance by depth", "draft depth", "P(kept | parent kept)");
  m_histogram->setTitles("drafts kept per step", "drafts kept", "steps");
  if (m_records.empty()) return;
  addMethodLines(m_records, m_runKind, "", Qt::SolidLine);
  // The text: the prompt, then each step's tokens — accepted drafts on green,
  // the target's own token (root, correction or bonus) plain.
  QString html = "<p style='font-family:monospace'>";
  auto word = [&](std::int64_t id) {
    return id >= 0 && id < static_cast<std::int64_t>(m_words.size())
               ? m_words[static_cast<std::size_t>(id)].toHtmlEscaped()
               : QString::number(id);
  };
  for (std::int64_t id : m_records.front().values<std::int64_t>("prompt_tokens")) html += "<b>" + word(id) + "</b> ";
  for (const StepRecord& r : m_records) {
    const auto emitted = r.values<std::int64_t>("emitted_tokens");
    const auto accepted = static_cast<std::size_t>(r.metricOr("accepted"));
    const bool tree = r.findArray("node_token") != nullptr;
    for (std::size_t i = 0; i < emitted.size(); ++i) {
      const bool draft = tree ? (i >= 1 && i <= accepted) : i < accepted;
      html += draft ? "<span style='background:#b8e6b8'>" + word(emitted[i]) + "</span> " : word(emitted[i]) + " ";
    }
  }
  m_text->setHtml(html + "</p>");
}

// One acceptance-by-depth line per method (a compare run's steps, else the
// summary on a run's last step) and their tokens per call.
void SpecdecPanel::addMethodLines(const std::vector<StepRecord>& records, const std::string& kind,
                                  const QString& prefix, Qt::PenStyle style) {
  QStringList values;
  auto add = [&](const StepRecord& r, const QString& name) {
    std::vector<QPointF> points;
    const auto depth = r.values<double>("acceptance_by_depth");
    for (std::size_t d = 0; d < depth.size(); ++d) points.emplace_back(static_cast<double>(d + 1), depth[d]);
    if (!points.empty()) m_depth->addLine(prefix + name, points, QColor(), style);
    values << QString("%1%2: %3 tokens/call, ×%4 est. speed-up")
                  .arg(prefix, name)
                  .arg(r.metricOr("tokens_per_step"), 0, 'f', 2)
                  .arg(r.metricOr("speedup_estimate"), 0, 'f', 2);
    if (prefix.isEmpty()) {  // run A's drafts-kept histogram (a compare run: its last method's)
      const auto h = r.values<double>("accepted_histogram");
      m_histogram->clear();
      m_histogram->setTitles("drafts kept per step: " + name, "drafts kept", "steps");
      std::vector<double> edges;
      for (std::size_t i = 0; i <= h.size(); ++i) edges.push_back(static_cast<double>(i) - 0.5);
      if (!h.empty()) m_histogram->setHistogram(name, edges, h);
    }
  };
  if (kind == "specdec.compare") {
    for (const StepRecord& r : records) add(r, text(r, "method_name"));
  } else if (!records.empty()) {
    add(records.back(), QString::fromStdString(kind.substr(kind.find('.') + 1)));
  }
  m_values->setText((m_values->text().isEmpty() || prefix.isEmpty() ? QString() : m_values->text() + " · ") +
                    values.join(" · "));
}

void SpecdecPanel::showPosition(int index) {
  if (index < 0 || index >= static_cast<int>(m_records.size())) return;
  if (m_scrubber->position() != index) {
    m_scrubber->setPosition(index);
    return;
  }
  showStep(m_records[static_cast<std::size_t>(index)]);
}

// The step's candidate tree: accepted path highlighted, the rest greyed,
// each node's token and the target's probability of it.
void SpecdecPanel::showStep(const StepRecord& r) {
  if (r.findArray("vocabulary")) setVocabulary(r);
  if (!m_tree) return;
  const auto token = r.values<std::int64_t>("node_token"), parent = r.values<std::int64_t>("node_parent"),
             path = r.values<std::int64_t>("accepted_nodes");
  const auto prob = r.values<double>("node_probability");
  std::vector<TreeNode> nodes;
  std::vector<int> highlighted(path.begin(), path.end());
  std::vector<bool> onPath(token.size(), false);
  for (auto n : path) onPath[static_cast<std::size_t>(n)] = true;
  for (std::size_t i = 0; i < token.size(); ++i) {
    TreeNode n;
    n.parent = static_cast<int>(parent[i]);
    const QString w = token[i] < static_cast<std::int64_t>(m_words.size()) ? m_words[static_cast<std::size_t>(token[i])]
                                                                           : QString::number(token[i]);
    n.label = QString("%1 %2").arg(w).arg(prob.size() > i ? prob[i] : 0.0, 0, 'f', 2);
    n.color = onPath[i] ? QColor(60, 170, 80) : QColor(150, 150, 150);
    nodes.push_back(n);
  }
  if (nodes.empty()) {  // a chain run: drafts are not recorded as a tree
    m_tree->setTree(
        {}, {},
        QString("step %1: %2 of %3 drafts kept").arg(r.step).arg(r.metricOr("accepted")).arg(r.metricOr("drafted")));
    return;
  }
  m_tree->setTree(
      nodes, highlighted,
      QString("step %1: %2 of depth %3 accepted").arg(r.step).arg(path.size() - 1).arg(r.metricOr("drafted")));
}

std::vector<PanelFigure> SpecdecPanel::figures() {
  return {{"tree", "Candidate tree of the shown step", m_treeHolder},
          {"accepted-lengths", "Drafts kept per step", m_histogram},
          {"acceptance-by-depth", "Acceptance by depth", m_depth},
          {"text", "Generated text, accepted drafts highlighted", m_text}};
}

}  // namespace loupe
