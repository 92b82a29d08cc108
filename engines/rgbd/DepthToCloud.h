// Depth image → point cloud (back-projection), as PCL and Open3D do it:
//   z = raw · depthScale (or metres directly), x = (u − cx)·z/fx, y = (v − cy)·z/fy
// with u the column and v the row (0-based). Depth ≤ 0, non-finite, or
// outside [depthMin, depthMax) is invalid (Open3D drops z ≥ depth_trunc:
// exactly the max is dropped). Invalid pixels give NaN points in an
// organized cloud and are left out of a compact one. Colour, when given, is
// registered to depth (same grid) and copied per point.
//
// Two paths, tested against each other (tests/engines/rgbd):
// - reference: one float64 loop, the formula as written;
// - fast: per-column and per-row factors precomputed, rows in parallel on
//   the shared ThreadPool, float32 output.
//
// Thread-safety: pure functions of their inputs.
#pragma once

#include <cstdint>
#include <limits>

#include "engines/rgbd/PointCloud.h"

namespace loupe {
class ThreadPool;
}

namespace loupe::rgbd {

struct DepthRange {
  double min = 0.0;
  double max = std::numeric_limits<double>::infinity();
};

// depth: height × width, row-major. rgb: nullptr or height × width × 3.
PointCloud depthToCloudReference(const float* depthMetres, const std::uint8_t* rgb, const PinholeIntrinsics& k,
                                 DepthRange range = {});
PointCloud depthToCloudReference(const std::uint16_t* raw, double depthScale, const std::uint8_t* rgb,
                                 const PinholeIntrinsics& k, DepthRange range = {});

// Fast organized cloud, written into `out` (resized only when needed, so a
// stream of frames reuses its buffers). Rows run on `pool` (default: the
// shared pool).
void depthToOrganizedCloud(const float* depthMetres, const std::uint8_t* rgb, const PinholeIntrinsics& k,
                           DepthRange range, PointCloud& out, ThreadPool* pool = nullptr);
void depthToOrganizedCloud(const std::uint16_t* raw, double depthScale, const std::uint8_t* rgb,
                           const PinholeIntrinsics& k, DepthRange range, PointCloud& out, ThreadPool* pool = nullptr);

// The valid points of an organized cloud, in row-major order.
PointCloud compactCloud(const PointCloud& organized);

}  // namespace loupe::rgbd
