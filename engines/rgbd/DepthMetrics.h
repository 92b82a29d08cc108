// Per-frame depth quality against ground truth (metres). Pixels are compared
// where both the measurement and the ground truth are valid (finite, > 0);
// the fill rate is the fraction of GT-valid pixels the sensor measured.
#pragma once

#include <cstddef>
#include <cstdint>

namespace loupe::rgbd {

struct DepthScore {
  double fillRate = 0;    // measured / GT-valid
  double rmse = 0;        // m
  double mae = 0;         // m
  double badPercent = 0;  // % of compared pixels with |error| > badThreshold
  std::int64_t compared = 0;
};

DepthScore scoreDepth(const float* measured, const float* truth, std::size_t count, double badThresholdM = 0.05);

// Without ground truth: the fraction of pixels with a valid depth.
double fillRate(const float* depth, std::size_t count);

}  // namespace loupe::rgbd
