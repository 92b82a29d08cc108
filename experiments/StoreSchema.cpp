#include "experiments/StoreSchema.h"

#include <string>

namespace loupe {

namespace {

// No foreign keys: checking them on every metric row costs insert speed, and
// the store deletes a run's rows itself, in one transaction.
// Index i holds the SQL that takes a database from version i to i + 1.
constexpr const char* kMigrations[] = {
    // 0 -> 1
    R"sql(
CREATE TABLE runs (
  id             INTEGER PRIMARY KEY,
  kind           TEXT NOT NULL,
  name           TEXT NOT NULL,
  recipe         TEXT NOT NULL,          -- complete recipe JSON, defaults filled in
  status         TEXT NOT NULL,          -- created|running|finished|failed|cancelled|interrupted
  error          TEXT,
  created_at     REAL NOT NULL,          -- Unix seconds, UTC
  started_at     REAL,
  ended_at       REAL,
  engine_version TEXT NOT NULL,
  device         TEXT NOT NULL,
  seed           INTEGER NOT NULL,
  host           TEXT NOT NULL,
  pid            INTEGER
);
CREATE TABLE steps (
  run_id      INTEGER NOT NULL,
  step        INTEGER NOT NULL,
  recorded_at REAL NOT NULL,
  PRIMARY KEY (run_id, step)
) WITHOUT ROWID;
CREATE TABLE metrics (
  run_id INTEGER NOT NULL,
  step   INTEGER NOT NULL,
  name   TEXT NOT NULL,
  value  REAL,                           -- NULL for NaN (SQLite has no NaN)
  PRIMARY KEY (run_id, step, name)
) WITHOUT ROWID;
CREATE TABLE arrays (
  run_id    INTEGER NOT NULL,
  step      INTEGER NOT NULL,
  name      TEXT NOT NULL,
  dtype     TEXT NOT NULL,               -- f16 bf16 f32 f64 i8 i32 i64 u8 u16 bool
  shape     TEXT NOT NULL,               -- JSON list, C order
  codec     TEXT NOT NULL,               -- raw | zstd (of little-endian C-order bytes)
  raw_bytes INTEGER NOT NULL,
  data      BLOB NOT NULL,
  PRIMARY KEY (run_id, step, name)
);
)sql",
    // 1 -> 2
    R"sql(
ALTER TABLE runs ADD COLUMN pid_start INTEGER;
CREATE TABLE artifacts (
  run_id     INTEGER NOT NULL,
  name       TEXT NOT NULL,
  mime       TEXT NOT NULL,
  created_at REAL NOT NULL,
  data       BLOB NOT NULL,
  PRIMARY KEY (run_id, name)
);
CREATE INDEX runs_by_created ON runs(created_at);
)sql",
    // 2 -> 3: a CRC-32 of each array's stored bytes, verified on every read
    // and by `loupe check` (damaged raw-codec blobs used to export silently).
    // NULL for arrays recorded before it.
    R"sql(
ALTER TABLE arrays ADD COLUMN crc32 INTEGER;
)sql",
    // 3 -> 4: sweeps. Every run gets a global id (runs recorded into shards on
    // many machines are merged into one store, and merging the same shard
    // twice must add nothing); a sweep is a spec expanded into points, each
    // point an ordinary run linked to it.
    R"sql(
ALTER TABLE runs ADD COLUMN uuid TEXT;
UPDATE runs SET uuid = lower(hex(randomblob(16)));
CREATE UNIQUE INDEX runs_by_uuid ON runs(uuid);
ALTER TABLE runs ADD COLUMN sweep_id INTEGER;
ALTER TABLE runs ADD COLUMN sweep_point INTEGER;
CREATE INDEX runs_by_sweep ON runs(sweep_id, sweep_point);
CREATE TABLE sweeps (
  id         INTEGER PRIMARY KEY,
  uuid       TEXT NOT NULL UNIQUE,
  name       TEXT NOT NULL,
  spec       TEXT NOT NULL,             -- the sweep spec JSON, base recipe inlined
  points     INTEGER NOT NULL,
  backend    TEXT NOT NULL,             -- local | slurm
  job_id     TEXT,                      -- the Slurm array job, when there is one
  directory  TEXT,                      -- where its shards are written
  created_at REAL NOT NULL
);
)sql",
};

static_assert(std::size(kMigrations) == kStoreSchemaVersion, "one migration per schema version");

}  // namespace

void migrateStore(SqliteDb& db) {
  // A current store needs no write lock to open: readers (`loupe list`,
  // `show`) must not queue behind a recording run. Only a store that needs
  // migrating takes one, and checks again under it (another process may
  // have migrated meanwhile).
  if (db.queryInt("PRAGMA user_version") == kStoreSchemaVersion) return;
  SqliteTransaction tx(db);
  const int from = static_cast<int>(db.queryInt("PRAGMA user_version"));
  for (int v = from; v < kStoreSchemaVersion; ++v) db.exec(kMigrations[v]);
  if (from != kStoreSchemaVersion) db.exec("PRAGMA user_version = " + std::to_string(kStoreSchemaVersion));
  tx.commit();
}

}  // namespace loupe
