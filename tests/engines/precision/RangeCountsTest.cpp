// Range statistics (exponent histogram, overflow / underflow / subnormal /
// normal counts): the edges against the formats' published limits, the
// per-value functions the GPU kernel also runs against the float64
// reference statistics, and the CUDA path against the CPU on the same values
// (skipped, with the reason, where there is no device).
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "engines/core/Device.h"
#include "engines/precision/RangeCounts.h"
#include "engines/precision/TensorStats.h"

namespace loupe::precision {
namespace {

constexpr Format kFormats[] = {Format::F16, Format::BF16, Format::E4M3, Format::E5M2};

// Lognormal magnitudes over ±60 decades of range, both signs, and every edge
// with its float neighbours, zeros, NaN and infinities.
std::vector<float> sample(std::size_t n) {
  std::mt19937_64 rng(3);
  std::normal_distribution<double> g;
  std::vector<float> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<float>(std::exp(14.0 * g(rng)) * ((i & 1) ? -1 : 1));
  for (Format f : kFormats) {
    const OutcomeEdges e = outcomeEdges(f);
    for (float edge : {e.zeroUpTo, e.normalFrom, e.overflowFrom})
      for (float x : {edge, std::nextafter(edge, 0.0f), std::nextafter(edge, INFINITY)}) v.insert(v.end(), {x, -x});
  }
  v.insert(v.end(), {0.0f, -0.0f, NAN, INFINITY, -INFINITY, 1e-45f, 3.4e38f});
  return v;
}

TEST(RangeCounts, EdgesAreTheFormatsPublishedLimits) {
  // fp16: half the smallest subnormal (2^-25) rounds to 0 (ties to even);
  // from 2^-14 − 2^-25 values round to the smallest normal; from 65520
  // (max 65504 plus half its gap) they overflow.
  const OutcomeEdges h = outcomeEdges(Format::F16);
  EXPECT_EQ(h.zeroUpTo, std::ldexp(1.0f, -25));
  EXPECT_EQ(h.normalFrom, std::ldexp(1.0f, -14) - std::ldexp(1.0f, -25));
  EXPECT_EQ(h.overflowFrom, 65520.0f);
  // bf16: float32's exponent range; max (2 − 2^-7)·2^127 plus half a gap.
  const OutcomeEdges b = outcomeEdges(Format::BF16);
  EXPECT_EQ(b.zeroUpTo, std::ldexp(1.0f, -134));
  EXPECT_EQ(b.overflowFrom, std::ldexp(2.0f - std::ldexp(1.0f, -8), 127));
}

TEST(RangeCounts, PerValueFunctionsCountWhatTheReferenceCounts) {
  const std::vector<float> v = sample(200000);
  for (Format f : kFormats) {
    const RangeCounts r = rangeCounts(v.data(), v.size(), f);
    const TensorStats s = tensorStatsReference(v.data(), v.size(), f);
    const std::string name = spec(f).name;
    EXPECT_EQ(r.slots[kOverflow], s.overflow) << name;
    EXPECT_EQ(r.slots[kUnderflow], s.underflow) << name;
    EXPECT_EQ(r.slots[kSubnormal], s.subnormal) << name;
    EXPECT_EQ(r.slots[kNormal], s.normal) << name;
    EXPECT_EQ(r.slots[kZero], s.zeros) << name;
    EXPECT_EQ(r.slots[kNotFinite], s.nans + s.infinities) << name;
    EXPECT_EQ(r.exponentHistogram, s.exponentHistogram) << name;
  }
}

TEST(RangeCounts, CudaCountsEqualTheCpuCounts) {
  const DeviceReport& devices = deviceReport();
  if (devices.cudaDevices.empty()) {
    EXPECT_THROW(rangeCountsCuda(nullptr, 0, Format::F16), CudaUnavailable);
    GTEST_SKIP() << "no CUDA device: " << devices.noCudaReason;
  }
  const std::vector<float> v = sample(10000000);
  for (Format f : kFormats) {
    const RangeCounts gpu = rangeCountsCuda(v.data(), v.size(), f), cpu = rangeCounts(v.data(), v.size(), f);
    for (int s = 0; s < kRangeSlots; ++s) EXPECT_EQ(gpu.slots[s], cpu.slots[s]) << spec(f).name << " slot " << s;
    EXPECT_EQ(gpu.exponentHistogram, cpu.exponentHistogram) << spec(f).name;
  }
}

}  // namespace
}  // namespace loupe::precision
