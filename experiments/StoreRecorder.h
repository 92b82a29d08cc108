// The sink that writes a run's records into the store, batching steps into
// transactions: it commits when `commitInterval` has passed since the last
// commit or `maxPendingBytes` are waiting, and always at the end. A killed
// process therefore loses at most the last batch, never a committed step.
//
// No transaction spans an engine's computation: a flusher thread commits
// whatever waits once `commitInterval` has passed, so a step that computes
// for 20 s after the last record does not hold the store's write lock —
// other processes (`loupe list`, `rm`, a second run) wait at most one
// interval, never the step.
//
// Runs on the runner's worker thread, plus its own flusher; both reach the
// Store under one mutex, and no other thread may use that Store meanwhile.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include "engines/core/Timer.h"
#include "experiments/Records.h"
#include "experiments/Store.h"

namespace loupe {

struct RecorderOptions {
  double commitIntervalSeconds = 0.25;
  std::size_t maxPendingBytes = 4u << 20;
};

class StoreRecorder : public RecordSink {
 public:
  StoreRecorder(Store& store, std::int64_t runId, RecorderOptions options = {})
      : m_store(store), m_runId(runId), m_options(options) {}
  ~StoreRecorder() override;
  StoreRecorder(const StoreRecorder&) = delete;
  StoreRecorder& operator=(const StoreRecorder&) = delete;

  void runStarted() override;
  void stepRecorded(const StepRecord& record) override;
  void runEnded(RunStatus status, const std::string& error) override;

  std::int64_t runId() const { return m_runId; }

 private:
  Store& m_store;
  std::int64_t m_runId;
  RecorderOptions m_options;
  Stopwatch m_sinceCommit;

  void stopFlusher();
  std::mutex m_mutex;  // guards the Store and the fields below
  std::condition_variable m_wake;
  bool m_pending = false;  // appended steps not yet committed
  bool m_stop = false;
  std::thread m_flusher;
};

}  // namespace loupe
