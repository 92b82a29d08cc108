#include <gtest/gtest.h>

#include <set>

#include "engines/core/Error.h"
#include "experiments/ProcessIdentity.h"
#include "experiments/Sqlite.h"
#include "experiments/Store.h"
#include "experiments/StoreSchema.h"
#include "tests/support/TestHelpers.h"

namespace loupe {
namespace {

TEST(StoreMigration, Version1StoreIsMigratedWithEverythingKept) {
  testing::TempDir dir;
  const auto file = dir / "v1.sqlite";
  std::string sql = testing::readFile(std::string(LOUPE_TEST_SOURCE_DIR) + "/experiments/fixtures/schema_v1.sql");
  ASSERT_FALSE(sql.empty());
  sql.replace(sql.find("@HOST@"), 6, currentProcess().host);
  {
    SqliteDb raw(file, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    raw.exec(sql);
    ASSERT_EQ(raw.queryInt("PRAGMA user_version"), 1);
  }

  Store store(file);
  EXPECT_EQ(store.database().queryInt("PRAGMA user_version"), kStoreSchemaVersion);
  EXPECT_EQ(store.database().queryText("PRAGMA integrity_check"), "ok");

  const RunInfo old = store.getRun(1);
  EXPECT_EQ(old.name, "old run");
  EXPECT_EQ(old.status, RunStatus::Finished);
  EXPECT_EQ(old.engineVersion, "0.9");
  EXPECT_EQ(old.seed, 3u);
  EXPECT_EQ(old.stepCount, 2);
  EXPECT_DOUBLE_EQ(old.endedAt - old.startedAt, 1.5);
  const auto loss = store.metricSeries(1, "loss");
  ASSERT_EQ(loss.size(), 2u);
  EXPECT_EQ(loss[0].value, 2.5);
  EXPECT_EQ(loss[1].value, 1.25);
  const Array w = store.readArray(1, 1, "w");
  ASSERT_EQ(w.numel(), 3);
  EXPECT_EQ(w.data<float>()[0], 1.0f);
  EXPECT_EQ(w.data<float>()[2], 3.0f);

  // The run whose process died under the old version shows as interrupted.
  const RunInfo crashed = store.getRun(2);
  EXPECT_EQ(crashed.status, RunStatus::Interrupted);
  EXPECT_EQ(crashed.stepCount, 1);

  // What version 2 added works on the migrated file.
  const std::string bytes = "fig";
  store.putArtifact(1, "fig.svg", "image/svg+xml", std::as_bytes(std::span(bytes)));
  EXPECT_EQ(store.artifacts(1).size(), 1u);
  Recipe r;
  r.kind = "test.series";
  r.name = "new";
  EXPECT_EQ(store.createRun(r, "1.0", "cpu"), 3);

  // Version 4: every run, old ones included, has its own global id.
  std::set<std::string> uuids;
  for (const RunInfo& run : store.listRuns()) {
    EXPECT_EQ(run.uuid.size(), 32u) << run.id;
    uuids.insert(run.uuid);
  }
  EXPECT_EQ(uuids.size(), 3u);
  EXPECT_TRUE(store.listSweeps().empty());
}

// Another process holding the write lock past the busy timeout while this
// one must migrate: a message that says so, not SQLite's "database is
// locked", and the store left as it was.
TEST(StoreMigration, AMigrationBehindAnotherWriterSaysWhatWaited) {
  testing::TempDir dir;
  const auto file = dir / "v1.sqlite";
  std::string sql = testing::readFile(std::string(LOUPE_TEST_SOURCE_DIR) + "/experiments/fixtures/schema_v1.sql");
  sql.replace(sql.find("@HOST@"), 6, currentProcess().host);
  SqliteDb writer(file, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  writer.exec(sql);
  writer.exec("PRAGMA journal_mode = WAL");
  writer.exec("BEGIN IMMEDIATE");  // another Loupe process, mid-migration
  try {
    Store store(file);
    FAIL() << "opened while another connection held the write lock";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("another Loupe process held the database's write lock"), std::string::npos)
        << e.what();
  }
  writer.exec("ROLLBACK");
  EXPECT_EQ(writer.queryInt("PRAGMA user_version"), 1);
}

TEST(StoreMigration, ReopeningACurrentStoreChangesNothing) {
  testing::TempDir dir;
  const auto file = dir / "s.sqlite";
  { Store store(file); }
  { Store store(file); }
  SqliteDb raw(file, SQLITE_OPEN_READONLY);
  EXPECT_EQ(raw.queryInt("PRAGMA user_version"), kStoreSchemaVersion);
  EXPECT_EQ(raw.queryInt("SELECT count(*) FROM sqlite_schema WHERE type = 'table'"), 6);  // runs … artifacts, sweeps
}

}  // namespace
}  // namespace loupe
