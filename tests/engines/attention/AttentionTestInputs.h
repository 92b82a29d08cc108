// Seeded random Q, K, V (float32 and the same values in float64 for the
// reference) and the largest absolute error: shared by the CPU tests and the
// GPU-against-CPU tests (tests/cuda), which must draw the same inputs.
#pragma once

#include <cstdint>
#include <vector>

#include "engines/attention/FlashAttention.h"
#include "engines/core/NumericCompare.h"
#include "tests/support/RandomFill.h"

namespace loupe::attention {

struct Inputs {
  AttentionShape shape;
  std::vector<float> q, k, v;
  std::vector<double> q64, k64, v64;
};

inline Inputs randomInputs(AttentionShape s, std::uint32_t seed, float spread = 1.0f) {
  Inputs in{s, {}, {}, {}, {}, {}, {}};
  testing::NormalDraws<float> g(seed, 0.0f, spread);
  auto fill = [&](std::vector<float>& x, std::vector<double>& x64, std::size_t n) {
    g.fill(x, n);
    x64.assign(x.begin(), x.end());
  };
  fill(in.q, in.q64, static_cast<std::size_t>(s.heads) * s.n * s.d);
  fill(in.k, in.k64, static_cast<std::size_t>(s.heads) * s.m * s.d);
  fill(in.v, in.v64, static_cast<std::size_t>(s.heads) * s.m * s.dv);
  return in;
}

// The largest |x − ref|, +inf if any is NaN (NumericCompare.h).
inline double maxError(const std::vector<float>& x, const std::vector<double>& ref) {
  return maxAbsError(x, ref);
}

}  // namespace loupe::attention
