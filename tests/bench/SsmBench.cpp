// The selective scan, measured (make bench): Mamba's setting — batch 1,
// D = 1536 channels, L = 4096, N = 16, input-dependent B and C, D skip, z
// gate, softplus Δ with bias. Printed: our GB/s (bytes the scan must move:
// u, Δ, z, B, C read, out written) beside memcpy's measured in the same run,
// and the time of the same recurrence written with torch 1.13 on CPU
// (Mamba's selective_scan_ref: the loop over L in torch ops), timed in its
// own process, with the ratio.
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "engines/core/Timer.h"
#include "engines/ssm/SelectiveScan.h"
#include "tests/bench/BenchSupport.h"

namespace loupe {
namespace {

using namespace loupe::ssm;

constexpr int kDim = 1536, kLength = 4096, kState = 16;

double torchLoopSeconds() {
  const std::string script =
      "import time, torch, torch.nn.functional as F\n"
      "torch.manual_seed(0)\n"
      "b, d, l, n = 1, " +
      std::to_string(kDim) + ", " + std::to_string(kLength) + ", " + std::to_string(kState) +
      "\n"
      "u = torch.randn(b, d, l); delta = torch.rand(b, d, l) * 0.1; z = torch.randn(b, d, l)\n"
      "A = -torch.arange(1, n + 1, dtype=torch.float32).repeat(d, 1); B = torch.randn(b, n, l); C = torch.randn(b, n, "
      "l)\n"
      "D = torch.randn(d); bias = torch.randn(d) * 0.5 - 2\n"
      "def ref():\n"
      "    dt = F.softplus(delta + bias[:, None])\n"
      "    dA = torch.exp(torch.einsum('bdl,dn->bdln', dt, A))\n"
      "    dBu = torch.einsum('bdl,bnl,bdl->bdln', dt, B, u)\n"
      "    x = A.new_zeros((b, d, n)); ys = []\n"
      "    for i in range(l):\n"
      "        x = dA[:, :, i] * x + dBu[:, :, i]\n"
      "        ys.append(torch.einsum('bdn,bn->bd', x, C[:, :, i]))\n"
      "    y = torch.stack(ys, dim=2) + u * D[:, None]\n"
      "    return y * F.silu(z)\n"
      "ref()\n"
      "t = time.perf_counter(); ref(); print(time.perf_counter() - t)\n";
  return bench::pythonSeconds(script);
}

void BM_SelectiveScanMamba(benchmark::State& state) {
  // 0: fast path, fresh result each call; 1: fast path into a reused result
  // (as a model's forward loop runs it: no allocation or page faults);
  // 2: the chunked parallel scan.
  const int mode = static_cast<int>(state.range(0));
  const std::size_t dl = static_cast<std::size_t>(kDim) * kLength;
  std::mt19937 rng(1);
  std::normal_distribution<float> g;
  auto normal = [&](std::size_t n, float scale = 1, float shift = 0) {
    std::vector<float> v(n);
    for (auto& e : v) e = g(rng) * scale + shift;
    return v;
  };
  const auto u = normal(dl), z = normal(dl), B = normal(std::size_t(kState) * kLength),
             C = normal(std::size_t(kState) * kLength), D = normal(kDim), bias = normal(kDim, 0.5f, -2.0f);
  std::vector<float> delta(dl), A(std::size_t(kDim) * kState);
  std::uniform_real_distribution<float> uni(0.0f, 0.1f);
  for (auto& e : delta) e = uni(rng);
  for (int d = 0; d < kDim; ++d)
    for (int n = 0; n < kState; ++n) A[std::size_t(d) * kState + n] = -(n + 1.0f);
  const ScanShape shape{1, kDim, kLength, kState, true, true};
  const ScanInputs<float> in{u.data(), delta.data(), A.data(),    B.data(), C.data(),
                             D.data(), z.data(),     bias.data(), true};
  double seconds = 0;  // summed over the iterations: the counters report the mean
  ScanResult<float> reused;
  for (auto _ : state) {
    const Stopwatch clock;
    if (mode == 1) {
      selectiveScanInto(shape, in, reused);
    } else {
      reused = mode == 2 ? selectiveScanChunked(shape, in, 256) : selectiveScan(shape, in);
    }
    const double once = clock.seconds();
    seconds += once;
    benchmark::DoNotOptimize(reused.out.data());
    state.SetIterationTime(once);
  }
  const double bytes = 4.0 * (4 * dl + 2.0 * kState * kLength);  // u, Δ, z in; out; B, C
  seconds /= static_cast<double>(state.iterations());
  static const double memcpy = bench::memcpyGBs();
  static const double torch = torchLoopSeconds();
  state.counters["scan_GBs"] = bytes / seconds / 1e9;
  state.counters["memcpy_GBs"] = memcpy;
  state.counters["pct_of_memcpy"] = 100.0 * bytes / seconds / 1e9 / memcpy;
  if (torch > 0) {
    state.counters["torch_loop_ms"] = torch * 1e3;
    state.counters["speedup_vs_torch"] = torch / seconds;
  }
}

BENCHMARK(BM_SelectiveScanMamba)
    ->Arg(0)
    ->Arg(1)
    ->Arg(2)
    ->ArgNames({"mode"})
    ->UseManualTime()
    ->Iterations(10)
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace loupe

BENCHMARK_MAIN();
