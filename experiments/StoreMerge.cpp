#include "experiments/StoreMerge.h"

#include <string>
#include <system_error>

#include "engines/core/Error.h"
#include "experiments/Sqlite.h"

namespace loupe {

namespace fs = std::filesystem;

namespace {

// The columns a run keeps when it moves between stores (not its id, not its
// sweep id: both are the target's own).
constexpr const char* kRunCopyColumns =
    "kind, name, recipe, status, error, created_at, started_at, ended_at, engine_version, device, seed, host, pid, "
    "pid_start, uuid, sweep_point";

// Detaches the shard however the merge ends.
struct Attached {
  SqliteDb& db;
  ~Attached() {
    try {
      db.exec("DETACH DATABASE shard");
    } catch (...) {
    }
  }
};

}  // namespace

MergeResult mergeShard(Store& target, const fs::path& shard) {
  const std::string where = shard.string();
  std::error_code ec;
  if (!fs::is_regular_file(shard, ec)) throw InputError(where, "no such shard file");
  if (fs::equivalent(shard, target.path(), ec)) throw InputError(where, "is the store being merged into");
  {
    // Opening it as a store checks it (and refuses a foreign or newer file
    // untouched), migrates an older shard, and marks runs whose recording
    // process died as interrupted.
    Store check(shard);
  }
  target.commit();
  SqliteDb& db = target.database();
  db.prepare("ATTACH DATABASE ? AS shard").bind(1, where).run();
  Attached detach{db};
  MergeResult result;
  SqliteTransaction tx(db);

  // Sweeps by uuid: the target's id for each of the shard's.
  db.exec(
      "INSERT INTO main.sweeps(uuid, name, spec, points, backend, job_id, directory, created_at)"
      " SELECT uuid, name, spec, points, backend, job_id, directory, created_at FROM shard.sweeps"
      " WHERE uuid NOT IN (SELECT uuid FROM main.sweeps)");
  result.sweepsAdded = db.queryInt("SELECT changes()");

  result.runsNotEnded = db.queryInt("SELECT count(*) FROM shard.runs WHERE status IN ('created', 'running')");
  result.runsAlreadyThere = db.queryInt(
      "SELECT count(*) FROM shard.runs WHERE status NOT IN ('created', 'running')"
      " AND uuid IN (SELECT uuid FROM main.runs)");
  auto pending = db.prepare(
      "SELECT id FROM shard.runs WHERE status NOT IN ('created', 'running')"
      " AND uuid NOT IN (SELECT uuid FROM main.runs) ORDER BY id");
  std::vector<std::int64_t> runs;
  while (pending.step()) runs.push_back(pending.columnInt(0));

  auto insertRun =
      db.prepare(std::string("INSERT INTO main.runs(") + kRunCopyColumns + ", sweep_id) SELECT " + kRunCopyColumns +
                 ", (SELECT m.id FROM main.sweeps m JOIN shard.sweeps s ON s.uuid = m.uuid"
                 "   WHERE s.id = shard.runs.sweep_id)"
                 " FROM shard.runs WHERE id = ?");
  auto copySteps = db.prepare(
      "INSERT INTO main.steps(run_id, step, recorded_at) SELECT ?, step, recorded_at FROM shard.steps WHERE run_id = "
      "?");
  auto copyMetrics = db.prepare(
      "INSERT INTO main.metrics(run_id, step, name, value) SELECT ?, step, name, value FROM shard.metrics"
      " WHERE run_id = ?");
  auto copyArrays = db.prepare(
      "INSERT INTO main.arrays(run_id, step, name, dtype, shape, codec, raw_bytes, data, crc32)"
      " SELECT ?, step, name, dtype, shape, codec, raw_bytes, data, crc32 FROM shard.arrays WHERE run_id = ?");
  auto copyArtifacts = db.prepare(
      "INSERT INTO main.artifacts(run_id, name, mime, created_at, data)"
      " SELECT ?, name, mime, created_at, data FROM shard.artifacts WHERE run_id = ?");
  auto bytesOf = db.prepare(
      "SELECT coalesce((SELECT sum(length(data)) FROM shard.arrays WHERE run_id = ?1), 0)"
      " + coalesce((SELECT sum(length(data)) FROM shard.artifacts WHERE run_id = ?1), 0)");
  for (std::int64_t old : runs) {
    insertRun.bind(1, old).run();
    const std::int64_t id = db.lastInsertRowId();
    for (SqliteStatement* copy : {&copySteps, &copyMetrics, &copyArrays, &copyArtifacts})
      copy->bind(1, id).bind(2, old).run();
    bytesOf.bind(1, old);
    if (bytesOf.step()) result.bytes += static_cast<std::uint64_t>(bytesOf.columnInt(0));
    bytesOf.reset();
    ++result.runsAdded;
  }
  tx.commit();
  return result;
}

}  // namespace loupe
