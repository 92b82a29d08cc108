// The CUDA kernels, measured where a GPU exists (make bench; on a machine
// without one every benchmark skips and says why):
// - FlashAttention forward, bf16 and f16 in, f32 accumulation on the tensor
//   cores, N ∈ {1024 … 16384}, d ∈ {64, 128}, causal and not, 16k tokens ×
//   2048 model width per call (heads = 16384/N · 2048/d, as FlashAttention's
//   benchmarks): TFLOP/s counted as 4·heads·N²·d (half when causal), and
//   torch's scaled_dot_product_attention on the same GPU, shapes and dtype,
//   timed in the same run, with the ratio;
// - the selective scan (batch 8, 1536 channels, N = 16, L = 2048) and the
//   range statistics (2^28 values): GB/s against a device-to-device copy.
// Kernel times are CUDA-event medians of 20 runs on device-resident inputs.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "engines/attention/FlashAttentionCuda.h"
#include "engines/core/Device.h"
#include "engines/precision/RangeCounts.h"
#include "engines/ssm/SelectiveScanCuda.h"

namespace loupe {
namespace {

bool skipWithoutDevice(benchmark::State& state) {
  if (!deviceReport().cudaDevices.empty()) return false;
  state.SkipWithError(("no CUDA device: " + deviceReport().noCudaReason).c_str());
  return true;
}

double copyGBs() {
  static const double gbs = cudaCopyGBs(std::size_t{1} << 30, 20);
  return gbs;
}

// torch SDPA's medians (ms) for every configuration, from one Python run:
// "N,d,causal,dtype" → ms, or empty when torch has no CUDA here.
const std::map<std::string, double>& sdpaPeer() {
  static const std::map<std::string, double> peer = [] {
    std::map<std::string, double> out;
    const std::string command = std::string(LOUPE_PYTHON) + " " + LOUPE_BENCH_DIR + "/sdpa_peer.py 2>/dev/null";
    FILE* pipe = popen(command.c_str(), "r");
    if (!pipe) return out;
    std::string text;
    char buffer[4096];
    while (std::fgets(buffer, sizeof buffer, pipe)) text += buffer;
    pclose(pipe);
    try {
      const nlohmann::json j = nlohmann::json::parse(text);
      for (auto it = j.begin(); it != j.end(); ++it) out[it.key()] = it.value().get<double>();
    } catch (const std::exception&) {
    }
    return out;
  }();
  return peer;
}

void BM_FlashAttentionCuda(benchmark::State& state) {
  if (skipWithoutDevice(state)) return;
  const int n = static_cast<int>(state.range(0)), d = static_cast<int>(state.range(1));
  const bool causal = state.range(2) != 0;
  const DType type = state.range(3) ? DType::F16 : DType::BF16;
  const int heads = (16384 / n) * (2048 / d);
  const attention::AttentionShape shape{heads, n, n, d, d};
  double ms = 0;
  for (auto _ : state) {
    ms = attention::timeFlashAttentionCuda(shape, type, causal, 20);
    state.SetIterationTime(ms * 1e-3);
  }
  const double flops = 4.0 * heads * static_cast<double>(n) * n * d * (causal ? 0.5 : 1.0);
  state.counters["TFLOPs"] = flops / (ms * 1e-3) / 1e12;
  const std::string key =
      std::to_string(n) + "," + std::to_string(d) + "," + (causal ? "1" : "0") + "," + std::string(dtypeName(type));
  const auto& peer = sdpaPeer();
  if (const auto it = peer.find(key); it != peer.end()) {
    state.counters["sdpa_ms"] = it->second;
    state.counters["sdpa_TFLOPs"] = flops / (it->second * 1e-3) / 1e12;
    state.counters["pct_of_sdpa"] = 100.0 * it->second / ms;
  }
  state.SetLabel(std::string(dtypeName(type)) + " heads " + std::to_string(heads) + (causal ? " causal" : ""));
}

void BM_SelectiveScanCuda(benchmark::State& state) {
  if (skipWithoutDevice(state)) return;
  const ssm::ScanShape s{8, 1536, 2048, 16, true, true};
  double ms = 0;
  for (auto _ : state) {
    ms = ssm::timeSelectiveScanCuda(s, 20);
    state.SetIterationTime(ms * 1e-3);
  }
  // u, Δ, z read and y written (B·D·L each); B and C read (B·N·L each).
  const double bytes = 4.0 * (4.0 * s.batch * s.dim * s.length + 2.0 * s.batch * s.state * s.length);
  const double gbs = bytes / (ms * 1e-3) / 1e9;
  state.counters["GBs"] = gbs;
  state.counters["copy_GBs"] = copyGBs();
  state.counters["pct_of_copy"] = 100.0 * gbs / copyGBs();
}

void BM_RangeCountsCuda(benchmark::State& state) {
  if (skipWithoutDevice(state)) return;
  const std::size_t count = std::size_t{1} << 28;
  const auto format = static_cast<precision::Format>(state.range(0));
  double ms = 0;
  for (auto _ : state) {
    ms = precision::timeRangeCountsCuda(count, format, 20);
    state.SetIterationTime(ms * 1e-3);
  }
  const double gbs = 4.0 * count / (ms * 1e-3) / 1e9;
  state.counters["GBs_read"] = gbs;
  state.counters["copy_GBs"] = copyGBs();
  state.counters["pct_of_copy"] = 100.0 * gbs / copyGBs();
  state.SetLabel(precision::spec(format).name);
}

BENCHMARK(BM_FlashAttentionCuda)
    ->ArgsProduct({{1024, 2048, 4096, 8192, 16384}, {64, 128}, {0, 1}, {0}})
    ->Args({4096, 128, 0, 1})
    ->UseManualTime()
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SelectiveScanCuda)->UseManualTime()->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_RangeCountsCuda)->DenseRange(0, 3)->UseManualTime()->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace loupe

BENCHMARK_MAIN();
