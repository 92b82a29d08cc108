// The range statistics on the GPU against the CPU's counts of the same
// values (every slot and the exponent histogram, exactly). Part of test_cuda
// (no OpenCV, Qt or SQLite), which scripts/gpu-bundle.sh carries to a GPU
// machine.
#include <gtest/gtest.h>

#include "engines/core/Device.h"
#include "engines/precision/RangeCounts.h"
#include "tests/engines/precision/RangeSample.h"

namespace loupe::precision {
namespace {

TEST(RangeCounts, CudaCountsEqualTheCpuCounts) {
  const DeviceReport& devices = deviceReport();
  if (devices.cudaDevices.empty()) {
    EXPECT_THROW(rangeCountsCuda(nullptr, 0, Format::F16), CudaUnavailable);
    GTEST_SKIP() << "no CUDA device: " << devices.noCudaReason;
  }
  const std::vector<float> v = rangeSample(10000000);
  for (Format f : kFormats) {
    const RangeCounts gpu = rangeCountsCuda(v.data(), v.size(), f), cpu = rangeCounts(v.data(), v.size(), f);
    for (int s = 0; s < kRangeSlots; ++s) EXPECT_EQ(gpu.slots[s], cpu.slots[s]) << spec(f).name << " slot " << s;
    EXPECT_EQ(gpu.exponentHistogram, cpu.exponentHistogram) << spec(f).name;
  }
}

}  // namespace
}  // namespace loupe::precision
