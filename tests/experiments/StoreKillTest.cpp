// A recording process killed with SIGKILL mid-run: the file stays intact, the
// run shows as interrupted, and every step committed before the kill is there
// with the values the engine computed (checked against the closed form).
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <thread>

#include "experiments/Recipe.h"
#include "experiments/Replay.h"
#include "experiments/Sqlite.h"
#include "experiments/Store.h"
#include "tests/support/RecordRun.h"
#include "tests/support/TestHelpers.h"
#include "tests/support/TestKinds.h"

namespace loupe {
namespace {

std::int64_t committedSteps(const std::filesystem::path& db) {
  try {
    SqliteDb raw(db, SQLITE_OPEN_READONLY);
    sqlite3_busy_timeout(raw.handle(), 1000);
    return raw.queryInt("SELECT count(*) FROM steps");
  } catch (const SqliteError&) {
    return 0;  // not created yet
  }
}

TEST(StoreKill, SigkillMidRunKeepsCommittedStepsAndMarksInterrupted) {
  testing::TempDir dir;
  const auto db = dir / "kill.sqlite";
  testing::writeFile(dir / "slow.json",
                     R"({"kind": "test.series", "name": "to be killed",
                         "params": {"steps": 100000, "sleep_ms": 5, "array_len": 1000}})");
  const pid_t child = testing::spawnProcess({LOUPE_TEST_CLI, "run", (dir / "slow.json").string(), "--db", db.string()},
                                            dir / "out", dir / "err");

  std::int64_t seen = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while ((seen = committedSteps(db)) < 100 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(kill(child, SIGKILL), 0);
  int status = 0;
  waitpid(child, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status)) << testing::readFile(dir / "err");
  ASSERT_GE(seen, 100) << "the child did not record in time: " << testing::readFile(dir / "err");

  Store store(db);
  EXPECT_EQ(store.database().queryText("PRAGMA integrity_check"), "ok");
  const auto runs = store.listRuns();
  ASSERT_EQ(runs.size(), 1u);
  const RunInfo& run = runs[0];
  EXPECT_EQ(run.status, RunStatus::Interrupted);
  EXPECT_NE(run.error.find("ended before the run finished"), std::string::npos);
  EXPECT_GE(run.stepCount, seen);  // nothing committed was lost
  EXPECT_LT(run.stepCount, 100000);

  // Every committed step is complete and holds the closed-form values.
  Replay replay(store, run.id);
  std::int64_t k = 0;
  for (const StepRecord& r : replay) {
    ASSERT_EQ(r.step, k);
    EXPECT_EQ(*r.findMetric("square"), static_cast<double>(k * k));
    EXPECT_DOUBLE_EQ(*r.findMetric("sine"), std::sin(static_cast<double>(k) * 0.1));
    const Array* ramp = r.findArray("ramp");
    const Array* counts = r.findArray("counts");
    ASSERT_TRUE(ramp && counts) << "step " << k << " is incomplete";
    ASSERT_EQ(ramp->numel(), 1000);
    EXPECT_EQ(ramp->data<float>()[999], testing::expectedRamp(k, 999));
    EXPECT_EQ(counts->data<std::int64_t>()[1000 + 999], testing::expectedCount(k, 1, 999));
    ++k;
  }
  EXPECT_EQ(k, run.stepCount);
}

}  // namespace
}  // namespace loupe

namespace loupe {
namespace {

// The workbench keeps its own Store open while a child `loupe run` records
// into the same file, and opens a second Store of it for each run it follows.
// Opening that second Store used to read the file's header with an ifstream,
// whose close dropped every POSIX lock this process held on the database;
// the first child to exit then deleted the WAL under the open connections,
// which never saw another process's commit again ("no such run").
TEST(StoreKill, ASecondStoreInOneProcessKeepsTheFirstSeeingOtherProcesses) {
  testing::TempDir dir;
  const auto db = dir / "shared.sqlite";
  testing::writeFile(dir / "r.json", R"({"kind": "test.series", "params": {"steps": 3}})");
  Store first(db);
  for (int child = 1; child <= 3; ++child) {
    {
      Store second(db);  // what each followed run opens
      const auto r = testing::runProcess({LOUPE_TEST_CLI, "run", (dir / "r.json").string(), "--db", db.string()});
      ASSERT_EQ(r.exitCode, 0) << r.err;
      EXPECT_TRUE(second.findRun(child).has_value()) << "run " << child << " invisible to the second store";
    }
    const auto seen = first.findRun(child);
    ASSERT_TRUE(seen.has_value()) << "run " << child << " invisible to the first store";
    EXPECT_EQ(seen->stepCount, 3);
  }
}

}  // namespace
}  // namespace loupe

namespace loupe {
namespace {

// A process records a run to its end and dies without closing the store (its
// WAL stays behind); then the -wal is damaged. SQLite drops a WAL's frames
// from the first bad checksum on — with integrity_check still "ok" — so the
// finished run used to vanish. Ended runs are checkpointed into the database
// file now: the damage costs nothing already recorded.
TEST(StoreKill, ADamagedWalLosesNoFinishedRun) {
  testing::TempDir dir;
  const auto db = dir / "wal.sqlite";
  KindRegistry kinds;
  testing::registerTestKinds(kinds);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    Store store(db);
    const auto r = testing::recordRun(store, kinds, R"({"kind": "test.series", "params": {"steps": 40}})");
    // And a second run that is still recording when the process dies.
    const Recipe recipe = parseRecipeText(R"({"kind": "test.series"})", "test", kinds);
    const auto open = store.createRun(recipe, "1", "cpu");
    store.setRunStatus(open, RunStatus::Running);
    ::_exit(r.status == RunStatus::Finished ? 0 : 1);  // no destructor: the WAL is not cleaned up
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  const auto wal = std::filesystem::path(db.string() + "-wal");
  ASSERT_TRUE(std::filesystem::exists(wal));
  ASSERT_GT(std::filesystem::file_size(wal), 4096u);
  std::filesystem::resize_file(wal, 100);  // torn in its header: every frame goes

  Store store(db);
  EXPECT_EQ(store.integrityCheck(), "ok");
  const RunInfo run = store.getRun(1);
  EXPECT_EQ(run.status, RunStatus::Finished);
  EXPECT_EQ(run.stepCount, 40);
  const auto metrics = store.readStep(1, 39).metrics;
  const auto square = std::find_if(metrics.begin(), metrics.end(), [](const auto& m) { return m.first == "square"; });
  ASSERT_NE(square, metrics.end());
  EXPECT_EQ(square->second, 39.0 * 39.0);
}

}  // namespace
}  // namespace loupe
