#include "app/workbench/RunController.h"

#include <QMetaObject>
#include <QPointer>
#include <QTimer>
#include <atomic>
#include <memory>

#include "engines/core/Device.h"
#include "experiments/Runner.h"
#include "experiments/StoreRecorder.h"

namespace loupe {

// A sink on the worker thread that posts copies of records to the GUI thread.
// At most a few records wait for the GUI: if it falls behind a fast engine,
// the live view skips frames (the recorder still stores every one) instead of
// queueing megabytes per frame without bound.
class RunController::Forwarder : public RecordSink {
 public:
  explicit Forwarder(RunController* target) : m_target(target), m_pending(std::make_shared<std::atomic<int>>(0)) {}
  void stepRecorded(const StepRecord& record) override {
    if (m_pending->load() >= 4) return;
    m_pending->fetch_add(1);
    QMetaObject::invokeMethod(
        m_target.data(),
        [target = m_target, record, pending = m_pending] {
          pending->fetch_sub(1);
          if (target) emit target->recordArrived(record);
        },
        Qt::QueuedConnection);
  }

 private:
  QPointer<RunController> m_target;
  std::shared_ptr<std::atomic<int>> m_pending;
};

RunController::RunController(QObject* parent) : QObject(parent), m_timer(new QTimer(this)) {
  m_timer->setInterval(100);
  connect(m_timer, &QTimer::timeout, this, &RunController::poll);
}

RunController::~RunController() {
  if (m_runner) {
    m_runner->cancel();
    m_runner->wait();
  }
}

std::int64_t RunController::start(const EngineKind& kind, const Recipe& recipe, const std::filesystem::path& database) {
  if (busy()) throw std::logic_error("a run is already in progress");
  const DeviceKind device = resolveDevice(recipe.device, kind.supportsCuda, "device");
  m_store = std::make_unique<Store>(database);
  m_run = m_store->createRun(recipe, kind.version, std::string(deviceKindName(device)));
  try {
    m_recorder = std::make_unique<StoreRecorder>(*m_store, m_run);
  } catch (const std::exception& e) {
    m_store->setRunStatus(m_run, RunStatus::Failed, e.what());  // never left "created"
    m_store.reset();
    throw;
  }
  m_forwarder = std::make_unique<Forwarder>(this);
  m_runner =
      std::make_unique<Runner>(kind, recipe, device, std::vector<RecordSink*>{m_recorder.get(), m_forwarder.get()});
  RunInfo info = m_store->getRun(m_run);
  info.status = RunStatus::Running;
  emit started(info);
  m_runner->start();
  m_timer->start();
  return m_run;
}

void RunController::stop() {
  if (m_runner) m_runner->cancel();
}

void RunController::poll() {
  if (!m_runner) return;
  const RunProgress p = m_runner->progress();
  emit progressChanged(p.fraction, QString::fromStdString(p.message));
  if (!m_runner->finished()) return;
  const RunStatus status = m_runner->wait();  // already finished: joins at once
  const QString error = QString::fromStdString(m_runner->error());
  m_timer->stop();
  m_runner.reset();
  m_forwarder.reset();
  m_recorder.reset();
  m_store.reset();
  // Queued, so it arrives after every record the worker posted before ending.
  QMetaObject::invokeMethod(
      this, [this, run = m_run, status, error] { emit finished(run, status, error); }, Qt::QueuedConnection);
}

}  // namespace loupe
