// The store's schema and its forward migrations. Version N of the schema is
// what migrations 1..N produce from an empty file; PRAGMA user_version holds N.
// A migration is never edited once released — add a new one instead.
//
// History:
//   1  runs, steps, metrics, arrays
//   2  runs.pid_start (reliable "interrupted" detection: pids get reused),
//      artifacts (exported figures and files), index for runs by time
//   3  arrays.crc32
//   4  runs.uuid (a global id: merging a shard twice adds nothing),
//      sweeps, runs.sweep_id / runs.sweep_point
#pragma once

#include "experiments/Sqlite.h"

namespace loupe {

inline constexpr int kStoreSchemaVersion = 4;

// Brings `db` from its current user_version up to kStoreSchemaVersion inside
// one transaction. The caller has checked the version is not newer.
void migrateStore(SqliteDb& db);

}  // namespace loupe
