// The folder a sweep runs from, shared by every process that records one
// of its points (on this machine or on any node of a cluster):
//
//   DIR/sweep.json          the manifest: uuid, name, points, the spec
//   DIR/points/K.json       point K's complete recipe
//   DIR/shards/K.sqlite     point K's store (its runs: a rerun adds one)
//   DIR/logs/K.log          what point K's process printed
//
// Each point records into its own shard: SQLite must not be written by
// many processes at once over NFS. Shards are merged into the user's store
// (StoreMerge.h) as they finish.
#pragma once

#include <filesystem>
#include <string>

#include "experiments/Store.h"
#include "experiments/SweepSpec.h"

namespace loupe {

struct SweepDirectory {
  std::filesystem::path root;

  std::filesystem::path manifest() const { return root / "sweep.json"; }
  std::filesystem::path pointRecipe(std::int64_t point) const {
    return root / "points" / (std::to_string(point) + ".json");
  }
  std::filesystem::path shard(std::int64_t point) const {
    return root / "shards" / (std::to_string(point) + ".sqlite");
  }
  std::filesystem::path log(std::int64_t point) const { return root / "logs" / (std::to_string(point) + ".log"); }
};

// Writes the manifest and every point's recipe (creating the folders).
// `sweep` must carry its uuid.
void writeSweepDirectory(const SweepDirectory& dir, const SweepInfo& sweep, const SweepSpec& spec);

// The manifest as a SweepInfo (uuid, name, points, spec, directory);
// throws InputError naming the file and field.
SweepInfo readSweepManifest(const SweepDirectory& dir);
// The same from the manifest's text (no directory); `where` names it in errors.
SweepInfo parseSweepManifest(const std::string& text, const std::string& where);

}  // namespace loupe
