// The sink that writes a run's records into the store, batching steps into
// transactions: it commits when `commitInterval` has passed since the last
// commit or `maxPendingBytes` are waiting, and always at the end. A killed
// process therefore loses at most the last batch, never a committed step.
//
// Runs on the runner's worker thread; owns nothing but a reference to a Store
// used by no other thread meanwhile.
#pragma once

#include <cstdint>

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

  void runStarted() override;
  void stepRecorded(const StepRecord& record) override;
  void runEnded(RunStatus status, const std::string& error) override;

  std::int64_t runId() const { return m_runId; }

 private:
  Store& m_store;
  std::int64_t m_runId;
  RecorderOptions m_options;
  Stopwatch m_sinceCommit;
};

}  // namespace loupe
