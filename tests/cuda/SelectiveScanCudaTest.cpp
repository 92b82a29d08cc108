// The selective scan on the GPU against Mamba's own selective_scan_ref
// outputs and against the float64 loop. Part of test_cuda (no OpenCV, Qt or
// SQLite), which scripts/gpu-bundle.sh carries to a GPU machine.
#include <gtest/gtest.h>

#include <string>

#include "engines/core/Device.h"
#include "engines/ssm/SelectiveScan.h"
#include "engines/ssm/SelectiveScanCuda.h"
#include "tests/engines/ssm/ScanTestCases.h"

namespace loupe::ssm {
namespace {

// Mamba's three reference cases (the bundle carries their file) within
// Mamba's fp32 tolerance, as the CPU paths are held to.
TEST(SelectiveScan, CudaReproducesMambaReferenceCases) {
  const auto cases = mambaReferenceCases();
  ASSERT_EQ(cases.size(), 3u);
  for (const MambaCase& c : cases) {
    if (deviceReport().cudaDevices.empty()) {
      EXPECT_THROW(selectiveScanCuda(c.shape, c.inputs()), CudaUnavailable);
      GTEST_SKIP() << "no CUDA device: " << deviceReport().noCudaReason;
    }
    const auto gpu = selectiveScanCuda(c.shape, c.inputs());
    expectClose(gpu.out, c.out, 6e-4, 2e-3, c.name + " cuda out");
    expectClose(gpu.lastState, c.lastState, 6e-4, 2e-3, c.name + " cuda last state");
  }
}

// The GPU scan against the float64 loop on random shapes (N from 1 to 200:
// one lane per state up to 32, several per lane beyond; a sequence of many
// shared-memory chunks, as the benchmark's), with
// Mamba's fp32 tolerance as the fast paths use it. Skips with the reason
// where there is no device.
TEST(SelectiveScan, CudaMatchesAFloat64Loop) {
  const ScanShape shapes[] = {{1, 5, 100, 16, true, true},   {2, 3, 257, 7, true, false},  {1, 9, 64, 33, false, true},
                              {3, 2, 1000, 1, false, false}, {2, 37, 130, 16, true, true}, {1, 4, 600, 200, true, true},
                              {2, 64, 2048, 16, true, true}};
  std::uint32_t seed = 1;
  for (const ScanShape& s : shapes) {
    const Random r = randomCase(s, seed++);
    const ScanInputs<float> x32{r.u.data(), r.delta.data(), r.A.data(),    r.B.data(), r.C.data(),
                                r.D.data(), r.z.data(),     r.bias.data(), true};
    if (deviceReport().cudaDevices.empty()) {
      EXPECT_THROW(selectiveScanCuda(s, x32), CudaUnavailable);
      GTEST_SKIP() << "no CUDA device: " << deviceReport().noCudaReason;
    }
    const auto u = as<double>(r.u), delta = as<double>(r.delta), A = as<double>(r.A), B = as<double>(r.B),
               C = as<double>(r.C), D = as<double>(r.D), z = as<double>(r.z), bias = as<double>(r.bias);
    const ScanInputs<double> x64{u.data(), delta.data(), A.data(),    B.data(), C.data(),
                                 D.data(), z.data(),     bias.data(), true};
    const auto ref = selectiveScanReference(s, x64);
    const auto gpu = selectiveScanCuda(s, x32);
    const std::string what = "N=" + std::to_string(s.state) + " L=" + std::to_string(s.length);
    expectClose(gpu.out, as<float>(ref.out), 1e-4, 1e-5, what + " cuda");
    expectClose(gpu.lastState, as<float>(ref.lastState), 1e-4, 1e-5, what + " cuda last state");
  }
}

}  // namespace
}  // namespace loupe::ssm
