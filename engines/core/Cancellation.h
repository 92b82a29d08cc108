// Cooperative cancellation that reaches inside engines. A run's worker thread
// installs its cancel flag (ScopedCancelFlag); ThreadPool::parallelFor hands
// the caller's flag to its workers, and every chunk polls it before it starts;
// engines' long serial loops (a reference's rows, a decoding loop) call
// pollCancel() themselves. A set flag makes pollCancel() throw
// OperationCancelled, which the runner records as a cancelled run. Without an
// installed flag polling is a null check: engines called from tests or
// benchmarks are unaffected.
//
// Why: Stop / Ctrl-C were polled only between a kind's steps, so a large
// attention.tiles (its float64 reference), attention.scaling or
// specdec.medusa ignored them for 30 s.
#pragma once

#include <atomic>
#include <stdexcept>

namespace loupe {

struct OperationCancelled : std::runtime_error {
  OperationCancelled() : std::runtime_error("cancelled") {}
};

// The flag installed on this thread (nullptr: none).
const std::atomic<bool>* currentCancelFlag();

// Installs `flag` on this thread for its lifetime (restoring the previous one).
class ScopedCancelFlag {
 public:
  explicit ScopedCancelFlag(const std::atomic<bool>* flag);
  ~ScopedCancelFlag();
  ScopedCancelFlag(const ScopedCancelFlag&) = delete;
  ScopedCancelFlag& operator=(const ScopedCancelFlag&) = delete;

 private:
  const std::atomic<bool>* m_previous;
};

// Throws OperationCancelled when this thread's flag is set.
inline void pollCancel() {
  const std::atomic<bool>* flag = currentCancelFlag();
  if (flag && flag->load(std::memory_order_relaxed)) throw OperationCancelled();
}

}  // namespace loupe
