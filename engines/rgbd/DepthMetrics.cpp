#include "engines/rgbd/DepthMetrics.h"

#include <cmath>

namespace loupe::rgbd {

namespace {
bool valid(float z) {
  return std::isfinite(z) && z > 0;
}
}  // namespace

DepthScore scoreDepth(const float* measured, const float* truth, std::size_t count, double badThresholdM) {
  DepthScore s;
  std::int64_t known = 0, bad = 0;
  double sumSq = 0, sumAbs = 0;
  for (std::size_t i = 0; i < count; ++i) {
    if (!valid(truth[i])) continue;
    ++known;
    if (!valid(measured[i])) continue;
    const double e = static_cast<double>(measured[i]) - truth[i];
    sumSq += e * e;
    sumAbs += std::fabs(e);
    bad += std::fabs(e) > badThresholdM;
    ++s.compared;
  }
  s.fillRate = known ? static_cast<double>(s.compared) / known : 0;
  if (s.compared) {
    s.rmse = std::sqrt(sumSq / s.compared);
    s.mae = sumAbs / s.compared;
    s.badPercent = 100.0 * bad / s.compared;
  }
  return s;
}

double fillRate(const float* depth, std::size_t count) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < count; ++i) n += valid(depth[i]);
  return count ? static_cast<double>(n) / count : 0;
}

}  // namespace loupe::rgbd
