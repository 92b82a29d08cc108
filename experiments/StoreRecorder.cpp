#include "experiments/StoreRecorder.h"

namespace loupe {

void StoreRecorder::runStarted() {
  m_store.setRunStatus(m_runId, RunStatus::Running);
  m_sinceCommit.restart();
}

void StoreRecorder::stepRecorded(const StepRecord& record) {
  m_store.appendStep(m_runId, record);
  if (m_sinceCommit.seconds() >= m_options.commitIntervalSeconds ||
      m_store.pendingBytes() >= m_options.maxPendingBytes) {
    m_store.commit();
    m_sinceCommit.restart();
  }
}

void StoreRecorder::runEnded(RunStatus status, const std::string& error) {
  m_store.commit();
  m_store.setRunStatus(m_runId, status, error);
}

}  // namespace loupe
