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

// "12" or "last" (the newest run). Throws InputError.
std::int64_t parseRunId(Store& store, const std::string& text);

}  // namespace loupe
