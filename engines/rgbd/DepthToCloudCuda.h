// Depth → organized point cloud on the GPU, behind the same arguments as
// depthToOrganizedCloud() (DepthToCloud.h): one thread per pixel computes
// exactly the CPU fast path's float32 products (the per-column and per-row
// factors are made on the host the same way), so the two clouds are equal
// bit for bit. When `compact` is given, the valid points and their colours
// are also selected on the GPU, in row-major order (cub::DeviceSelect), as
// compactCloud() does on the CPU.
//
// Throws CudaUnavailable (engines/core/Device.h) when this build or machine
// has no CUDA device, and on any CUDA error.
#pragma once

#include "engines/rgbd/DepthToCloud.h"

namespace loupe::rgbd {

void depthToCloudCuda(const std::uint16_t* raw, double depthScale, const std::uint8_t* rgb, const PinholeIntrinsics& k,
                      DepthRange range, PointCloud& organized, PointCloud* compact = nullptr);
// The same from depth in metres (what the stream's filters produce).
void depthToCloudCuda(const float* depthMetres, const std::uint8_t* rgb, const PinholeIntrinsics& k, DepthRange range,
                      PointCloud& organized, PointCloud* compact = nullptr);

// The kernels alone for the GPU benchmark: one width × height frame of raw
// depth (millimetres, ~5 % holes) already on the device, back-projected to
// the organized cloud and compacted to its valid points in row order,
// timed with CUDA events; the median of `repeats` runs in milliseconds, and
// the number of valid points in `kept`.
double timeDepthToCloudCuda(int width, int height, int repeats, std::size_t& kept);

}  // namespace loupe::rgbd
