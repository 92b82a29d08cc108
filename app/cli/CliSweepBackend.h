// What the sweep commands share between the local backend (CliSweep.cpp)
// and the Slurm one (CliSlurm.cpp).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "app/cli/CliCommands.h"
#include "experiments/Store.h"

namespace loupe {

// A point as the store knows it after merging what finished.
struct PointState {
  std::int64_t point = 0;
  std::int64_t runs = 0;  // runs recorded for it (a resumed point has more)
  std::int64_t run = 0;   // the latest
  std::string status;     // the latest run's
  bool finished = false;  // some run of it finished
};

// Merges every shard there is, then each point's state.
std::vector<PointState> mergeAndReadPoints(Store& store, const SweepInfo& sweep);
// Runs `points` as `jobs` child processes at a time, merging each as it ends.
int runPointsLocally(Store& store, const SweepInfo& sweep, const std::vector<std::int64_t>& points, int jobs);

// A command's exit code and output.
struct CommandOutput {
  int exitCode = -1;
  std::string out, err;
};
// Runs argv[0] (searched in PATH) with no shell; throws InputError when it
// cannot start.
CommandOutput runCommand(const std::vector<std::string>& argv);
// This program's own path (/proc/self/exe).
std::string selfPath();

// Slurm (CliSlurm.cpp): an array job over `points` plus a merge job after it.
int submitToSlurm(Store& store, const SweepInfo& sweep, const std::vector<std::int64_t>& points,
                  const SweepCommand& command);
struct SlurmCounts {
  std::string summary;  // ", Slurm: 2 running, 6 pending" or ""
};
SlurmCounts slurmCounts(const SweepInfo& sweep);
int cancelSlurm(const SweepInfo& sweep);

}  // namespace loupe
