// Range statistics (exponent histogram, overflow / underflow / subnormal /
// normal counts): the edges against the formats' published limits, the
// per-value functions the GPU kernel also runs against the float64
// reference statistics (the CUDA path against the CPU on the same values is
// in tests/cuda).
#include <gtest/gtest.h>

#include <cmath>

#include "engines/precision/RangeCounts.h"
#include "engines/precision/TensorStats.h"
#include "tests/engines/precision/RangeSample.h"

namespace loupe::precision {
namespace {

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
  const std::vector<float> v = rangeSample(200000);
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

}  // namespace
}  // namespace loupe::precision
