#include <gtest/gtest.h>

#include <atomic>
#include <vector>

#include "engines/core/ThreadPool.h"

namespace loupe {
namespace {

TEST(ThreadPool, ParallelForCoversEachIndexExactlyOnce) {
  ThreadPool pool(3);
  for (std::int64_t n : {0, 1, 7, 1000, 100003}) {
    std::vector<std::atomic<int>> hits(static_cast<std::size_t>(n));
    pool.parallelFor(0, n, 16, [&](std::int64_t lo, std::int64_t hi) {
      for (std::int64_t i = lo; i < hi; ++i) hits[static_cast<std::size_t>(i)]++;
    });
    for (std::int64_t i = 0; i < n; ++i)
      ASSERT_EQ(hits[static_cast<std::size_t>(i)].load(), 1) << "n=" << n << " i=" << i;
  }
}

TEST(ThreadPool, SumMatchesClosedForm) {
  ThreadPool pool(2);
  const std::int64_t n = 1 << 20;
  std::atomic<std::int64_t> sum{0};
  pool.parallelFor(0, n, 1024, [&](std::int64_t lo, std::int64_t hi) {
    std::int64_t local = 0;
    for (std::int64_t i = lo; i < hi; ++i) local += i;
    sum += local;
  });
  EXPECT_EQ(sum.load(), n * (n - 1) / 2);
}

TEST(ThreadPool, ExceptionReachesTheCaller) {
  ThreadPool pool(2);
  EXPECT_THROW(pool.parallelFor(0, 1000, 1,
                                [](std::int64_t lo, std::int64_t) {
                                  if (lo >= 500) throw std::runtime_error("boom");
                                }),
               std::runtime_error);
  // The pool is still usable afterwards.
  std::atomic<int> count{0};
  pool.parallelFor(0, 100, 1, [&](std::int64_t lo, std::int64_t hi) { count += static_cast<int>(hi - lo); });
  EXPECT_EQ(count.load(), 100);
}

TEST(ThreadPool, NestedParallelForRunsInline) {
  ThreadPool pool(2);
  std::atomic<std::int64_t> total{0};
  pool.parallelFor(0, 8, 1, [&](std::int64_t lo, std::int64_t hi) {
    for (std::int64_t i = lo; i < hi; ++i) {
      pool.parallelFor(0, 100, 1, [&](std::int64_t a, std::int64_t b) { total += b - a; });
    }
  });
  EXPECT_EQ(total.load(), 800);
}

}  // namespace
}  // namespace loupe

namespace loupe {
namespace {

TEST(ThreadPool, NoWorkersRunsEverythingOnTheCaller) {
  ThreadPool pool(0);
  EXPECT_EQ(pool.concurrency(), 1u);
  const auto caller = std::this_thread::get_id();
  bool sameThread = true;
  pool.parallelFor(0, 1000, 1, [&](std::int64_t, std::int64_t) { sameThread &= std::this_thread::get_id() == caller; });
  EXPECT_TRUE(sameThread);
}

}  // namespace
}  // namespace loupe
