// Runs a recipe for the window: its own Store connection and a Runner on a
// worker thread; records are copied and posted to the GUI thread (queued),
// progress is polled from the runner's atomics. The GUI thread never waits
// on the engine: stop() only requests cancellation.
//
// Threading: create and call on the GUI thread; signals arrive there.
#pragma once

#include <QObject>
#include <QString>
#include <filesystem>
#include <memory>

#include "experiments/KindRegistry.h"
#include "experiments/Records.h"
#include "experiments/Store.h"

class QTimer;

namespace loupe {

class Runner;
class StoreRecorder;

class RunController : public QObject {
  Q_OBJECT

 public:
  explicit RunController(QObject* parent = nullptr);
  ~RunController() override;

  bool busy() const { return static_cast<bool>(m_runner); }
  // Throws InputError (device, database) before anything starts.
  std::int64_t start(const EngineKind& kind, const Recipe& recipe, const std::filesystem::path& database);
  void stop();

 signals:
  void started(const loupe::RunInfo& run);
  void recordArrived(const loupe::StepRecord& record);
  void progressChanged(double fraction, const QString& message);
  void finished(std::int64_t run, loupe::RunStatus status, const QString& error);

 private:
  void poll();

  class Forwarder;
  std::unique_ptr<Store> m_store;
  std::unique_ptr<StoreRecorder> m_recorder;
  std::unique_ptr<Forwarder> m_forwarder;
  std::unique_ptr<Runner> m_runner;
  std::int64_t m_run = 0;
  QTimer* m_timer;
};

}  // namespace loupe
