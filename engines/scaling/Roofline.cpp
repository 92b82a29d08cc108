#include "engines/scaling/Roofline.h"

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>

#include "engines/core/Cancellation.h"
#include "engines/core/CpuFeatures.h"
#include "engines/core/Error.h"
#include "engines/core/ThreadPool.h"
#include "engines/core/Timer.h"

#include <cblas.h>

namespace loupe::scaling {

namespace {

// 12 independent FMA chains hide the FMA latency (4 cycles) on two ports.
constexpr int kChains = 12;
constexpr std::int64_t kIterations = 1 << 22;

__attribute__((target("avx512f"))) float fmaLoopAvx512(std::int64_t iterations) {
  __m512 acc[kChains];
  for (int i = 0; i < kChains; ++i) acc[i] = _mm512_set1_ps(0.001f * i);
  const __m512 a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-7f);
  for (std::int64_t n = 0; n < iterations; ++n)
    for (int i = 0; i < kChains; ++i) acc[i] = _mm512_fmadd_ps(acc[i], a, b);
  alignas(64) float lanes[16];
  __m512 sum = acc[0];
  for (int i = 1; i < kChains; ++i) sum = _mm512_add_ps(sum, acc[i]);
  _mm512_store_ps(lanes, sum);
  return lanes[0] + lanes[15];
}

__attribute__((target("avx2,fma"))) float fmaLoopAvx2(std::int64_t iterations) {
  __m256 acc[kChains];
  for (int i = 0; i < kChains; ++i) acc[i] = _mm256_set1_ps(0.001f * i);
  const __m256 a = _mm256_set1_ps(0.999999f), b = _mm256_set1_ps(1e-7f);
  for (std::int64_t n = 0; n < iterations; ++n)
    for (int i = 0; i < kChains; ++i) acc[i] = _mm256_fmadd_ps(acc[i], a, b);
  alignas(32) float lanes[8];
  __m256 sum = acc[0];
  for (int i = 1; i < kChains; ++i) sum = _mm256_add_ps(sum, acc[i]);
  _mm256_store_ps(lanes, sum);
  return lanes[0] + lanes[7];
}

float fmaLoopScalar(std::int64_t iterations) {
  float acc[kChains];
  for (int i = 0; i < kChains; ++i) acc[i] = 0.001f * i;
  for (std::int64_t n = 0; n < iterations; ++n)
    for (int i = 0; i < kChains; ++i) acc[i] = std::fma(acc[i], 0.999999f, 1e-7f);
  float sum = 0;
  for (float v : acc) sum += v;
  return sum;
}

template <class F>
double bestSeconds(int repeats, F&& f) {
  f();  // warm-up: pages touched, threads awake, clocks up
  double best = 1e300;
  for (int r = 0; r < repeats; ++r) {
    pollCancel();  // between timed runs, never inside one
    Stopwatch t;
    f();
    best = std::min(best, t.seconds());
  }
  return best;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

MachinePeaks measurePeaks(int repeats) {
  MachinePeaks m;
  ThreadPool& pool = ThreadPool::shared();
  m.threads = static_cast<int>(pool.concurrency());
  int lanes = 1;
  float (*loop)(std::int64_t) = fmaLoopScalar;
  m.isa = "scalar";
  if (cpuHasAvx512()) {
    loop = fmaLoopAvx512, lanes = 16, m.isa = "avx512";
  } else if (cpuHasAvx2Fma()) {
    loop = fmaLoopAvx2, lanes = 8, m.isa = "avx2";
  }
  std::vector<float> sink(static_cast<std::size_t>(m.threads));
  const double fmaSeconds = bestSeconds(repeats, [&] {
    pool.parallelFor(0, m.threads, 1, [&](std::int64_t b, std::int64_t e) {
      for (std::int64_t t = b; t < e; ++t) sink[static_cast<std::size_t>(t)] = loop(kIterations);
    });
  });
  volatile float keep = sink[0];
  (void)keep;
  m.fmaGflops = 2.0 * kChains * lanes * static_cast<double>(kIterations) * m.threads / fmaSeconds / 1e9;

  constexpr int n = 1536;
  std::vector<float> a(n * n, 1.0f), b(n * n, 0.5f), c(n * n);
  const double gemmSeconds = bestSeconds(repeats, [&] {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a.data(), n, b.data(), n, 0.0f, c.data(), n);
  });
  m.sgemmGflops = 2.0 * n * n * static_cast<double>(n) / gemmSeconds / 1e9;
  m.peakGflops = std::max(m.fmaGflops, m.sgemmGflops);

  // 3 × 128 MiB: far past any last-level cache; touched first by the
  // threads that use them (pages land near them).
  constexpr std::int64_t elements = std::int64_t{1} << 25;
  std::unique_ptr<float[]> x(new float[elements]), y(new float[elements]), z(new float[elements]);
  const std::int64_t grain = elements / (4 * m.threads);
  pool.parallelFor(0, elements, grain, [&](std::int64_t b0, std::int64_t e0) {
    for (std::int64_t i = b0; i < e0; ++i) x[i] = 0, y[i] = 1, z[i] = 2;
  });
  const double triadSeconds = bestSeconds(repeats, [&] {
    pool.parallelFor(0, elements, grain, [&](std::int64_t b0, std::int64_t e0) {
      float* __restrict__ xa = x.get();
      const float* __restrict__ ya = y.get();
      const float* __restrict__ za = z.get();
      for (std::int64_t i = b0; i < e0; ++i) xa[i] = ya[i] + 3.0f * za[i];
    });
  });
  m.triadGBs = 3.0 * 4.0 * static_cast<double>(elements) / triadSeconds / 1e9;
  const double copySeconds = bestSeconds(repeats, [&] {
    pool.parallelFor(0, elements, grain, [&](std::int64_t b0, std::int64_t e0) {
      std::memcpy(x.get() + b0, y.get() + b0, static_cast<std::size_t>(e0 - b0) * sizeof(float));
    });
  });
  m.copyGBs = 2.0 * 4.0 * static_cast<double>(elements) / copySeconds / 1e9;
  return m;
}

double attainableGflops(const MachinePeaks& peaks, double intensity) {
  return std::min(peaks.peakGflops, intensity * peaks.triadGBs);
}

const char* convImplName(ConvImpl i) {
  return i == ConvImpl::Loupe ? "loupe" : "opencv";
}

KernelPoint measureKernel(const ConvProblem& p, ConvImpl impl, int repeats, bool check) {
  validate(p);
  if (repeats < 1) throw InputError("repeats", "must be at least 1");
  const std::vector<float> in = randomInput(p, 1), w = randomWeights(p, 1);
  std::vector<float> out(static_cast<std::size_t>(p.outputElements()));
  ConvScratch scratch;
  std::unique_ptr<OpenCvConv> peer;
  if (impl == ConvImpl::OpenCv) peer = std::make_unique<OpenCvConv>(p, w.data());
  auto run = [&] {
    if (peer)
      peer->run(in.data(), out.data());
    else
      convolve(p, in.data(), w.data(), out.data(), scratch);
  };
  KernelPoint k;
  k.problem = p;
  k.impl = impl;
  run();  // warm-up (and the output the check reads)
  if (check) {
    const std::vector<double> ref = convReference(p, in.data(), w.data());
    for (std::size_t i = 0; i < ref.size(); ++i) k.maxAbsError = std::max(k.maxAbsError, std::abs(out[i] - ref[i]));
  }
  std::vector<double> times;
  for (int r = 0; r < repeats; ++r) {
    pollCancel();
    Stopwatch t;
    run();
    times.push_back(t.seconds());
  }
  k.seconds = median(times);
  k.gflops = p.flops() / k.seconds / 1e9;
  k.gbs = p.minimumBytes() / k.seconds / 1e9;
  return k;
}

std::vector<ConvProblem> kernelSweep(const std::string& name) {
  using K = ConvKind;
  // EfficientNet-B0 and SNet layers: (kind, channels, side, out, kernel, stride).
  std::vector<ConvProblem> quick = {{K::Standard, 3, 224, 224, 32, 3, 2},  // B0 stem
                                    {K::Standard, 64, 56, 56, 64, 3, 1},   // a ResNet-style 3×3 for contrast
                                    {K::Standard, 128, 28, 28, 128, 3, 1},
                                    {K::Depthwise, 96, 112, 112, 96, 3, 2},  // B0 stage 2 block 1
                                    {K::Depthwise, 144, 56, 56, 144, 3, 1},  // B0 stage 2 block 2
                                    {K::Depthwise, 240, 28, 28, 240, 5, 1},  // B0 stage 3, 5×5
                                    {K::Pointwise, 16, 112, 112, 96, 1, 1},  // B0 expansion
                                    {K::Pointwise, 144, 56, 56, 24, 1, 1},   // B0 projection
                                    {K::Pointwise, 480, 14, 14, 112, 1, 1}};
  if (name == "quick") return quick;
  if (name != "full") throw InputError("params.sweep", "'" + name + "' is not one of quick, full");
  std::vector<ConvProblem> full = quick;
  const std::vector<ConvProblem> more = {
      {K::Standard, 256, 14, 14, 256, 3, 1},  {K::Standard, 32, 112, 112, 32, 3, 1},
      {K::Depthwise, 32, 112, 112, 32, 3, 1}, {K::Depthwise, 480, 14, 14, 480, 5, 1},
      {K::Depthwise, 1152, 7, 7, 1152, 5, 1}, {K::Depthwise, 132, 40, 40, 132, 5, 1},  // SNet146 stage 2
      {K::Pointwise, 40, 28, 28, 240, 1, 1},  {K::Pointwise, 1152, 7, 7, 320, 1, 1},
      {K::Pointwise, 66, 40, 40, 66, 1, 1},   {K::Pointwise, 320, 7, 7, 1280, 1, 1}};
  full.insert(full.end(), more.begin(), more.end());
  return full;
}

}  // namespace loupe::scaling
