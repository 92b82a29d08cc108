// Convolutions on this machine's roofline, measured (make bench): first the
// machine — FMA peak GFLOP/s, OpenBLAS SGEMM ceiling, STREAM triad and copy
// GB/s, the ridge — then every kernel of the full sweep (EfficientNet-B0 and
// SNet layer shapes): ours (im2col + OpenBLAS SGEMM, direct depthwise,
// pointwise SGEMM) and OpenCV DNN's convolution layer on the same problem in
// the same run, each point's intensity, GFLOP/s, GB/s, the roof there and
// the share of it reached, and our speed over OpenCV's.
#include <benchmark/benchmark.h>

#include <cstdio>

#include "engines/core/Timer.h"
#include "engines/scaling/Roofline.h"

namespace loupe::scaling {
namespace {

const MachinePeaks& peaks() {
  static const MachinePeaks m = measurePeaks(5);
  return m;
}

const std::vector<ConvProblem>& sweep() {
  static const std::vector<ConvProblem> s = kernelSweep("full");
  return s;
}

void BM_Machine(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(peaks().peakGflops);
  const MachinePeaks& m = peaks();
  state.counters["peak_GFLOPs"] = m.peakGflops;
  state.counters["fma_loop_GFLOPs"] = m.fmaGflops;
  state.counters["sgemm_GFLOPs"] = m.sgemmGflops;
  state.counters["triad_GBs"] = m.triadGBs;
  state.counters["copy_GBs"] = m.copyGBs;
  state.counters["ridge_FLOP_per_B"] = m.ridge();
  state.counters["threads"] = m.threads;
  state.SetLabel(m.isa);
}

void BM_Conv(benchmark::State& state) {
  const ConvProblem& p = sweep()[static_cast<std::size_t>(state.range(0))];
  const auto in = randomInput(p, 1), w = randomWeights(p, 1);
  std::vector<float> out(static_cast<std::size_t>(p.outputElements()));
  ConvScratch scratch;
  convolve(p, in.data(), w.data(), out.data(), scratch);  // warm-up
  double seconds = 0;
  for (auto _ : state) {
    const Stopwatch clock;
    convolve(p, in.data(), w.data(), out.data(), scratch);
    const double once = clock.seconds();
    seconds += once;
    state.SetIterationTime(once);
  }
  seconds /= static_cast<double>(state.iterations());
  const KernelPoint peer = measureKernel(p, ConvImpl::OpenCv, 20, false);
  const double gflops = p.flops() / seconds / 1e9, roof = attainableGflops(peaks(), p.intensity());
  state.counters["intensity"] = p.intensity();
  state.counters["GFLOPs"] = gflops;
  state.counters["GBs"] = p.minimumBytes() / seconds / 1e9;
  state.counters["roof_GFLOPs"] = roof;
  state.counters["pct_of_roof"] = 100.0 * gflops / roof;
  state.counters["opencv_ms"] = peer.seconds * 1e3;
  state.counters["opencv_GFLOPs"] = peer.gflops;
  state.counters["speedup_vs_opencv"] = peer.seconds / seconds;
  state.SetLabel(p.label() + (p.intensity() < peaks().ridge() ? " [memory-bound]" : " [compute-bound]"));
}

BENCHMARK(BM_Machine)->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Conv)
    ->DenseRange(0, static_cast<int>(kernelSweep("full").size()) - 1)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond)
    ->MinTime(0.2);

}  // namespace
}  // namespace loupe::scaling

BENCHMARK_MAIN();
