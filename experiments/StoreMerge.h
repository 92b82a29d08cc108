// Merging shard stores into one: each point of a sweep is recorded into its
// own SQLite file (SQLite must not be written concurrently over NFS), and
// the shards are merged into the user's store when they finish.
//
// Guarantees
// - Idempotent: a run is known by its uuid; one already in the target is
//   skipped, so merging the same shard twice adds nothing.
// - Byte-identical: recipes, metrics, array blobs (codec, CRC) and
//   artifacts are copied as stored, never decoded and re-encoded.
// - Atomic per shard: one transaction; a merge killed midway leaves the
//   target as it was, and running it again completes it.
// - The shard is checked as the store checks any file (not SQLite, another
//   application, a newer schema: refused, the file untouched); an older
//   shard is migrated first.
// - Only runs that ended (finished, failed, cancelled, interrupted) are
//   merged; a point still recording is left for the next merge.
// - Sweeps come along by uuid, so merged runs stay linked to their sweep
//   and point.
#pragma once

#include <cstdint>
#include <filesystem>

#include "experiments/Store.h"

namespace loupe {

struct MergeResult {
  std::int64_t runsAdded = 0;
  std::int64_t runsAlreadyThere = 0;  // same uuid in the target
  std::int64_t runsNotEnded = 0;      // created or running in the shard: left for later
  std::int64_t sweepsAdded = 0;
  std::uint64_t bytes = 0;  // stored bytes of the arrays and artifacts copied
};

// Throws InputError naming the shard for a file it must not read.
MergeResult mergeShard(Store& target, const std::filesystem::path& shard);

}  // namespace loupe
