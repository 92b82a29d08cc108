#include "tests/support/TestKinds.h"

#include <chrono>
#include <cmath>
#include <csignal>
#include <limits>
#include <stdexcept>
#include <thread>
#include <vector>

#include "experiments/RunContext.h"

namespace loupe::testing {

float expectedRamp(std::int64_t step, std::int64_t i) {
  return static_cast<float>(step) + 0.5f * static_cast<float>(i);
}
std::int64_t expectedCount(std::int64_t step, std::int64_t row, std::int64_t i) {
  return row * 1000 + step * i;
}

float expectedGrid(std::int64_t step, int row, int col) {
  return static_cast<float>(std::sin(0.3 * row + 0.2 * static_cast<double>(step)) * std::cos(0.25 * col));
}

namespace {

void runSeries(RunContext& ctx) {
  const std::int64_t steps = ctx.paramInt("steps");
  const std::int64_t failAt = ctx.paramInt("fail_at");
  const std::int64_t len = ctx.paramInt("array_len");
  const double sleepMs = ctx.paramFloat("sleep_ms");
  const double scale = ctx.paramFloat("scale");
  if (const double bytes = ctx.paramFloat("allocate_bytes"); bytes > 0) {
    std::vector<char> hog;
    hog.reserve(static_cast<std::size_t>(bytes));  // more than any machine has: std::bad_alloc
  }
  const std::int64_t crashAt = ctx.paramInt("crash_at");
  for (std::int64_t k = 0; k < steps; ++k) {
    ctx.throwIfCancelled();
    // An engine that takes its process down, as a wild pointer or a failed
    // CUDA call inside a library would: the process dies by SIGSEGV.
    if (k == crashAt) std::raise(SIGSEGV);
    if (k == failAt) throw std::runtime_error("test.series failed on purpose at step " + std::to_string(k));
    StepRecord r;
    r.step = k;
    r.metric("index", static_cast<double>(k))
        .metric("square", static_cast<double>(k * k))
        .metric("sine", std::sin(static_cast<double>(k) * scale))
        .metric("nan_every_3rd", k % 3 == 0 ? std::numeric_limits<double>::quiet_NaN() : static_cast<double>(k));
    if (len > 0) {
      Array ramp(DType::F32, {len});
      for (std::int64_t i = 0; i < len; ++i)
        ramp.data<float>()[i] = static_cast<float>(k) + 0.5f * static_cast<float>(i);
      Array counts(DType::I64, {2, len});
      for (std::int64_t row = 0; row < 2; ++row)
        for (std::int64_t i = 0; i < len; ++i) counts.data<std::int64_t>()[row * len + i] = row * 1000 + k * i;
      // A 2-D field and an N × 3 point cloud, for the workbench's views.
      Array grid(DType::F32, {16, 16});
      for (int row = 0; row < 16; ++row)
        for (int col = 0; col < 16; ++col) grid.data<float>()[row * 16 + col] = expectedGrid(k, row, col);
      Array cloud(DType::F32, {len, 3});
      for (std::int64_t i = 0; i < len; ++i) {
        const double t = 0.05 * static_cast<double>(i) + 0.1 * static_cast<double>(k);
        cloud.data<float>()[3 * i] = static_cast<float>(std::cos(t));
        cloud.data<float>()[3 * i + 1] = static_cast<float>(std::sin(t));
        cloud.data<float>()[3 * i + 2] = static_cast<float>(0.1 * t);
      }
      r.array("ramp", std::move(ramp))
          .array("counts", std::move(counts))
          .array("grid", std::move(grid))
          .array("cloud", std::move(cloud));
    }
    ctx.emitStep(std::move(r));
    ctx.progress(static_cast<double>(k + 1) / static_cast<double>(steps), "step " + std::to_string(k + 1));
    if (sleepMs > 0) std::this_thread::sleep_for(std::chrono::duration<double, std::milli>(sleepMs));
  }
}

}  // namespace

void registerTestKinds(KindRegistry& registry) {
  EngineKind series;
  series.name = "test.series";
  series.version = "1.0";
  series.summary = "deterministic metrics and arrays for testing the experiment layer";
  series.schema = ParamSchema{
      ParamSpec::integer("steps", 10, "number of steps").range(0, 1e7),
      ParamSpec::number("sleep_ms", 0.0, "pause after each step").range(0, 60000),
      ParamSpec::integer("fail_at", -1, "throw at this step (-1: never)").range(-1, 1e7),
      ParamSpec::integer("crash_at", -1, "die by SIGSEGV at this step (-1: never)").range(-1, 1e7),
      ParamSpec::integer("array_len", 8, "length of the arrays per step (0: none)").range(0, 1 << 24),
      ParamSpec::integer("block", 64, "a tile size").range(16, 256).pow2(),
      ParamSpec::choice("mode", {"fast", "exact"}, "exact", "an enum"),
      ParamSpec::number("scale", 0.1, "sine frequency").range(-100, 100),
      ParamSpec::boolean("verbose", false, "a flag"),
      ParamSpec::number("allocate_bytes", 0, "reserve this many bytes first (to run out of memory)").range(0, 4.0e18),
      ParamSpec::intList("sizes", {128, 256}, "a list").range(1, 65536).length(1, 8),
  };
  series.run = runSeries;
  registry.add(std::move(series));
}

}  // namespace loupe::testing
