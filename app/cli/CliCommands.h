// The subcommands of `loupe`; each returns an exit code (Cli.h) and may throw
// InputError, which runCli() prints and maps to exit code 2.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "experiments/KindRegistry.h"
#include "experiments/Store.h"

namespace loupe {

struct RunCommand {
  std::string recipeFile;
  std::string device;  // empty: as the recipe says
  std::vector<std::string> overrides;
  // For a parent process (the workbench): after the run id, "progress
  // FRACTION MESSAGE" lines on stdout while the run goes.
  bool progressLines = false;
  // A point of a sweep (DIR/sweep.json): the run is linked to the sweep and
  // point in the store it records into (the point's shard).
  std::filesystem::path sweepDir;
  std::int64_t sweepPoint = -1;
};

struct SweepCommand {
  std::filesystem::path spec;
  std::string backend = "local";  // local | slurm
  int jobs = 0;                   // 0: the machine's cores (local), no throttle (slurm)
  std::filesystem::path dir;      // empty: beside the store, sweeps/<uuid>
  std::string slurmPartition, slurmTime, slurmGres, slurmExtra;
  bool wait = true;  // slurm: wait for the array and the merge job
};

struct ExportCommand {
  std::string run;
  std::filesystem::path outDir;
  std::string format;  // csv | npy | json | empty = all that apply
  std::optional<std::string> array;
  std::optional<std::int64_t> step;
};

int commandKinds(const KindRegistry& registry, bool json);
int commandRun(const KindRegistry& registry, const std::filesystem::path& db, const RunCommand& command);
int commandList(const std::filesystem::path& db, bool json);
int commandShow(const std::filesystem::path& db, const std::string& run, bool json);
int commandExport(const std::filesystem::path& db, const ExportCommand& command);
int commandRemove(const std::filesystem::path& db, const std::string& run);
// SQLite's integrity check and every array read back (shape, size, checksum,
// codec); each problem printed naming run, step and array. Exit 1 on any.
int commandCheck(const std::filesystem::path& db);
// Replaces the process with `loupe-workbench --report` (see CliReport.cpp).
int commandReport(const std::filesystem::path& db, const std::vector<std::string>& runs,
                  const std::filesystem::path& out);

// Merges shard stores into `db` (StoreMerge.h); one line per shard.
int commandMerge(const std::filesystem::path& db, const std::vector<std::filesystem::path>& shards);
// Expands the spec, records the sweep in `db`, writes its folder, runs its
// points on the backend and merges them as they finish. Prints the sweep id.
int commandSweep(const KindRegistry& registry, const std::filesystem::path& db, const SweepCommand& command);
// Merges what finished, then one line per point: its latest run's status.
int commandSweepStatus(const std::filesystem::path& db, std::int64_t sweep);
// Runs the points without a finished run again, on the sweep's backend.
int commandSweepResume(const KindRegistry& registry, const std::filesystem::path& db, std::int64_t sweep,
                       const SweepCommand& command);
// Stops the sweep's points still running (scancel for Slurm); what finished stays.
int commandSweepCancel(const std::filesystem::path& db, std::int64_t sweep);

// "12" or "last" (the newest run). Throws InputError.
std::int64_t parseRunId(Store& store, const std::string& text);

}  // namespace loupe
