// `loupe run`: validate, record, show progress, cancel on Ctrl-C.
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <thread>

#include "app/cli/Cli.h"
#include "app/cli/CliCommands.h"
#include "app/cli/CliFormat.h"
#include "engines/core/Device.h"
#include "engines/core/Error.h"
#include "engines/core/Timer.h"
#include "experiments/Recipe.h"
#include "experiments/Runner.h"
#include "experiments/StoreRecorder.h"
#include "experiments/SweepDirectory.h"

namespace loupe {

namespace {

volatile std::sig_atomic_t g_interrupted = 0;

// First Ctrl-C asks the run to cancel (it is recorded as cancelled); a second
// one kills the process the usual way (the run then shows as interrupted).
extern "C" void onInterrupt(int signal) {
  if (g_interrupted) {
    std::signal(signal, SIG_DFL);
    std::raise(signal);
  }
  g_interrupted = 1;
}

std::string deviceLabel(DeviceKind device) {
  if (device == DeviceKind::Cpu) return "cpu";
  const auto& d = deviceReport().cudaDevices.front();
  return "cuda:" + std::to_string(d.index) + " " + d.name + " (sm_" + std::to_string(d.computeMajor) +
         std::to_string(d.computeMinor) + ")";
}

void drawProgress(const Runner& runner, double elapsed) {
  const RunProgress p = runner.progress();
  constexpr int kWidth = 30;
  const int filled = static_cast<int>(p.fraction * kWidth + 0.5);
  std::string bar(filled, '#');
  bar.append(kWidth - filled, '-');
  std::string line = "\r[" + bar + "] " + std::to_string(static_cast<int>(p.fraction * 100)) + "%  " +
                     std::to_string(runner.stepsEmitted()) + " steps  " + formatDuration(elapsed);
  if (!p.message.empty()) line += "  " + p.message;
  if (line.size() > 100) line.resize(100);
  std::fprintf(stderr, "%s\033[K", line.c_str());
  std::fflush(stderr);
}

// One line per change, flushed at once: the reading parent shows it live.
void printProgressLine(const Runner& runner, std::string& last) {
  const RunProgress p = runner.progress();
  std::string message = p.message;
  for (char& c : message)
    if (c == '\n' || c == '\r') c = ' ';
  char fraction[32];
  std::snprintf(fraction, sizeof fraction, "%.4f", p.fraction);
  std::string line = std::string("progress ") + fraction + " " + message;
  if (line == last) return;
  last = line;
  std::cout << line << std::endl;
}

}  // namespace

int commandRun(const KindRegistry& registry, const std::filesystem::path& db, const RunCommand& command) {
  std::vector<std::string> overrides = command.overrides;
  if (!command.device.empty()) overrides.push_back("device=" + command.device);
  const Recipe recipe = applyOverrides(loadRecipeFile(command.recipeFile, registry), overrides, registry);
  const EngineKind& kind = *registry.find(recipe.kind);
  const DeviceKind device = resolveDevice(recipe.device, kind.supportsCuda, command.recipeFile + ": device");

  Store store(db);
  const std::int64_t runId = store.createRun(recipe, kind.version, deviceLabel(device));
  if (!command.sweepDir.empty()) {
    const SweepDirectory dir{command.sweepDir};
    const SweepInfo sweep = readSweepManifest(dir);
    if (command.sweepPoint < 0 || command.sweepPoint >= sweep.points)
      throw InputError("--sweep-point", std::to_string(command.sweepPoint) + " is not a point of " +
                                            dir.manifest().string() + " (0.." + std::to_string(sweep.points - 1) + ")");
    store.linkRunToSweep(runId, store.createSweep(sweep), command.sweepPoint);
  }
  StoreRecorder recorder(store, runId);
  Runner runner(kind, recipe, device, {&recorder});
  // Handlers go in before the id is printed: whoever reads the id may press
  // Ctrl-C (or send SIGTERM) at once.
  g_interrupted = 0;
  auto previousInt = std::signal(SIGINT, onInterrupt);
  auto previousTerm = std::signal(SIGTERM, onInterrupt);
  std::cout << runId << std::endl;  // scripts read the id: id=$(loupe run r.json)
  const bool terminal = isatty(STDERR_FILENO);
  const Stopwatch clock;
  runner.start();
  bool cancelRequested = false;
  std::string lastLine;
  while (!runner.finished()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (g_interrupted && !cancelRequested) {
      runner.cancel();
      cancelRequested = true;
      std::fprintf(stderr, "%scancelling run %lld (Ctrl-C again to kill)...\n", terminal ? "\n" : "",
                   static_cast<long long>(runId));
    }
    if (terminal) drawProgress(runner, clock.seconds());
    if (command.progressLines) printProgressLine(runner, lastLine);
  }
  const RunStatus status = runner.wait();
  std::signal(SIGINT, previousInt);
  std::signal(SIGTERM, previousTerm);
  if (terminal) std::fprintf(stderr, "\r\033[K");

  std::fprintf(stderr, "run %lld %s: %lld steps in %s (%s)\n", static_cast<long long>(runId), runStatusName(status),
               static_cast<long long>(runner.stepsEmitted()), formatDuration(clock.seconds()).c_str(),
               store.path().c_str());
  if (status == RunStatus::Failed) std::fprintf(stderr, "error: %s\n", runner.error().c_str());
  // Bad input a kind found (a file it read) is an input error like a bad
  // recipe: exit 2. The attempt stays recorded as a failed run.
  if (status == RunStatus::Failed && runner.failedOnInput()) return kExitUsage;
  return status == RunStatus::Finished ? kExitOk : kExitRunFailed;
}

}  // namespace loupe
