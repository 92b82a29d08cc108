#include "panels/RunPanel.h"

#include <QLabel>
#include <QTimer>
#include <algorithm>

#include "panels/MetricSeries.h"
#include "viewers/GlProbe.h"
#include "viewers/TimelineScrubber.h"

namespace loupe {

RunPanel::RunPanel(QWidget* parent, const QString& emptyHint) : Panel(parent) {
  m_header = new QLabel(emptyHint, this);
  m_header->setObjectName("panelHeader");
  m_header->setWordWrap(true);
  m_values = new QLabel(this);
  m_values->setObjectName("stepValues");
  m_values->setWordWrap(true);
  m_scrubber = new TimelineScrubber(this);
  connect(m_scrubber, &TimelineScrubber::positionChanged, this, &RunPanel::showPosition);
  auto* liveTimer = new QTimer(this);
  connect(liveTimer, &QTimer::timeout, this, [this] {
    if (!m_liveDirty) return;
    m_liveDirty = false;
    liveRefresh();
    showLive();
  });
  liveTimer->start(100);
}

QString RunPanel::runHeaderText(const RunInfo& info) const {
  return runHeader(info);
}

void RunPanel::openRun(Store& store, std::int64_t run) {
  // A stored run replaces any live view: a record still waiting for the
  // live timer must not overwrite the step shown from the store.
  m_liveDirty = false;
  m_live = {};
  m_haveLive = false;
  m_store = &store;
  m_run = run;
  m_runB = 0;
  m_stepsB.clear();
  m_shownStep.reset();
  m_values->clear();
  const RunInfo info = store.getRun(run);
  m_walks = walksSteps(info);
  m_steps = m_walks ? store.stepNumbers(run) : std::vector<std::int64_t>{};
  m_scrubber->setSteps(m_steps);
  m_header->setText(runHeaderText(info));
  clearViews();
  runOpened(info);
  if (!m_steps.empty()) showPosition(std::clamp(firstPosition(), 0, static_cast<int>(m_steps.size()) - 1));
}

void RunPanel::compareRuns(Store& store, std::int64_t runA, std::int64_t runB) {
  openRun(store, runA);
  m_runB = runB;
  const RunInfo b = store.getRun(runB);
  m_stepsB = m_walks ? store.stepNumbers(runB) : std::vector<std::int64_t>{};
  m_header->setText(m_header->text() + QString(" · compared with run %1 (B, dashed)").arg(runB));
  runCompared(b);
  if (!m_steps.empty()) showIndex(m_scrubber->position());
}

void RunPanel::showPosition(int index) {
  if (!m_store || index < 0 || index >= static_cast<int>(m_steps.size())) return;
  if (m_scrubber->position() != index) {
    m_scrubber->setPosition(index);  // comes back here through positionChanged
    return;
  }
  showIndex(index);
}

void RunPanel::showIndex(int index) {
  const StepRecord a = m_store->readStep(m_run, m_steps[static_cast<std::size_t>(index)]);
  m_shownStep = a.step;
  if (m_runB && index < static_cast<int>(m_stepsB.size())) {
    const StepRecord b = m_store->readStep(m_runB, m_stepsB[static_cast<std::size_t>(index)]);
    showStep(a, &b);
  } else {
    showStep(a, nullptr);
  }
  showValues(a);
}

void RunPanel::liveStarted(const RunInfo& run) {
  m_store = nullptr;
  m_run = run.id;
  m_runB = 0;
  m_steps.clear();
  m_stepsB.clear();
  m_shownStep.reset();
  // A run that fails before its first step must show nothing, not the
  // previous run's last record.
  m_live = {};
  m_haveLive = false;
  m_liveDirty = false;
  m_walks = walksSteps(run);
  m_scrubber->setSteps({});
  m_values->clear();
  m_header->setText(
      QString("<b>run %1</b> · “%2” · <i>live</i>").arg(run.id).arg(QString::fromStdString(run.name).toHtmlEscaped()));
  clearViews();
  liveBegan(run);
}

void RunPanel::liveRecord(const StepRecord& record) {
  liveStep(record);
  m_live = record;
  m_haveLive = true;
  m_liveDirty = true;
}

void RunPanel::liveEnded(RunStatus status) {
  m_liveDirty = false;
  markLiveEnded(m_header, status);
  liveFinished(status);
  liveRefresh();
  showLive();
}

void RunPanel::showLive() {
  if (!m_haveLive) return;  // nothing arrived
  m_shownStep = m_live.step;
  showStep(m_live, nullptr);
  showValues(m_live);
}

void RunPanel::showValues(const StepRecord& record) {
  m_values->setText(valuesText(record));
}

QString RunPanel::valuesText(const StepRecord& record) const {
  QStringList values;
  for (const auto& [name, v] : record.metrics)
    values << QString("%1 = %2").arg(QString::fromStdString(name)).arg(v, 0, 'g', 5);
  return QString("<b>step %1</b>: ").arg(record.step) + values.join(", ");
}

QWidget* RunPanel::glViewOrPlaceholder(QWidget* parent, const QString& what,
                                       const std::function<QWidget*(QWidget*)>& make) {
  if (probeOpenGl().usable) return make(parent);
  auto* placeholder = new QLabel(what + " needs OpenGL 3.2: " + probeOpenGl().description, parent);
  placeholder->setWordWrap(true);
  return placeholder;
}

}  // namespace loupe
