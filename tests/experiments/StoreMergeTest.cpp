// Merging shard stores (experiments/StoreMerge.h): runs recorded into two
// shards land in the target with recipes, metrics and array blobs
// byte-identical and linked to their sweep and point; merging again adds
// nothing; runs still recording wait; a shard of a newer schema or of
// another application is refused and left untouched.
#include <gtest/gtest.h>

#include "engines/core/Error.h"
#include "experiments/KindRegistry.h"
#include "experiments/Sqlite.h"
#include "experiments/StoreMerge.h"
#include "experiments/StoreSchema.h"
#include "tests/support/RecordRun.h"
#include "tests/support/TestHelpers.h"

namespace loupe {
namespace {

namespace fs = std::filesystem;

std::string hippo(int state) {
  return R"({"kind": "ssm.hippo", "params": {"state": )" + std::to_string(state) +
         R"(, "length": 400, "steps": 4, "signal": "chirp"}})";
}

// Every stored byte of a run, in a canonical order: recipe, steps, metrics
// (by name) and arrays (blob, codec, CRC) — what must survive a merge.
std::string storedBytes(SqliteDb& db, const std::string& uuid) {
  std::string out;
  auto run = db.prepare("SELECT id, recipe, status, seed, created_at, ended_at FROM runs WHERE uuid = ?");
  run.bind(1, uuid);
  if (!run.step()) return "absent";
  const std::int64_t id = run.columnInt(0);
  out += run.columnText(1) + run.columnText(2) + std::to_string(run.columnInt(3)) +
         std::to_string(run.columnDouble(4)) + std::to_string(run.columnDouble(5));
  auto metrics = db.prepare("SELECT step, name, value FROM metrics WHERE run_id = ? ORDER BY step, name");
  metrics.bind(1, id);
  while (metrics.step())
    out += std::to_string(metrics.columnInt(0)) + metrics.columnText(1) + std::to_string(metrics.columnDouble(2));
  auto arrays = db.prepare(
      "SELECT step, name, dtype, shape, codec, raw_bytes, data, crc32 FROM arrays WHERE run_id = ? "
      "ORDER BY step, name");
  arrays.bind(1, id);
  while (arrays.step()) {
    for (int c : {1, 2, 3, 4}) out += arrays.columnText(c);
    const auto blob = arrays.columnBlob(6);
    out.append(reinterpret_cast<const char*>(blob.data()), blob.size());
    out += std::to_string(arrays.columnInt(7));
  }
  return out;
}

TEST(StoreMerge, ShardsLandByteIdenticalLinkedToTheirSweepAndTwiceAddsNothing) {
  KindRegistry kinds;
  registerBuiltinKinds(kinds);
  testing::TempDir dir;
  // Two shards, each one point of the same sweep (as `loupe run --sweep` records them).
  SweepInfo sweep;
  sweep.name = "hippo over N";
  sweep.spec = {{"base", {{"kind", "ssm.hippo"}}}};
  sweep.points = 2;
  sweep.backend = "local";
  std::vector<std::string> uuids;
  std::string sweepUuid;
  for (int point = 0; point < 2; ++point) {
    Store shard(dir / ("p" + std::to_string(point) + ".sqlite"));
    const std::int64_t s = shard.createSweep(sweep);
    sweep.uuid = sweepUuid = shard.findSweep(s)->uuid;  // the second shard declares the same sweep
    const auto r = testing::recordRun(shard, kinds, hippo(8 << point));
    ASSERT_EQ(r.status, RunStatus::Finished) << r.error;
    shard.linkRunToSweep(r.run, s, point);
    uuids.push_back(shard.getRun(r.run).uuid);
  }
  Store target(dir / "target.sqlite");
  ASSERT_EQ(testing::recordRun(target, kinds, hippo(4)).status, RunStatus::Finished);  // a run already there
  for (int point = 0; point < 2; ++point) {
    const MergeResult m = mergeShard(target, dir / ("p" + std::to_string(point) + ".sqlite"));
    EXPECT_EQ(m.runsAdded, 1);
    EXPECT_EQ(m.sweepsAdded, point == 0 ? 1 : 0);
    EXPECT_GT(m.bytes, 0u);
  }
  EXPECT_EQ(target.listRuns().size(), 3u);
  const auto merged = target.findSweepByUuid(sweepUuid);
  ASSERT_TRUE(merged);
  EXPECT_EQ(merged->name, "hippo over N");
  const auto runs = target.sweepRuns(merged->id);
  ASSERT_EQ(runs.size(), 2u);
  for (int point = 0; point < 2; ++point) {
    EXPECT_EQ(runs[point].sweepPoint, point);
    EXPECT_EQ(runs[point].uuid, uuids[point]);
    SqliteDb shard(dir / ("p" + std::to_string(point) + ".sqlite"), SQLITE_OPEN_READONLY);
    const std::string want = storedBytes(shard, uuids[point]);
    EXPECT_GT(want.size(), 1000u);
    EXPECT_EQ(storedBytes(target.database(), uuids[point]), want) << "point " << point;
  }
  // Again: nothing added, everything recognised.
  for (int point = 0; point < 2; ++point) {
    const MergeResult m = mergeShard(target, dir / ("p" + std::to_string(point) + ".sqlite"));
    EXPECT_EQ(m.runsAdded, 0);
    EXPECT_EQ(m.runsAlreadyThere, 1);
    EXPECT_EQ(m.sweepsAdded, 0);
  }
  EXPECT_EQ(target.listRuns().size(), 3u);
  EXPECT_EQ(target.listSweeps().size(), 1u);
  EXPECT_EQ(target.integrityCheck(), "ok");
}

TEST(StoreMerge, ARunStillRecordingWaitsForTheNextMerge) {
  KindRegistry kinds;
  registerBuiltinKinds(kinds);
  testing::TempDir dir;
  std::int64_t open = 0;
  {
    Store shard(dir / "shard.sqlite");
    ASSERT_EQ(testing::recordRun(shard, kinds, hippo(8)).status, RunStatus::Finished);
    Recipe r;
    r.kind = "ssm.hippo";
    r.name = "still recording";
    open = shard.createRun(r, "1", "cpu");  // this process is alive: not interrupted
  }
  Store target(dir / "target.sqlite");
  const MergeResult m = mergeShard(target, dir / "shard.sqlite");
  EXPECT_EQ(m.runsAdded, 1);
  EXPECT_EQ(m.runsNotEnded, 1);
  {
    Store shard(dir / "shard.sqlite");
    shard.setRunStatus(open, RunStatus::Running);
    shard.setRunStatus(open, RunStatus::Finished);
  }
  EXPECT_EQ(mergeShard(target, dir / "shard.sqlite").runsAdded, 1);
  EXPECT_EQ(target.listRuns().size(), 2u);
}

TEST(StoreMerge, ANewerOrForeignShardIsRefusedUntouched) {
  testing::TempDir dir;
  Store target(dir / "target.sqlite");
  const fs::path newer = dir / "newer.sqlite", foreign = dir / "foreign.sqlite", text = dir / "notes.sqlite";
  { Store make(newer); }
  {
    SqliteDb raw(newer, SQLITE_OPEN_READWRITE);
    raw.exec("PRAGMA user_version = " + std::to_string(kStoreSchemaVersion + 1));
  }
  {
    SqliteDb raw(foreign, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    raw.exec("CREATE TABLE photos(id INTEGER)");
  }
  testing::writeFile(text, "not a database at all, just some notes\n");
  for (const auto& [file, needle] : {std::pair{newer, "newer Loupe"},
                                     {foreign, "another application"},
                                     {text, "not an SQLite database"},
                                     {dir / "absent.sqlite", "no such shard"}}) {
    const std::string before = fs::exists(file) ? testing::readFile(file) : "";
    try {
      mergeShard(target, file);
      ADD_FAILURE() << file << " was merged";
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find(file.string()), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
    if (fs::exists(file)) {
      EXPECT_EQ(testing::readFile(file), before) << file;
    }
  }
  EXPECT_TRUE(target.listRuns().empty());
  EXPECT_THROW(mergeShard(target, target.path()), InputError);
}

}  // namespace
}  // namespace loupe
