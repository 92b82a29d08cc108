// A build without nvcc: the CUDA back-projection refuses, saying why.
#include "engines/core/Device.h"
#include "engines/rgbd/DepthToCloudCuda.h"

namespace loupe::rgbd {

void depthToCloudCuda(const std::uint16_t*, double, const std::uint8_t*, const PinholeIntrinsics&, DepthRange,
                      PointCloud&, PointCloud*) {
  throw CudaUnavailable(deviceReport().noCudaReason);
}

void depthToCloudCuda(const float*, const std::uint8_t*, const PinholeIntrinsics&, DepthRange, PointCloud&,
                      PointCloud*) {
  throw CudaUnavailable(deviceReport().noCudaReason);
}

double timeDepthToCloudCuda(int, int, int, std::size_t&) {
  throw CudaUnavailable(deviceReport().noCudaReason);
}

}  // namespace loupe::rgbd
