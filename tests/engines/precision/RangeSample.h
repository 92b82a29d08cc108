// The values the range-statistics tests count, shared by the CPU tests and
// the GPU-against-CPU test (tests/cuda): lognormal magnitudes over ±60
// decades of range, both signs, and every format's edges with their float
// neighbours, zeros, NaN and infinities.
#pragma once

#include <cmath>
#include <random>
#include <vector>

#include "engines/precision/RangeCounts.h"

namespace loupe::precision {

inline constexpr Format kFormats[] = {Format::F16, Format::BF16, Format::E4M3, Format::E5M2};

inline std::vector<float> rangeSample(std::size_t n) {
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

}  // namespace loupe::precision
