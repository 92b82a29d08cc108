// A fixed set of worker threads for data-parallel loops inside engines.
//
// parallelFor() splits [begin, end) into chunks of at least `grain` indices,
// runs them on the workers *and* the calling thread, and returns when all are
// done. The first exception thrown by a chunk is rethrown in the caller after
// every chunk has finished. Calls from several threads at once are safe; a
// parallelFor nested inside a chunk runs inline (no deadlock, no oversubscription).
//
// Why not std::execution::par: libstdc++ needs TBB for it, which is one more
// dependency for what is ~100 lines here.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace loupe {

class ThreadPool {
 public:
  // workers < 0: one per hardware thread, minus the caller's; 0: none, the
  // caller does all the work (what LOUPE_THREADS=1 gives shared()).
  explicit ThreadPool(int workers = -1);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // Threads that take part in a parallelFor (workers + the caller).
  unsigned concurrency() const { return static_cast<unsigned>(m_workers.size()) + 1; }

  void parallelFor(std::int64_t begin, std::int64_t end, std::int64_t grain,
                   const std::function<void(std::int64_t, std::int64_t)>& body);

  // The process-wide pool engines use unless given one.
  static ThreadPool& shared();

 private:
  void workerLoop();

  std::vector<std::thread> m_workers;
  std::deque<std::function<void()>> m_tasks;
  std::mutex m_mutex;
  std::condition_variable m_wake;
  bool m_stopping = false;
};

}  // namespace loupe
