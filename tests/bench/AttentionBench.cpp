// Attention, measured (make bench):
// - peak memory of the tiled forward at N = 32768, d = 64, one head, causal,
//   above the baseline with Q, K, V allocated (the naive score matrix alone
//   would be 4 GiB);
// - GFLOP/s over N = 512 … 16384 at d = 64 of the tiled kernel, the naive
//   one on Eigen's GEMM (S = QKᵀ, softmax, PV), and torch 1.13 CPU
//   (python3-torch, timed in its own process), beside this machine's fp32
//   FMA peak measured in the same run. FLOPs as FlashAttention counts them:
//   4·N²·d per head (non-causal).
#include <benchmark/benchmark.h>

#include <Eigen/Dense>
#include <cmath>
#include <cstdio>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "engines/attention/FlashAttention.h"
#include "engines/core/PeakMemory.h"
#include "engines/core/Timer.h"
#include "tests/bench/BenchSupport.h"
#include "tests/support/RandomFill.h"

namespace loupe {
namespace {

using namespace loupe::attention;

std::vector<float> randomFloats(std::size_t n, std::uint32_t seed) {
  return testing::normalVector<float>(n, seed);
}

void BM_TiledPeakMemoryN32768(benchmark::State& state) {
  const int n = 32768, d = 64;
  const AttentionShape s{1, n, n, d, d};
  const auto q = randomFloats(static_cast<std::size_t>(n) * d, 1), k = randomFloats(q.size(), 2),
             v = randomFloats(q.size(), 3);
  double deltaMb = 0, seconds = 0;
  for (auto _ : state) {
    resetPeakResident();  // the high-water mark, process-wide: this benchmark owns its process
    const double baseline = residentMegabytes();
    FlashOptions opt;
    opt.causal = true;
    const Stopwatch clock;
    const auto r = flashAttention(q.data(), k.data(), v.data(), s, opt);
    seconds = clock.seconds();
    benchmark::DoNotOptimize(r.out.data());
    deltaMb = peakResidentMegabytes() - baseline;
    state.SetIterationTime(seconds);
  }
  state.counters["peak_above_baseline_MB"] = deltaMb;
  state.counters["output_MB"] = n * d * 4 / 1048576.0;
  state.counters["naive_scores_MB"] = static_cast<double>(n) * n * 4 / 1048576.0;
}

// fp32 FMA peak: independent accumulators so the FMA units never wait.
typedef float Vec4 __attribute__((vector_size(16)));
typedef float Vec8 __attribute__((vector_size(32)));
typedef float Vec16 __attribute__((vector_size(64)));

template <class Vec, int kWidth>
__attribute__((always_inline)) inline double fmaPeakKernel(std::int64_t iterations) {
  Vec acc[12];
  for (int i = 0; i < 12; ++i)
    for (int l = 0; l < kWidth; ++l) acc[i][l] = 1.0f + i * 1e-3f;
  Vec a, b;
  for (int l = 0; l < kWidth; ++l) a[l] = 0.9999f, b[l] = 1e-4f;
  const Stopwatch clock;
  for (std::int64_t it = 0; it < iterations; ++it) {
    // Unrolled so the accumulators live in registers (a rolled loop keeps
    // them on the stack and measures store forwarding, not the FMA units).
#pragma GCC unroll 12
    for (int i = 0; i < 12; ++i) acc[i] = acc[i] * a + b;  // one FMA: this file builds with -ffp-contract=fast
    __asm__ volatile("" : "+x"(a));                        // keep the loop honest
  }
  const double t = clock.seconds();
  float sink = 0;
  for (int i = 0; i < 12; ++i) sink += acc[i][0];
  benchmark::DoNotOptimize(sink);
  return 2.0 * kWidth * 12 * static_cast<double>(iterations) / t / 1e9;
}

__attribute__((target("avx512f"))) double fmaPeak512(std::int64_t it) {
  return fmaPeakKernel<Vec16, 16>(it);
}
__attribute__((target("avx2,fma"))) double fmaPeak256(std::int64_t it) {
  return fmaPeakKernel<Vec8, 8>(it);
}
double fmaPeak128(std::int64_t it) {
  return fmaPeakKernel<Vec4, 4>(it);
}

// The whole machine's peak: the kernel on every hardware thread at once.
double measuredPeakGflops() {
  __builtin_cpu_init();
  const std::int64_t it = 200'000'000 / 12;
  auto one = [it] {
    if (__builtin_cpu_supports("avx512f")) return fmaPeak512(it);
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return fmaPeak256(it);
    return fmaPeak128(it);
  };
  const unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  std::vector<double> rates(threads);
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads; ++t) pool.emplace_back([&, t] { rates[t] = one(); });
  for (auto& t : pool) t.join();
  double total = 0;
  for (double r : rates) total += r;
  return total;
}

double naiveEigenSeconds(const std::vector<float>& q, const std::vector<float>& k, const std::vector<float>& v, int n,
                         int d) {
  using Mat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  Eigen::Map<const Mat> Q(q.data(), n, d), K(k.data(), n, d), V(v.data(), n, d);
  const Stopwatch clock;
  Mat S = (Q * K.transpose()) * (1.0f / std::sqrt(static_cast<float>(d)));
  for (int i = 0; i < n; ++i) {
    const float m = S.row(i).maxCoeff();
    S.row(i) = (S.row(i).array() - m).exp();
    S.row(i) /= S.row(i).sum();
  }
  Mat O = S * V;
  benchmark::DoNotOptimize(O.data());
  return clock.seconds();
}

void BM_AttentionSweep(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0)), d = 64;
  const AttentionShape s{1, n, n, d, d};
  const auto q = randomFloats(static_cast<std::size_t>(n) * d, 4), k = randomFloats(q.size(), 5),
             v = randomFloats(q.size(), 6);
  const double flops = 4.0 * n * static_cast<double>(n) * d;
  double tiled = 0, naive = 0, torch = 0;
  for (auto _ : state) {
    const Stopwatch clock;
    const auto r = flashAttention(q.data(), k.data(), v.data(), s, FlashOptions{});
    tiled = clock.seconds();
    benchmark::DoNotOptimize(r.out.data());
    naive = naiveEigenSeconds(q, k, v, n, d);
    // torch in its own process, timing only its own call (best of 3).
    torch = bench::pythonSeconds("import time, torch\nn = " + std::to_string(n) +
                                 "\nq = torch.randn(1, n, 64); k = torch.randn(1, n, 64); v = torch.randn(1, n, 64)\n"
                                 "f = torch.nn.functional._scaled_dot_product_attention\n"
                                 "f(q, k, v, None, 0.0, False, False); b = 1e9\n"
                                 "for _ in range(3):\n"
                                 "    t = time.perf_counter(); f(q, k, v, None, 0.0, False, False)\n"
                                 "    b = min(b, time.perf_counter() - t)\n"
                                 "print(b)\n");
    state.SetIterationTime(tiled);
  }
  static const double peak = measuredPeakGflops();
  state.counters["tiled_GFLOPs"] = flops / tiled / 1e9;
  state.counters["naive_eigen_GFLOPs"] = flops / naive / 1e9;
  if (torch > 0) state.counters["torch_GFLOPs"] = flops / torch / 1e9;
  state.counters["fma_peak_GFLOPs"] = peak;
  state.counters["tiled_pct_of_peak"] = 100.0 * flops / tiled / 1e9 / peak;
}

BENCHMARK(BM_AttentionSweep)
    ->RangeMultiplier(2)
    ->Range(512, 16384)
    ->UseManualTime()
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_TiledPeakMemoryN32768)->UseManualTime()->Iterations(1)->Unit(benchmark::kSecond);

}  // namespace
}  // namespace loupe

BENCHMARK_MAIN();
