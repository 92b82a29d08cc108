#include "engines/core/ThreadPool.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <exception>
#include <memory>

#include "engines/core/Cancellation.h"

namespace loupe {

namespace {
thread_local bool t_insideParallelFor = false;
}

ThreadPool::ThreadPool(int workers) {
  const unsigned threads =
      workers < 0 ? std::max(1u, std::thread::hardware_concurrency()) - 1 : static_cast<unsigned>(workers);
  m_workers.reserve(threads);
  for (unsigned i = 0; i < threads; ++i) m_workers.emplace_back([this] { workerLoop(); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard lock(m_mutex);
    m_stopping = true;
  }
  m_wake.notify_all();
  for (auto& t : m_workers) t.join();
}

void ThreadPool::workerLoop() {
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock lock(m_mutex);
      m_wake.wait(lock, [this] { return m_stopping || !m_tasks.empty(); });
      if (m_tasks.empty()) return;  // stopping and drained
      task = std::move(m_tasks.front());
      m_tasks.pop_front();
    }
    task();
  }
}

void ThreadPool::parallelFor(std::int64_t begin, std::int64_t end, std::int64_t grain,
                             const std::function<void(std::int64_t, std::int64_t)>& body) {
  if (end <= begin) return;
  grain = std::max<std::int64_t>(1, grain);
  const std::int64_t n = end - begin;
  const std::int64_t maxChunks = static_cast<std::int64_t>(concurrency()) * 4;
  const std::int64_t chunks = std::clamp<std::int64_t>(n / grain, 1, maxChunks);
  // Inside a run, the caller's cancel flag (Cancellation.h) travels to every
  // chunk, and a chunk runs as up to 16 pieces with a poll before each, so
  // Stop is seen within a sixteenth of a chunk, not after the whole loop.
  const std::atomic<bool>* cancel = currentCancelFlag();
  auto run = [cancel, grain](std::int64_t lo, std::int64_t hi,
                             const std::function<void(std::int64_t, std::int64_t)>& f) {
    if (!cancel) {
      f(lo, hi);
      return;
    }
    const ScopedCancelFlag installed(cancel);
    const std::int64_t piece = std::max(grain, (hi - lo + 15) / 16);
    for (std::int64_t x = lo; x < hi; x += piece) {
      pollCancel();
      f(x, std::min(hi, x + piece));
    }
  };
  if (chunks == 1 || m_workers.empty() || t_insideParallelFor) {
    run(begin, end, body);
    return;
  }

  // Shared state outlives this call only until `remaining` reaches zero, which
  // we wait for below, so plain references would do; shared_ptr keeps helper
  // tasks that start late from touching a dead frame.
  struct State {
    std::atomic<std::int64_t> next{0};
    std::int64_t remaining;
    std::exception_ptr error;
    std::mutex mutex;
    std::condition_variable done;
  };
  auto state = std::make_shared<State>();
  state->remaining = chunks;
  const std::int64_t chunkSize = (n + chunks - 1) / chunks;

  auto drain = [state, begin, end, chunkSize, chunks, &body, run] {
    const bool wasInside = t_insideParallelFor;
    t_insideParallelFor = true;
    for (;;) {
      const std::int64_t c = state->next.fetch_add(1);
      if (c >= chunks) break;
      const std::int64_t lo = begin + c * chunkSize;
      const std::int64_t hi = std::min(end, lo + chunkSize);
      try {
        if (lo < hi) run(lo, hi, body);
      } catch (...) {
        std::lock_guard lock(state->mutex);
        if (!state->error) state->error = std::current_exception();
      }
      std::lock_guard lock(state->mutex);
      if (--state->remaining == 0) state->done.notify_all();
    }
    t_insideParallelFor = wasInside;
  };

  const std::size_t helpers = std::min<std::size_t>(m_workers.size(), static_cast<std::size_t>(chunks - 1));
  {
    std::lock_guard lock(m_mutex);
    for (std::size_t i = 0; i < helpers; ++i) m_tasks.emplace_back(drain);
  }
  m_wake.notify_all();
  drain();

  std::unique_lock lock(state->mutex);
  state->done.wait(lock, [&] { return state->remaining == 0; });
  if (state->error) std::rethrow_exception(state->error);
}

ThreadPool& ThreadPool::shared() {
  // LOUPE_THREADS=N caps the threads engines use (N − 1 workers + the caller),
  // e.g. to measure single-core throughput; unset: one per hardware thread.
  static ThreadPool pool([] {
    const char* env = std::getenv("LOUPE_THREADS");
    const int n = env ? std::atoi(env) : 0;
    return n >= 1 ? n - 1 : -1;
  }());
  return pool;
}

}  // namespace loupe
