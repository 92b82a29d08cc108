#include "app/cli/Cli.h"

#include <CLI/CLI.hpp>
#include <iostream>

#include "app/cli/CliCommands.h"
#include "engines/core/Error.h"

namespace loupe {

int runCli(int argc, char** argv, const KindRegistry& registry) {
  CLI::App app{
      "loupe — run, inspect and export Loupe experiments without a display.\n"
      "Runs are stored in an SQLite database: --db, else $LOUPE_DB, else ~/.local/share/loupe/loupe.sqlite."};
  app.require_subcommand(1);
  app.fallthrough();  // --db may come after the subcommand too
  std::string db;
  app.add_option("--db", db, "database file (default: $LOUPE_DB, else ~/.local/share/loupe/loupe.sqlite)");
  app.set_version_flag("--version", "loupe " LOUPE_VERSION);  // the project() version in CMakeLists.txt
  app.footer("Exit codes: 0 success, 1 the run failed or was cancelled, 2 usage or input error.");

  bool json = false;

  auto* kinds = app.add_subcommand("kinds", "list the engine kinds and their parameter schemas");
  kinds->add_flag("--json", json, "machine-readable output");

  RunCommand run;
  auto* runCmd = app.add_subcommand("run", "run a recipe and record it; prints the run id (Ctrl-C cancels)");
  runCmd->add_option("recipe", run.recipeFile, "recipe JSON file")->required();
  runCmd->add_option("--device", run.device, "override the recipe's device")
      ->check(CLI::IsMember({"auto", "cpu", "cuda"}));
  runCmd->add_option("--set", run.overrides, "override a field, e.g. --set params.steps=5 (repeatable)")
      ->allow_extra_args(false);
  // Hidden (no description): the workbench's protocol, not a user option.
  runCmd->add_flag("--progress-lines", run.progressLines, "")->group("");
  // Hidden: how a sweep's backend records one point into its shard.
  runCmd->add_option("--sweep-dir", run.sweepDir, "")->group("");
  runCmd->add_option("--sweep-point", run.sweepPoint, "")->group("");

  std::vector<std::filesystem::path> shards;
  auto* merge = app.add_subcommand(
      "merge", "merge shard stores (a sweep's points) into the database; merging twice adds nothing");
  merge->add_option("shards", shards, "shard .sqlite files")->required();

  SweepCommand sweep;
  std::int64_t sweepId = 0;
  auto* sweepCmd = app.add_subcommand(
      "sweep", "run a sweep spec: a grid of runs on this machine or on a Slurm cluster, merged into the database");
  sweepCmd->add_option("spec", sweep.spec, "sweep spec JSON file (base recipe + grid / zip / random axes)");
  sweepCmd->add_option("--backend", sweep.backend, "local (default) or slurm")
      ->check(CLI::IsMember({"local", "slurm"}));
  sweepCmd->add_option("--jobs", sweep.jobs, "points at once (local: default the cores; slurm: the array's % throttle)")
      ->check(CLI::PositiveNumber);
  sweepCmd->add_option("--dir", sweep.dir,
                       "the sweep's folder (default: sweeps/<uuid> beside the database); "
                       "on Slurm every node must see it");
  sweepCmd->add_option("--slurm-partition", sweep.slurmPartition, "sbatch --partition");
  sweepCmd->add_option("--slurm-time", sweep.slurmTime, "sbatch --time per point");
  sweepCmd->add_option("--slurm-gres", sweep.slurmGres, "sbatch --gres, e.g. gpu:1");
  sweepCmd->add_option("--slurm-extra", sweep.slurmExtra, "more sbatch options, as one string");
  sweepCmd->add_flag("!--no-wait", sweep.wait, "slurm: submit and return (status / merge later)");
  auto* sweepStatus = sweepCmd->add_subcommand("status", "merge what finished; each point's latest run");
  sweepStatus->add_option("id", sweepId, "sweep id")->required();
  auto* sweepResume = sweepCmd->add_subcommand("resume", "run again only the points without a finished run");
  sweepResume->add_option("id", sweepId, "sweep id")->required();
  auto* sweepCancel = sweepCmd->add_subcommand("cancel", "stop the points still running (scancel on Slurm)");
  sweepCancel->add_option("id", sweepId, "sweep id")->required();

  auto* list = app.add_subcommand("list", "list the runs in the database, newest first");
  list->add_flag("--json", json, "machine-readable output");

  std::string runId;
  auto* show = app.add_subcommand("show", "show one run: status, recipe, metrics, arrays");
  show->add_option("run", runId, "run id, or 'last'")->required();
  show->add_flag("--json", json, "machine-readable output");

  ExportCommand exportCommand;
  std::int64_t exportStep = -1;
  std::string exportArray;
  auto* exportCmd = app.add_subcommand("export", "export a run's metrics (CSV), arrays (.npy) or the run (JSON)");
  exportCmd->add_option("run", exportCommand.run, "run id, or 'last'")->required();
  exportCmd->add_option("--out", exportCommand.outDir, "output directory (created if missing)")->required();
  exportCmd->add_option("--format", exportCommand.format, "csv, npy or json (default: all)")
      ->check(CLI::IsMember({"csv", "npy", "json"}));
  auto* arrayOpt = exportCmd->add_option("--array", exportArray, "only this array (npy)");
  auto* stepOpt = exportCmd->add_option("--step", exportStep, "only this step (npy)")->check(CLI::NonNegativeNumber);

  std::string removeId;
  auto* rm = app.add_subcommand("rm", "delete a run and everything recorded for it");
  rm->add_option("run", removeId, "run id, or 'last'")->required();

  auto* check = app.add_subcommand(
      "check", "check the database: SQLite's integrity and every recorded array (shape, size, checksum)");

  std::vector<std::string> reportRuns;
  std::filesystem::path reportOut;
  auto* report =
      app.add_subcommand("report", "write an HTML or PDF report of runs, with their figures (no desktop needed)");
  report->add_option("runs", reportRuns, "run ids, or 'last' (default: every run)");
  report->add_option("--out", reportOut, "report file: .html or .pdf")->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? kExitOk : kExitUsage;
  }

  const std::filesystem::path dbPath = db.empty() ? Store::defaultPath() : std::filesystem::path(db);
  try {
    if (*kinds) return commandKinds(registry, json);
    if (*runCmd) return commandRun(registry, dbPath, run);
    if (*list) return commandList(dbPath, json);
    if (*show) return commandShow(dbPath, runId, json);
    if (*exportCmd) {
      if (*arrayOpt) exportCommand.array = exportArray;
      if (*stepOpt) exportCommand.step = exportStep;
      return commandExport(dbPath, exportCommand);
    }
    if (*rm) return commandRemove(dbPath, removeId);
    if (*check) return commandCheck(dbPath);
    if (*report) return commandReport(dbPath, reportRuns, reportOut);
    if (*merge) return commandMerge(dbPath, shards);
    if (*sweepStatus) return commandSweepStatus(dbPath, sweepId);
    if (*sweepResume) return commandSweepResume(registry, dbPath, sweepId, sweep);
    if (*sweepCancel) return commandSweepCancel(dbPath, sweepId);
    if (*sweepCmd) {
      if (sweep.spec.empty()) throw InputError("loupe sweep", "needs a SPEC.json, or status / resume / cancel ID");
      return commandSweep(registry, dbPath, sweep);
    }
  } catch (const InputError& e) {
    std::cerr << "loupe: " << e.what() << "\n";
    return kExitUsage;
  } catch (const std::exception& e) {
    std::cerr << "loupe: error: " << e.what() << "\n";
    return kExitUsage;
  }
  return kExitUsage;
}

}  // namespace loupe
