#include "experiments/StoreRecorder.h"

#include <chrono>

namespace loupe {

StoreRecorder::~StoreRecorder() {
  stopFlusher();
}

void StoreRecorder::runStarted() {
  std::lock_guard lock(m_mutex);
  m_store.setRunStatus(m_runId, RunStatus::Running);
  m_sinceCommit.restart();
  m_stop = false;
  if (!m_flusher.joinable()) {
    m_flusher = std::thread([this] {
      const auto interval = std::chrono::duration<double>(m_options.commitIntervalSeconds);
      std::unique_lock lock(m_mutex);
      while (!m_stop) {
        m_wake.wait_for(lock, interval);
        if (m_stop) break;
        // Steps that waited a whole interval: the engine is computing; commit
        // so the write lock is not held across its work.
        if (m_pending && m_sinceCommit.seconds() >= m_options.commitIntervalSeconds) {
          try {
            m_store.commit();
          } catch (...) {
            // The worker's next append or the end of the run commits again and reports.
          }
          m_pending = false;
          m_sinceCommit.restart();
        }
      }
    });
  }
}

void StoreRecorder::stepRecorded(const StepRecord& record) {
  std::lock_guard lock(m_mutex);
  m_store.appendStep(m_runId, record);
  m_pending = true;
  if (m_sinceCommit.seconds() >= m_options.commitIntervalSeconds ||
      m_store.pendingBytes() >= m_options.maxPendingBytes) {
    m_store.commit();
    m_pending = false;
    m_sinceCommit.restart();
  }
}

void StoreRecorder::runEnded(RunStatus status, const std::string& error) {
  stopFlusher();
  std::lock_guard lock(m_mutex);
  m_store.commit();
  m_pending = false;
  m_store.setRunStatus(m_runId, status, error);
}

void StoreRecorder::stopFlusher() {
  {
    std::lock_guard lock(m_mutex);
    m_stop = true;
  }
  m_wake.notify_all();
  if (m_flusher.joinable()) m_flusher.join();
}

}  // namespace loupe
