// The CUDA kernels, measured where a GPU exists (make bench; on a machine
// without one every benchmark skips and says why):
// - FlashAttention forward, bf16 and f16 in, f32 accumulation on the tensor
//   cores, N ∈ {1024 … 16384}, d ∈ {64, 128}, causal and not, 16k tokens ×
//   2048 model width per call (heads = 16384/N · 2048/d, as FlashAttention's
//   benchmarks): TFLOP/s counted as 4·heads·N²·d (half when causal), and
//   torch's scaled_dot_product_attention on the same GPU, shapes and dtype,
//   on its FlashAttention-2 and cuDNN backends (sdpa_peer.py), timed in the
//   same run, with the ratio to the faster;
// - the selective scan (batch 8, 1536 channels, N = 16, L = 2048) and the
//   range statistics (2^28 values): GB/s against a device-to-device copy;
// - depth → cloud per frame (640 × 480 and 1280 × 720): the kernels alone
//   (GB/s against the copy), the whole call with its transfers, and the CPU
//   fast path on the same frame.
// Kernel times are CUDA-event medians of 20 runs on device-resident inputs.
//
// Run from a GPU bundle (scripts/gpu-bundle.sh) the peer's timings come from
// a file: LOUPE_SDPA_PEER_JSON names sdpa_peer.py's output, which the
// bundle's run.sh makes first with the machine's own python3 (it must not
// inherit the bundle's library path). Otherwise bench_cuda runs the script
// itself with $LOUPE_PYTHON (default: the configured interpreter).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <string>

#include "engines/attention/FlashAttentionCuda.h"
#include "engines/core/Device.h"
#include "engines/precision/RangeCounts.h"
#include "engines/rgbd/DepthToCloud.h"
#include "engines/rgbd/DepthToCloudCuda.h"
#include "engines/ssm/SelectiveScanCuda.h"

namespace loupe {
namespace {

// Runs a benchmark's body where a device exists; a CUDA error in it
// (CudaUnavailable) becomes that benchmark's error and the others still run.
template <class Body>
void guarded(benchmark::State& state, Body&& body) {
  if (deviceReport().cudaDevices.empty()) {
    state.SkipWithError(("no CUDA device: " + deviceReport().noCudaReason).c_str());
    return;
  }
  try {
    body();
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
  }
}

double copyGBs() {
  static const double gbs = cudaCopyGBs(std::size_t{1} << 30, 20);
  return gbs;
}

std::string envOr(const char* name, const std::string& fallback) {
  const char* value = std::getenv(name);
  return value && *value ? value : fallback;
}

// torch SDPA's medians (ms) for every configuration and backend:
// "N,d,causal,dtype" → {"flash": ms, "cudnn": ms, "default": ms}; empty when
// torch has no CUDA device here.
const std::map<std::string, std::map<std::string, double>>& sdpaPeer() {
  static const std::map<std::string, std::map<std::string, double>> peer = [] {
    std::map<std::string, std::map<std::string, double>> out;
    std::string text;
    if (const char* file = std::getenv("LOUPE_SDPA_PEER_JSON"); file && *file) {
      std::ifstream in(file);
      text.assign(std::istreambuf_iterator<char>(in), {});
    } else {
      const std::string command = envOr("LOUPE_PYTHON", LOUPE_PYTHON) + " " +
                                  envOr("LOUPE_BENCH_DIR", LOUPE_BENCH_DIR) + "/sdpa_peer.py 2>/dev/null";
      if (FILE* pipe = popen(command.c_str(), "r")) {
        char buffer[4096];
        while (std::fgets(buffer, sizeof buffer, pipe)) text += buffer;
        pclose(pipe);
      }
    }
    try {
      const nlohmann::json j = nlohmann::json::parse(text);
      for (auto it = j.begin(); it != j.end(); ++it)
        for (auto b = it.value().begin(); b != it.value().end(); ++b) out[it.key()][b.key()] = b.value().get<double>();
    } catch (const std::exception&) {
    }
    return out;
  }();
  return peer;
}

void BM_FlashAttentionCuda(benchmark::State& state) {
  guarded(state, [&] {
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
    std::string label = std::string(dtypeName(type)) + " heads " + std::to_string(heads) + (causal ? " causal" : "");
    const auto& peer = sdpaPeer();
    if (const auto it = peer.find(key); it != peer.end() && !it->second.empty()) {
      // The fastest of torch's backends is the peer.
      const auto best = std::min_element(it->second.begin(), it->second.end(),
                                         [](const auto& a, const auto& b) { return a.second < b.second; });
      for (const auto& [backend, peerMs] : it->second)
        state.counters["sdpa_" + backend + "_TFLOPs"] = flops / (peerMs * 1e-3) / 1e12;
      state.counters["sdpa_ms"] = best->second;
      state.counters["sdpa_TFLOPs"] = flops / (best->second * 1e-3) / 1e12;
      state.counters["pct_of_sdpa"] = 100.0 * best->second / ms;
      label += ", sdpa " + best->first;
    }
    state.SetLabel(label);
  });
}

void BM_SelectiveScanCuda(benchmark::State& state) {
  guarded(state, [&] {
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
  });
}

void BM_RangeCountsCuda(benchmark::State& state) {
  guarded(state, [&] {
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
  });
}

BENCHMARK(BM_FlashAttentionCuda)
    ->ArgsProduct({{1024, 2048, 4096, 8192, 16384}, {64, 128}, {0, 1}, {0, 1}})
    ->UseManualTime()
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);
// One frame: the kernels alone on device-resident depth (manual time), the
// whole depthToCloudCuda call a stream makes (upload, kernels, download of
// both clouds), and the CPU fast path on the same frame.
void BM_DepthToCloudCuda(benchmark::State& state) {
  guarded(state, [&] {
    const int w = static_cast<int>(state.range(0)), h = static_cast<int>(state.range(1));
    const std::size_t n = static_cast<std::size_t>(w) * h;
    double kernelMs = 0;
    std::size_t kept = 0;
    for (auto _ : state) {
      kernelMs = rgbd::timeDepthToCloudCuda(w, h, 20, kept);
      state.SetIterationTime(kernelMs * 1e-3);
    }
    std::mt19937 rng(5);
    std::uniform_int_distribution<int> mm(200, 6000);
    std::vector<std::uint16_t> raw(n);
    std::vector<std::uint8_t> rgb(n * 3);
    for (auto& d : raw) d = static_cast<std::uint16_t>(rng() % 20 == 0 ? 0 : mm(rng));
    for (auto& c : rgb) c = static_cast<std::uint8_t>(rng());
    const rgbd::PinholeIntrinsics k{w, h, 525.0, 525.0, w / 2.0, h / 2.0};
    const rgbd::DepthRange range{0.0, 10.0};
    auto medianWallMs = [](auto&& frame) {
      frame();
      std::vector<double> ms;
      for (int r = 0; r < 20; ++r) {
        const auto t0 = std::chrono::steady_clock::now();
        frame();
        ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
      }
      std::sort(ms.begin(), ms.end());
      return ms[ms.size() / 2];
    };
    rgbd::PointCloud organized, compact;
    const double callMs =
        medianWallMs([&] { rgbd::depthToCloudCuda(raw.data(), 1e-3, rgb.data(), k, range, organized, &compact); });
    const double cpuMs = medianWallMs([&] {
      rgbd::depthToOrganizedCloud(raw.data(), 1e-3, rgb.data(), k, range, organized);
      compact = rgbd::compactCloud(organized);
    });
    // Depth read (2 B), organized points and valid flags written (12 + 1 B)
    // and read back by the selection (13 B) per pixel; kept points written (12 B).
    const double bytes = 28.0 * n + 12.0 * kept;
    const double gbs = bytes / (kernelMs * 1e-3) / 1e9;
    state.counters["kernel_ms"] = kernelMs;
    state.counters["GBs"] = gbs;
    state.counters["copy_GBs"] = copyGBs();
    state.counters["pct_of_copy"] = 100.0 * gbs / copyGBs();
    state.counters["call_ms"] = callMs;
    state.counters["cpu_ms"] = cpuMs;
    state.counters["cpu_over_call"] = cpuMs / callMs;
    state.SetLabel(std::to_string(w) + "x" + std::to_string(h));
  });
}

BENCHMARK(BM_DepthToCloudCuda)
    ->Args({640, 480})
    ->Args({1280, 720})
    ->UseManualTime()
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SelectiveScanCuda)->UseManualTime()->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_RangeCountsCuda)->DenseRange(0, 3)->UseManualTime()->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace loupe

BENCHMARK_MAIN();
