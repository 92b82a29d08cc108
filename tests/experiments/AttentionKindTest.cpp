// attention.tiles end to end through the runner and the store: one step per
// tile of head 0, the causal skip count of the closed form, and the error
// rule recorded on the last step.
#include <gtest/gtest.h>

#include "experiments/Recipe.h"
#include "experiments/Runner.h"
#include "experiments/StoreRecorder.h"
#include "tests/support/TestHelpers.h"

namespace loupe {
namespace {

TEST(AttentionKind, StepsTileByTileAndRecordsTheErrors) {
  KindRegistry kinds;
  registerBuiltinKinds(kinds);
  testing::TempDir dir;
  Store store(dir / "a.sqlite");
  const Recipe recipe = parseRecipeText(
      R"({"kind": "attention.tiles", "seed": 2, "params": {"n": 300, "d": 32, "block_q": 64, "block_k": 32}})", "test",
      kinds);
  const auto run = store.createRun(recipe, "1", "cpu");
  StoreRecorder recorder(store, run);
  Runner runner(*kinds.find("attention.tiles"), recipe, DeviceKind::Cpu, {&recorder});
  ASSERT_EQ(runner.runHere(), RunStatus::Finished) << runner.error();
  const int qBlocks = 5, kBlocks = 10;  // ⌈300/64⌉, ⌈300/32⌉
  ASSERT_EQ(store.getRun(run).stepCount, qBlocks * kBlocks);
  // Causal: query block i needs key blocks 0 … ⌊(min(300, 64(i+1)) − 1)/32⌋.
  int needed = 0;
  for (int i = 0; i < qBlocks; ++i) needed += (std::min(300, 64 * (i + 1)) - 1) / 32 + 1;
  EXPECT_EQ(store.metricSeries(run, "tiles_skipped").back().value, qBlocks * kBlocks - needed);
  const double err = store.metricSeries(run, "max_error_vs_fp64").back().value;
  const double naive = store.metricSeries(run, "naive_fp32_error").back().value;
  EXPECT_LE(err, 2 * naive);
  EXPECT_LE(err, 1e-5);
  const Array states = store.readArray(run, qBlocks * kBlocks - 1, "tile_states");
  EXPECT_EQ(states.shape(), (Shape{qBlocks, kBlocks}));
  EXPECT_EQ(states.data<float>()[qBlocks * kBlocks - 1], 4.0f);  // the current (last) tile
  EXPECT_EQ(states.data<float>()[kBlocks - 1], 3.0f);            // block (0, last): skipped
}

}  // namespace
}  // namespace loupe

namespace loupe {
namespace {

TEST(AttentionKind, ScalingSweepRecordsEveryPoint) {
  KindRegistry kinds;
  registerBuiltinKinds(kinds);
  testing::TempDir dir;
  Store store(dir / "s.sqlite");
  const Recipe recipe = parseRecipeText(
      R"({"kind": "attention.scaling", "params": {"lengths": [64, 128], "d": 16, "causal": true}})", "test", kinds);
  const auto run = store.createRun(recipe, "1", "cpu");
  StoreRecorder recorder(store, run);
  Runner runner(*kinds.find(recipe.kind), recipe, DeviceKind::Cpu, {&recorder});
  ASSERT_EQ(runner.runHere(), RunStatus::Finished) << runner.error();
  EXPECT_EQ(store.getRun(run).stepCount, 6);  // 2 lengths × 3 methods
  for (const char* method : {"naive", "tiled", "linear"}) {
    EXPECT_EQ(store.metricSeries(run, std::string(method) + "_time_ms").size(), 2u) << method;
  }
  for (const auto& p : store.metricSeries(run, "tiled_max_error")) EXPECT_LE(p.value, 1e-5);
  for (const auto& p : store.metricSeries(run, "naive_max_error")) EXPECT_LE(p.value, 1e-5);
}

}  // namespace
}  // namespace loupe
