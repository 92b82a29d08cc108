// Store round trips: every dtype with and without compression, metrics with
// non-finite values, replay access paths, removal, artifacts, atomic steps.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "engines/core/Error.h"
#include "experiments/Replay.h"
#include "experiments/Sqlite.h"
#include "experiments/Store.h"
#include "experiments/StoreSchema.h"
#include "tests/support/TestHelpers.h"
#include "tests/support/TestKinds.h"

namespace loupe {
namespace {

Recipe testRecipe() {
  Recipe r;
  r.kind = "test.series";
  r.name = "store test";
  r.seed = 7;
  r.params = {{"steps", 3}};
  return r;
}

// Low-entropy bytes (zstd shrinks them) or uniformly random bytes (it cannot).
// bool elements are always 0/1.
Array makeArray(DType dtype, std::int64_t n, bool compressible, std::uint32_t seed) {
  Array a(dtype, {n / 4, 4});
  std::mt19937 rng(seed);
  for (std::size_t i = 0; i < a.nbytes(); ++i) {
    std::uint8_t byte = compressible ? static_cast<std::uint8_t>((i / 64) % 5) : static_cast<std::uint8_t>(rng());
    if (dtype == DType::Bool) byte &= 1;
    a.bytes()[i] = std::byte{byte};
  }
  return a;
}

class StoreTest : public ::testing::Test {
 protected:
  testing::TempDir dir;
};

TEST_F(StoreTest, EveryDTypeRoundTripsWithAndWithoutCompression) {
  for (bool compress : {true, false}) {
    Store store(dir / (compress ? "zstd.sqlite" : "raw.sqlite"), StoreOptions{.compressArrays = compress});
    const auto run = store.createRun(testRecipe(), "1.0", "cpu");
    std::vector<StepRecord> written;
    std::int64_t step = 0;
    std::uint32_t seed = 1;
    for (DType dtype : kAllDTypes) {
      for (bool compressible : {true, false}) {
        // 4096 elements, plus one large array per dtype to exercise the sampled path.
        for (std::int64_t n : {std::int64_t{4096}, std::int64_t{1} << 19}) {
          StepRecord r;
          r.step = step++;
          r.array("a", makeArray(dtype, n, compressible, seed++));
          store.appendStep(run, r);
          written.push_back(std::move(r));
        }
      }
    }
    store.commit();
    // Read back through a second connection, as another process would.
    Store reader(store.path());
    const auto infos = reader.arrayInfos(run);
    ASSERT_EQ(infos.size(), written.size());
    for (std::size_t i = 0; i < written.size(); ++i) {
      const Array& expected = written[i].arrays[0].array;
      const Array got = reader.readArray(run, written[i].step, "a");
      const std::string what = std::string(dtypeName(expected.dtype())) + " step " + std::to_string(i);
      EXPECT_EQ(got.dtype(), expected.dtype()) << what;
      EXPECT_EQ(got.shape(), expected.shape()) << what;
      EXPECT_TRUE(got == expected) << what;
      const bool lowEntropy = (i / 2) % 2 == 0;
      const bool randomBools = expected.dtype() == DType::Bool && !lowEntropy;
      if (!compress) {
        EXPECT_EQ(infos[i].codec, "raw") << what;
      } else if (lowEntropy) {
        EXPECT_EQ(infos[i].codec, "zstd") << what;
      } else if (!randomBools) {
        EXPECT_EQ(infos[i].codec, "raw") << what;
      }
      if (infos[i].codec == "zstd") {
        EXPECT_LT(infos[i].storedBytes, infos[i].rawBytes) << what;
      }
      EXPECT_EQ(infos[i].rawBytes, static_cast<std::int64_t>(expected.nbytes())) << what;
    }
  }
}

TEST_F(StoreTest, ZeroSizedAndScalarArrays) {
  Store store(dir / "s.sqlite");
  const auto run = store.createRun(testRecipe(), "1.0", "cpu");
  StepRecord r;
  r.step = 0;
  r.array("empty", Array(DType::F32, {0, 3})).array("scalar", Array::fromValues<double>({}, std::vector<double>{2.5}));
  store.appendStep(run, r);
  store.commit();
  EXPECT_EQ(store.readArray(run, 0, "empty").shape(), (Shape{0, 3}));
  const Array scalar = store.readArray(run, 0, "scalar");
  EXPECT_EQ(scalar.shape(), Shape{});
  EXPECT_EQ(scalar.data<double>()[0], 2.5);
}

TEST_F(StoreTest, MetricsKeepNonFiniteAndExtremeValues) {
  Store store(dir / "m.sqlite");
  const auto run = store.createRun(testRecipe(), "1.0", "cpu");
  const double values[] = {
      std::numeric_limits<double>::quiet_NaN(), INFINITY, -INFINITY, std::numeric_limits<double>::denorm_min(),
      std::numeric_limits<double>::max(),       -0.0,     0.1};
  for (std::int64_t k = 0; k < 7; ++k) {
    StepRecord r;
    r.step = k * 10;  // steps need not be consecutive
    r.metric("v", values[k]);
    store.appendStep(run, r);
  }
  store.commit();
  const auto series = store.metricSeries(run, "v");
  ASSERT_EQ(series.size(), 7u);
  EXPECT_TRUE(std::isnan(series[0].value));
  for (std::size_t k = 1; k < 7; ++k) {
    EXPECT_EQ(series[k].step, static_cast<std::int64_t>(k) * 10);
    EXPECT_EQ(series[k].value, values[k]);
  }
}

TEST_F(StoreTest, ReplayByStepPositionIterationAndSeries) {
  Store store(dir / "r.sqlite");
  const auto run = store.createRun(testRecipe(), "1.0", "cpu");
  for (std::int64_t k = 0; k < 20; ++k) {
    StepRecord r;
    r.step = 3 * k;
    r.metric("k", static_cast<double>(k)).metric("k2", static_cast<double>(k * k));
    r.array("ramp", Array::fromValues<float>(
                        {2}, std::vector<float>{testing::expectedRamp(k, 0), testing::expectedRamp(k, 1)}));
    store.appendStep(run, r);
  }
  store.commit();

  Replay replay(store, run);
  ASSERT_EQ(replay.size(), 20u);
  EXPECT_EQ(replay.run().stepCount, 20);
  EXPECT_EQ(replay.stepNumbers()[5], 15);
  const StepRecord at7 = replay.at(7);
  EXPECT_EQ(at7.step, 21);
  EXPECT_EQ(*at7.findMetric("k2"), 49.0);
  EXPECT_EQ(at7.findArray("ramp")->data<float>()[1], testing::expectedRamp(7, 1));
  EXPECT_EQ(*replay.step(57).findMetric("k"), 19.0);
  EXPECT_THROW(replay.step(58), InputError);
  EXPECT_THROW(replay.at(20), std::out_of_range);
  EXPECT_EQ(replay.metricNames(), (std::vector<std::string>{"k", "k2"}));

  std::int64_t visited = 0;
  for (const StepRecord& r : replay) {
    EXPECT_EQ(r.step, 3 * visited);
    EXPECT_EQ(*r.findMetric("k"), static_cast<double>(visited));
    ++visited;
  }
  EXPECT_EQ(visited, 20);
  const auto series = replay.series("k2");
  ASSERT_EQ(series.size(), 20u);
  for (std::int64_t k = 0; k < 20; ++k) EXPECT_EQ(series[k].value, static_cast<double>(k * k));
}

TEST_F(StoreTest, AFailedStepLeavesNoTraceAndEarlierStepsStay) {
  Store store(dir / "a.sqlite");
  const auto run = store.createRun(testRecipe(), "1.0", "cpu");
  StepRecord good;
  good.step = 0;
  good.metric("x", 1);
  store.appendStep(run, good);
  StepRecord bad;
  bad.step = 1;
  bad.metric("x", 1).metric("x", 2);  // the same metric twice
  bad.array("a", Array(DType::F32, {4}));
  EXPECT_THROW(store.appendStep(run, bad), std::runtime_error);
  store.commit();
  EXPECT_EQ(store.stepNumbers(run), std::vector<std::int64_t>{0});
  EXPECT_TRUE(store.arrayInfos(run).empty());
  EXPECT_EQ(store.metricSeries(run, "x").size(), 1u);
}

TEST_F(StoreTest, RunLifecycleRemovalAndArtifacts) {
  Store store(dir / "l.sqlite");
  const auto a = store.createRun(testRecipe(), "1.0", "cpu");
  const auto b = store.createRun(testRecipe(), "1.0", "cpu");
  EXPECT_EQ(store.getRun(a).status, RunStatus::Created);
  store.setRunStatus(a, RunStatus::Running);
  EXPECT_GT(store.getRun(a).startedAt, 0);
  StepRecord r;
  r.step = 0;
  r.metric("m", 1).array("x", Array(DType::I32, {3}));
  store.appendStep(a, r);
  store.setRunStatus(a, RunStatus::Failed, "boom");
  const RunInfo info = store.getRun(a);
  EXPECT_EQ(info.status, RunStatus::Failed);
  EXPECT_EQ(info.error, "boom");
  EXPECT_GE(info.endedAt, info.startedAt);
  EXPECT_EQ(info.stepCount, 1);
  EXPECT_EQ(info.recipe, testRecipe().toJson());
  EXPECT_EQ(info.seed, 7u);

  const std::string png = "\x89PNG fake bytes";
  store.putArtifact(a, "figure.png", "image/png", std::as_bytes(std::span(png)));
  ASSERT_EQ(store.artifacts(a).size(), 1u);
  const auto back = store.readArtifact(a, "figure.png");
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(back.data()), back.size()), png);

  // Runs list newest first; removal takes everything of that run and nothing else.
  EXPECT_EQ(store.listRuns().front().id, b);
  EXPECT_THROW(store.removeRun(b), InputError);  // "created" by this live process
  store.setRunStatus(b, RunStatus::Cancelled);
  store.removeRun(a);
  EXPECT_FALSE(store.findRun(a).has_value());
  EXPECT_EQ(store.database().queryInt("SELECT count(*) FROM metrics"), 0);
  EXPECT_EQ(store.database().queryInt("SELECT count(*) FROM arrays"), 0);
  EXPECT_EQ(store.database().queryInt("SELECT count(*) FROM artifacts"), 0);
  EXPECT_TRUE(store.findRun(b).has_value());
  try {
    store.getRun(a);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), "run " + std::to_string(a) + ": no such run in " + store.path().string());
  }
}

TEST_F(StoreTest, UsesWalAndCurrentSchema) {
  Store store(dir / "w.sqlite");
  EXPECT_EQ(store.database().queryText("PRAGMA journal_mode"), "wal");
  EXPECT_EQ(store.database().queryInt("PRAGMA user_version"), kStoreSchemaVersion);
  EXPECT_EQ(store.database().queryText("PRAGMA integrity_check"), "ok");
}

TEST_F(StoreTest, CreatesMissingParentDirectories) {
  Store store(dir / "a" / "b" / "c.sqlite");
  EXPECT_TRUE(std::filesystem::exists(dir / "a" / "b" / "c.sqlite"));
}

}  // namespace
}  // namespace loupe
