// Depth → cloud on the GPU against the CPU fast path on the same raw frame.
// Part of test_cuda (no OpenCV, Qt or SQLite: the back-projection lives in
// loupe_engines_rgbd_cloud), which scripts/gpu-bundle.sh carries to a GPU
// machine.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>

#include "engines/core/Device.h"
#include "engines/rgbd/DepthToCloud.h"
#include "engines/rgbd/DepthToCloudCuda.h"

namespace loupe::rgbd {
namespace {

// The GPU back-projection against the CPU fast path on the same raw frame:
// organized clouds equal bit for bit (NaN where the CPU has NaN), the
// compact cloud and its colours equal compactCloud()'s. Without a device the
// CUDA path refuses with the reason and the test skips.
TEST(DepthToCloud, CudaCloudsEqualTheCpuClouds) {
  const PinholeIntrinsics k{640, 480, 525.0, 525.0, 320.0, 240.0};
  std::mt19937 rng(11);
  std::uniform_int_distribution<int> mm(0, 6000);
  std::vector<std::uint16_t> raw(640 * 480);
  std::vector<std::uint8_t> rgb(640 * 480 * 3);
  for (auto& d : raw) d = static_cast<std::uint16_t>(mm(rng) < 300 ? 0 : mm(rng));
  for (auto& c : rgb) c = static_cast<std::uint8_t>(rng());
  const DepthRange range{0.3, 4.0};
  PointCloud gpu, gpuCompact;
  if (deviceReport().cudaDevices.empty()) {
    EXPECT_THROW(depthToCloudCuda(raw.data(), 1e-3, rgb.data(), k, range, gpu, &gpuCompact), CudaUnavailable);
    GTEST_SKIP() << "no CUDA device: " << deviceReport().noCudaReason;
  }
  depthToCloudCuda(raw.data(), 1e-3, rgb.data(), k, range, gpu, &gpuCompact);
  PointCloud cpu;
  depthToOrganizedCloud(raw.data(), 1e-3, rgb.data(), k, range, cpu);
  ASSERT_EQ(gpu.xyz.size(), cpu.xyz.size());
  // Bit for bit, the invalid points' NaN patterns included.
  EXPECT_EQ(std::memcmp(gpu.xyz.data(), cpu.xyz.data(), cpu.xyz.size() * sizeof(float)), 0);
  std::size_t invalid = 0;
  for (std::size_t i = 2; i < cpu.xyz.size(); i += 3) invalid += std::isnan(cpu.xyz[i]);
  EXPECT_GT(invalid, 0u);
  const PointCloud cpuCompact = compactCloud(cpu);
  EXPECT_EQ(gpuCompact.size(), cpuCompact.size());
  EXPECT_EQ(gpuCompact.xyz, cpuCompact.xyz);
  EXPECT_EQ(gpuCompact.rgb, cpuCompact.rgb);

  // Depth in metres (what the stream's filters hand over), NaN holes included.
  std::vector<float> metres(raw.size());
  for (std::size_t i = 0; i < raw.size(); ++i) metres[i] = i % 997 == 0 ? NAN : raw[i] * 1e-3f;
  PointCloud gpuMetres, cpuMetres;
  depthToCloudCuda(metres.data(), rgb.data(), k, range, gpuMetres);
  depthToOrganizedCloud(metres.data(), rgb.data(), k, range, cpuMetres);
  ASSERT_EQ(gpuMetres.xyz.size(), cpuMetres.xyz.size());
  EXPECT_EQ(std::memcmp(gpuMetres.xyz.data(), cpuMetres.xyz.data(), cpuMetres.xyz.size() * sizeof(float)), 0);
}

}  // namespace
}  // namespace loupe::rgbd
