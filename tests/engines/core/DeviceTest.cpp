#include <gtest/gtest.h>

#include "engines/core/Device.h"
#include "engines/core/Error.h"

namespace loupe {
namespace {

TEST(Device, ReportIsConsistent) {
  const DeviceReport& r = deviceReport();
  // Either devices, or a reason why there are none — never neither.
  EXPECT_NE(r.cudaDevices.empty(), r.noCudaReason.empty());
  for (const auto& d : r.cudaDevices) {
    EXPECT_FALSE(d.name.empty());
    EXPECT_GE(d.computeMajor, 3);
    EXPECT_GT(d.totalMemoryBytes, 0u);
  }
}

TEST(Device, CpuAlwaysResolves) {
  EXPECT_EQ(resolveDevice("cpu", true), DeviceKind::Cpu);
  EXPECT_EQ(resolveDevice("cpu", false), DeviceKind::Cpu);
  EXPECT_EQ(resolveDevice("auto", false), DeviceKind::Cpu);
}

TEST(Device, AutoPicksCudaOnlyWhenPresent) {
  const bool haveGpu = !deviceReport().cudaDevices.empty();
  EXPECT_EQ(resolveDevice("auto", true), haveGpu ? DeviceKind::Cuda : DeviceKind::Cpu);
}

TEST(Device, CudaWithoutDeviceIsAClearError) {
  if (!deviceReport().cudaDevices.empty()) GTEST_SKIP() << "a CUDA device is present";
  try {
    resolveDevice("cuda", true, "r.json: device");
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), "r.json: device: cuda requested but unavailable: " + deviceReport().noCudaReason);
  }
}

TEST(Device, UnknownNameAndMissingCudaPathAreErrors) {
  EXPECT_THROW(resolveDevice("gpu", true), InputError);
  try {
    resolveDevice("cuda", false, "device");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), "device: this engine kind has no CUDA path; use cpu or auto");
  }
}

}  // namespace
}  // namespace loupe
