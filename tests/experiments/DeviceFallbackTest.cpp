// Kinds with a CUDA path, run as a CUDA run: on a machine with a device the
// steps say "cuda"; without one (or for a run the kernel cannot take) every
// kind falls back to the CPU, finishes, and records why on its steps — the
// results equal a CPU run's.
#include <gtest/gtest.h>

#include "engines/core/Device.h"
#include "experiments/KindRegistry.h"
#include "tests/support/RecordRun.h"
#include "tests/support/TestHelpers.h"

namespace loupe {
namespace {

struct Case {
  const char* recipe;
  bool gpuCanTakeIt;        // on a machine with a device
  const char* reasonOnGpu;  // what the fallback says there when it cannot
};

TEST(DeviceFallback, CudaRunsFallBackToTheCpuAndSayWhy) {
  KindRegistry kinds;
  registerBuiltinKinds(kinds);
  testing::TempDir dir;
  Store store(dir / "d.sqlite");
  const bool haveGpu = !deviceReport().cudaDevices.empty();
  const Case cases[] = {
      {R"({"kind": "attention.tiles", "seed": 2, "params": {"n": 128, "d": 64, "causal": true}})", true, ""},
      {R"({"kind": "attention.tiles", "seed": 2, "params": {"n": 128, "d": 32}})", false, "d = dv = 64 or 128"},
      {R"({"kind": "ssm.selective_scan", "seed": 2, "params": {"length": 256, "dim": 8}})", true, ""},
      {R"({"kind": "rgbd.stream", "seed": 2, "params": {"source": "synthetic", "frames": 2}})", true, ""},
  };
  for (const Case& c : cases) {
    const auto cuda = testing::recordRun(store, kinds, c.recipe, "1", DeviceKind::Cuda);
    ASSERT_EQ(cuda.status, RunStatus::Finished) << c.recipe << ": " << cuda.error;
    const auto cpu = testing::recordRun(store, kinds, c.recipe, "1", DeviceKind::Cpu);
    ASSERT_EQ(cpu.status, RunStatus::Finished) << c.recipe << ": " << cpu.error;
    const StepRecord first = store.readStep(cuda.run, 0);
    EXPECT_EQ(store.readStep(cpu.run, 0).text("device"), "cpu") << c.recipe;
    EXPECT_EQ(store.readStep(cpu.run, 0).text("cuda_fallback"), "") << c.recipe;
    if (haveGpu && c.gpuCanTakeIt) {
      EXPECT_EQ(first.text("device"), "cuda") << c.recipe;
      continue;
    }
    EXPECT_EQ(first.text("device"), "cpu") << c.recipe;
    const std::string reason = first.text("cuda_fallback");
    if (haveGpu) {
      EXPECT_NE(reason.find(c.reasonOnGpu), std::string::npos) << c.recipe << ": " << reason;
    } else {
      EXPECT_EQ(reason, deviceReport().noCudaReason) << c.recipe;
    }
    // Fallen back, the run has the CPU run's steps.
    const auto a = store.stepNumbers(cuda.run), b = store.stepNumbers(cpu.run);
    EXPECT_EQ(a.size(), b.size()) << c.recipe;
  }
}

}  // namespace
}  // namespace loupe
