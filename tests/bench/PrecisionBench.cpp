// fp16 tensor statistics, measured (make bench): 2^25 lognormal float32
// values (gradient-like, decades of range) through tensorStats(fp16) — the
// outcome counts, exponent histogram and relative-error statistics. Printed:
// our elements/s and GB/s read, numpy's doing the comparable work in the
// same run (astype(float16), overflow and underflow counts, the exponent
// histogram by frexp + bincount), and memcpy's bandwidth, with the ratios.
// One run per fast path this CPU has (isa 1: AVX-512, 2: AVX2), each 5
// repetitions of 10 passes; the median is the figure to quote (this
// machine's timings drift with its host's load).
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "engines/core/Timer.h"
#include "engines/precision/TensorStats.h"
#include "tests/bench/BenchSupport.h"

namespace loupe {
namespace {

constexpr std::size_t kCount = std::size_t(1) << 25;

// numpy on the same distribution and count, best of three, in its own process.
double numpySeconds() {
  const std::string script =
      "import time, numpy as np\n"
      "rng = np.random.default_rng(0)\n"
      "n = " +
      std::to_string(kCount) +
      "\n"
      "x = (1e-4 * np.exp(4 * rng.standard_normal(n)) * rng.choice([-1, 1], n)).astype(np.float32)\n"
      "best = 1e9\n"
      "for _ in range(3):\n"
      "    t = time.perf_counter()\n"
      "    with np.errstate(over='ignore'):\n"
      "        h = x.astype(np.float16)\n"
      "    over = np.count_nonzero(np.isinf(h) & np.isfinite(x))\n"
      "    under = np.count_nonzero((h == 0) & (x != 0))\n"
      "    hist = np.bincount(np.frexp(x)[1] + 150, minlength=300)\n"
      "    best = min(best, time.perf_counter() - t)\n"
      "print(best)\n";
  return bench::pythonSeconds(script);
}

void BM_Fp16TensorStats(benchmark::State& state) {
  const auto isa = static_cast<precision::StatsIsa>(state.range(0));
  if (!precision::statsIsaAvailable(isa)) {
    state.SkipWithError("this CPU lacks the instruction set");
    return;
  }
  std::mt19937_64 rng(0);
  std::normal_distribution<double> g;
  std::vector<float> x(kCount);
  for (std::size_t i = 0; i < kCount; ++i) x[i] = static_cast<float>(1e-4 * std::exp(4 * g(rng)) * ((i & 1) ? -1 : 1));
  double seconds = 0;
  for (auto _ : state) {
    const Stopwatch clock;
    const auto s = precision::tensorStats(x.data(), x.size(), precision::Format::F16, isa);
    const double once = clock.seconds();
    seconds += once;
    benchmark::DoNotOptimize(s.overflow);
    state.SetIterationTime(once);
  }
  seconds /= static_cast<double>(state.iterations());
  static const double memcpy = bench::memcpyGBs();
  static const double numpy = numpySeconds();
  const double gbs = 4.0 * kCount / seconds / 1e9;
  state.counters["Melements_per_s"] = kCount / seconds / 1e6;
  state.counters["GBs_read"] = gbs;
  state.counters["memcpy_GBs"] = memcpy;
  state.counters["pct_of_memcpy"] = 100.0 * gbs / memcpy;
  if (numpy > 0) {
    state.counters["numpy_ms"] = numpy * 1e3;
    state.counters["speedup_vs_numpy"] = numpy / seconds;
  }
}

BENCHMARK(BM_Fp16TensorStats)
    ->ArgName("isa")
    ->Arg(static_cast<int>(precision::StatsIsa::Avx512))
    ->Arg(static_cast<int>(precision::StatsIsa::Avx2))
    ->UseManualTime()
    ->Iterations(10)
    ->Repetitions(5)
    ->ReportAggregatesOnly(true)
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace loupe

BENCHMARK_MAIN();
