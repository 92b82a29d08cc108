// The measured kernels: the float64 reference against torch's conv2d, our
// fast paths and OpenCV's DNN layer against the reference, and the roofline's
// bookkeeping (intensity by hand, the depthwise point left of the ridge).
#include <gtest/gtest.h>

#include <cmath>

#include "engines/core/Error.h"
#include "engines/core/NumericCompare.h"
#include "engines/scaling/ConvKernels.h"
#include "engines/scaling/Roofline.h"
#include "tests/support/TestHelpers.h"

namespace loupe::scaling {
namespace {

using K = ConvKind;

const std::vector<ConvProblem> kProblems = {
    {K::Standard, 3, 17, 23, 8, 3, 2},  {K::Standard, 16, 12, 12, 24, 3, 1},  {K::Standard, 5, 9, 11, 7, 5, 1},
    {K::Standard, 8, 10, 10, 6, 1, 1},  {K::Depthwise, 12, 15, 13, 12, 3, 1}, {K::Depthwise, 7, 16, 16, 7, 3, 2},
    {K::Depthwise, 9, 11, 14, 9, 5, 1}, {K::Depthwise, 5, 13, 9, 5, 5, 2},    {K::Pointwise, 24, 9, 7, 40, 1, 1},
    {K::Depthwise, 3, 5, 1, 3, 3, 2},   {K::Depthwise, 2, 2, 2, 2, 5, 2},  // narrower than the padding
};

double maxAbsDiff(const std::vector<float>& a, const std::vector<double>& b) {
  return maxAbsError(a, b);
}

// float32 sums of depth products of magnitude < 1: a few ulps per term at most.
double tolerance(const ConvProblem& p) {
  return 4e-7 * static_cast<double>(p.weightElements() / p.out) + 1e-6;
}

TEST(ConvKernels, ReferenceEqualsTorchConv2d) {
  // Every problem's inputs to files, one Python run: torch's conv2d in float64.
  testing::TempDir dir;
  std::string specs;
  for (std::size_t i = 0; i < kProblems.size(); ++i) {
    const ConvProblem& p = kProblems[i];
    const auto in = randomInput(p, 7), w = randomWeights(p, 7);
    const std::string n = std::to_string(i);
    testing::writeFile(dir / ("in" + n), std::string(reinterpret_cast<const char*>(in.data()), in.size() * 4));
    testing::writeFile(dir / ("w" + n), std::string(reinterpret_cast<const char*>(w.data()), w.size() * 4));
    const int groups = p.kind == K::Depthwise ? p.channels : 1;
    for (int v : {p.channels, p.height, p.width, p.out, p.kernel, p.stride, groups}) specs += std::to_string(v) + " ";
    specs += "\n";
  }
  testing::writeFile(dir / "specs", specs);
  const auto r = testing::runPython(R"(
import sys, os, numpy as np, torch
d = sys.argv[1]
for i, line in enumerate(open(os.path.join(d, "specs"))):
    c, h, w, o, k, s, g = map(int, line.split())
    x = torch.from_numpy(np.fromfile(os.path.join(d, f"in{i}"), np.float32).astype(np.float64).reshape(1, c, h, w))
    wt = torch.from_numpy(np.fromfile(os.path.join(d, f"w{i}"), np.float32).astype(np.float64).reshape(o, c // g, k, k))
    torch.nn.functional.conv2d(x, wt, stride=s, padding=(k - 1) // 2, groups=g).numpy().tofile(os.path.join(d, f"out{i}"))
)",
                                    {dir.path().string()});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  for (std::size_t i = 0; i < kProblems.size(); ++i) {
    const ConvProblem& p = kProblems[i];
    const auto in = randomInput(p, 7), w = randomWeights(p, 7);
    const auto torchOut = testing::readValues<double>(dir / ("out" + std::to_string(i)));
    const auto ours = convReference(p, in.data(), w.data());
    ASSERT_EQ(torchOut.size(), ours.size()) << p.label();
    EXPECT_LT(maxAbsError(ours, torchOut), tolerance::kFloat64Algorithm) << p.label();
  }
}

TEST(ConvKernels, FastPathsEqualTheReference) {
  ConvScratch scratch;
  for (const ConvProblem& p : kProblems) {
    const auto in = randomInput(p, 3), w = randomWeights(p, 3);
    std::vector<float> out(static_cast<std::size_t>(p.outputElements()), NAN);
    convolve(p, in.data(), w.data(), out.data(), scratch);
    EXPECT_LT(maxAbsDiff(out, convReference(p, in.data(), w.data())), tolerance(p)) << p.label();
  }
}

TEST(ConvKernels, OpenCvPeerComputesTheSameConvolution) {
  for (const ConvProblem& p : kProblems) {
    const auto in = randomInput(p, 5), w = randomWeights(p, 5);
    std::vector<float> out(static_cast<std::size_t>(p.outputElements()), NAN);
    OpenCvConv peer(p, w.data());
    peer.run(in.data(), out.data());
    EXPECT_LT(maxAbsDiff(out, convReference(p, in.data(), w.data())), tolerance(p)) << p.label();
  }
}

TEST(ConvKernels, BadProblemsNameTheField) {
  auto error = [](ConvProblem p) {
    try {
      validate(p, "sweep[2]");
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(error({K::Pointwise, 8, 8, 8, 8, 3, 1}), "sweep[2]: a pointwise convolution is 1×1 at stride 1");
  EXPECT_EQ(error({K::Depthwise, 8, 8, 8, 16, 3, 1}),
            "sweep[2]: a depthwise convolution has as many outputs as inputs");
  EXPECT_EQ(error({K::Standard, 8, 0, 8, 16, 3, 1}), "sweep[2]: channels, height, width and out must be positive");
  EXPECT_EQ(error({K::Standard, 8, 8, 8, 16, 4, 1}), "sweep[2]: kernel must be odd and positive, not 4");
}

TEST(Roofline, IntensityIsFlopsOverCompulsoryBytes) {
  // Depthwise 3×3 on 144×56×56 by hand: 2·56²·144·9 FLOPs over
  // 4·(2·144·56² + 144·9) bytes → just under k²/4 = 2.25.
  const ConvProblem dw{K::Depthwise, 144, 56, 56, 144, 3, 1};
  EXPECT_DOUBLE_EQ(dw.flops(), 2.0 * 56 * 56 * 144 * 9);
  EXPECT_DOUBLE_EQ(dw.minimumBytes(), 4.0 * (2 * 144 * 56 * 56 + 144 * 9));
  EXPECT_NEAR(dw.intensity(), 2.25, 0.01);
  const ConvProblem pw{K::Pointwise, 144, 56, 56, 24, 1, 1};
  EXPECT_DOUBLE_EQ(pw.intensity(), 2.0 * 56 * 56 * 144 * 24 / (4.0 * (144 * 56 * 56 + 144 * 24 + 24 * 56 * 56)));
  const ConvProblem stem{K::Standard, 3, 224, 224, 32, 3, 2};
  EXPECT_EQ(stem.outHeight(), 112);
  EXPECT_EQ(stem.macs(), 112LL * 112 * 32 * 27);
}

TEST(Roofline, MeasuredPeaksPutDepthwiseLeftOfTheRidge) {
  const MachinePeaks m = measurePeaks(2);
  std::printf(
      "FMA loop %.1f GFLOP/s (%s, %d threads), SGEMM %.1f GFLOP/s, triad %.1f GB/s, copy %.1f GB/s, ridge %.1f "
      "FLOP/B\n",
      m.fmaGflops, m.isa.c_str(), m.threads, m.sgemmGflops, m.triadGBs, m.copyGBs, m.ridge());
  EXPECT_GT(m.peakGflops, 1.0);
  EXPECT_GT(m.triadGBs, 0.5);
  // The roof is the higher of the two compute ceilings; the FMA loop, which
  // does nothing but FMAs, comes within noise of SGEMM or above it.
  EXPECT_EQ(m.peakGflops, std::max(m.fmaGflops, m.sgemmGflops));
#if !defined(__SANITIZE_ADDRESS__)
  // (Not under the sanitizer lane: there our FMA loop is instrumented and
  // OpenBLAS's SGEMM is not, so the two speeds say nothing about each other.)
  EXPECT_GT(m.fmaGflops, 0.5 * m.sgemmGflops);
#endif
  // A k×k depthwise convolution does about k²/4 FLOP per byte: 2.25 at 3×3,
  // left of any ridge a vector CPU has; 6.25 at 5×5, which lands on either
  // side depending on the machine (printed, not asserted), as do wide
  // standard convolutions on a many-core host with little bandwidth.
  for (const ConvProblem& p : kernelSweep("full")) {
    std::printf("%-40s intensity %6.2f FLOP/B (%s the ridge)\n", p.label().c_str(), p.intensity(),
                p.intensity() < m.ridge() ? "left of" : "right of");
    if (p.kind == K::Depthwise && p.kernel == 3) {
      EXPECT_LT(p.intensity(), m.ridge()) << p.label();
    }
  }
  EXPECT_DOUBLE_EQ(attainableGflops(m, 1.0), std::min(m.peakGflops, m.triadGBs));
  EXPECT_DOUBLE_EQ(attainableGflops(m, 1e6), m.peakGflops);
}

TEST(Roofline, KernelPointsAreCheckedAndTimed) {
  for (ConvImpl impl : {ConvImpl::Loupe, ConvImpl::OpenCv}) {
    const ConvProblem p{K::Depthwise, 32, 28, 28, 32, 3, 1};
    const KernelPoint k = measureKernel(p, impl, 3, true);
    EXPECT_GT(k.seconds, 0);
    EXPECT_LT(k.maxAbsError, tolerance(p));
    EXPECT_DOUBLE_EQ(k.gflops, p.flops() / k.seconds / 1e9);
    EXPECT_DOUBLE_EQ(k.gbs, p.minimumBytes() / k.seconds / 1e9);
  }
  EXPECT_THROW(kernelSweep("huge"), InputError);
}

}  // namespace
}  // namespace loupe::scaling
