// `loupe merge` and `loupe sweep` (local backend; Slurm in CliSlurm.cpp).
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcntl.h>
#include <sys/select.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <map>
#include <thread>
#include <tuple>

#include "app/cli/Cli.h"
#include "app/cli/CliCommands.h"
#include "app/cli/CliFormat.h"
#include "app/cli/CliSweepBackend.h"
#include "engines/core/Error.h"
#include "engines/core/Timer.h"
#include "experiments/ProcessIdentity.h"
#include "experiments/StoreMerge.h"
#include "experiments/SweepDirectory.h"

extern char** environ;

namespace loupe {

namespace fs = std::filesystem;

namespace {

volatile std::sig_atomic_t g_stop = 0;
extern "C" void onSweepInterrupt(int) {
  g_stop = 1;
}

// `loupe run` of one point into its shard, output to its log; returns the pid.
pid_t startPoint(const SweepDirectory& dir, std::int64_t point, int threads) {
  const std::vector<std::string> args = {selfPath(),
                                         "run",
                                         dir.pointRecipe(point).string(),
                                         "--db",
                                         dir.shard(point).string(),
                                         "--sweep-dir",
                                         dir.root.string(),
                                         "--sweep-point",
                                         std::to_string(point)};
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e)
    if (std::string(*e).rfind("LOUPE_THREADS=", 0) != 0) env.emplace_back(*e);
  env.push_back("LOUPE_THREADS=" + std::to_string(threads));
  std::vector<char*> envp;
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  posix_spawn_file_actions_t files;
  posix_spawn_file_actions_init(&files);
  const std::string log = dir.log(point).string();
  posix_spawn_file_actions_addopen(&files, STDOUT_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&files, STDOUT_FILENO, STDERR_FILENO);
  posix_spawn_file_actions_addopen(&files, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, argv[0], &files, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&files);
  if (rc != 0) throw InputError(args[0], std::string("cannot start a point: ") + std::strerror(rc));
  return pid;
}

void drawBar(std::size_t done, std::size_t total, std::size_t failed, std::size_t running, double seconds) {
  if (!isatty(STDERR_FILENO)) return;
  constexpr int kWidth = 30;
  const int filled = total ? static_cast<int>(kWidth * done / total) : kWidth;
  std::fprintf(stderr, "\r[%s%s] %zu/%zu points, %zu running, %zu failed  %s\033[K", std::string(filled, '#').c_str(),
               std::string(kWidth - filled, '-').c_str(), done, total, running, failed,
               formatDuration(seconds).c_str());
  std::fflush(stderr);
}

void printMerge(const fs::path& shard, const MergeResult& m) {
  std::printf("%s: %lld runs added, %lld already there, %lld still recording, %.1f MB\n", shard.c_str(),
              static_cast<long long>(m.runsAdded), static_cast<long long>(m.runsAlreadyThere),
              static_cast<long long>(m.runsNotEnded), static_cast<double>(m.bytes) / 1e6);
  // A line per shard as it lands: a merge job's log is a file (fully
  // buffered otherwise), read by people tailing it while the merge runs.
  std::fflush(stdout);
}

}  // namespace

// This program's own path: each point runs as `loupe run` in a child.
std::string selfPath() {
  char self[4096] = {};
  const ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) throw InputError("/proc/self/exe", "cannot find the loupe program to run points with");
  return std::string(self, static_cast<std::size_t>(n));
}

CommandOutput runCommand(const std::vector<std::string>& args) {
  int out[2], err[2];
  if (pipe(out) != 0 || pipe(err) != 0) throw InputError(args[0], "cannot create a pipe");
  posix_spawn_file_actions_t files;
  posix_spawn_file_actions_init(&files);
  posix_spawn_file_actions_adddup2(&files, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&files, err[1], STDERR_FILENO);
  posix_spawn_file_actions_addclose(&files, out[0]);
  posix_spawn_file_actions_addclose(&files, err[0]);
  posix_spawn_file_actions_addopen(&files, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, argv[0], &files, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&files);
  close(out[1]);
  close(err[1]);
  CommandOutput result;
  if (rc != 0) {
    close(out[0]);
    close(err[0]);
    throw InputError(args[0], std::string("cannot run it: ") + std::strerror(rc));
  }
  // Both pipes drained together (a full stderr must not block stdout).
  for (bool outOpen = true, errOpen = true; outOpen || errOpen;) {
    fd_set read;
    FD_ZERO(&read);
    if (outOpen) FD_SET(out[0], &read);
    if (errOpen) FD_SET(err[0], &read);
    if (select(std::max(out[0], err[0]) + 1, &read, nullptr, nullptr, nullptr) < 0) break;
    char buffer[4096];
    for (auto [fd, open, text] : {std::tuple{out[0], &outOpen, &result.out}, {err[0], &errOpen, &result.err}}) {
      if (!*open || !FD_ISSET(fd, &read)) continue;
      const ssize_t n = ::read(fd, buffer, sizeof buffer);
      if (n <= 0)
        *open = false;
      else
        text->append(buffer, static_cast<std::size_t>(n));
    }
  }
  close(out[0]);
  close(err[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  result.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

int runPointsLocally(Store& store, const SweepInfo& sweep, const std::vector<std::int64_t>& points, int jobs) {
  const SweepDirectory dir{sweep.directory};
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (jobs <= 0) jobs = cores;
  const int threads = std::max(1, cores / jobs);
  g_stop = 0;
  auto previousInt = std::signal(SIGINT, onSweepInterrupt);
  auto previousTerm = std::signal(SIGTERM, onSweepInterrupt);
  std::map<pid_t, std::int64_t> running;
  std::size_t next = 0, done = 0, failed = 0;
  bool stopping = false;
  const Stopwatch clock;
  while ((next < points.size() && !stopping) || !running.empty()) {
    if (g_stop && !stopping) {
      stopping = true;  // each point cancels its run, which stays recorded as cancelled
      std::fprintf(stderr, "\ncancelling the sweep: %zu points running are asked to stop...\n", running.size());
      for (const auto& [pid, point] : running) kill(pid, SIGINT);
    }
    while (!stopping && next < points.size() && static_cast<int>(running.size()) < jobs) {
      running[startPoint(dir, points[next], threads)] = points[next];
      ++next;
    }
    int status = 0;
    const pid_t pid = waitpid(-1, &status, WNOHANG);
    if (pid > 0 && running.count(pid)) {
      const std::int64_t point = running[pid];
      running.erase(pid);
      ++done;
      if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) ++failed;
      if (fs::exists(dir.shard(point))) mergeShard(store, dir.shard(point));
      continue;
    }
    drawBar(done, points.size(), failed, running.size(), clock.seconds());
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::signal(SIGINT, previousInt);
  std::signal(SIGTERM, previousTerm);
  if (isatty(STDERR_FILENO)) std::fprintf(stderr, "\r\033[K");
  std::fprintf(stderr, "sweep %lld: %zu of %zu points ran, %zu failed or cancelled, in %s (%s)\n",
               static_cast<long long>(store.findSweepByUuid(sweep.uuid)->id), done, points.size(), failed,
               formatDuration(clock.seconds()).c_str(), store.path().c_str());
  return failed == 0 && done == points.size() ? kExitOk : kExitRunFailed;
}

std::vector<PointState> mergeAndReadPoints(Store& store, const SweepInfo& sweep) {
  const SweepDirectory dir{sweep.directory};
  for (std::int64_t k = 0; k < sweep.points; ++k)
    if (fs::exists(dir.shard(k))) mergeShard(store, dir.shard(k));
  std::vector<PointState> states(static_cast<std::size_t>(sweep.points));
  for (std::int64_t k = 0; k < sweep.points; ++k) states[static_cast<std::size_t>(k)].point = k;
  for (const RunInfo& run : store.sweepRuns(sweep.id)) {
    if (run.sweepPoint < 0 || run.sweepPoint >= sweep.points) continue;
    PointState& s = states[static_cast<std::size_t>(run.sweepPoint)];
    ++s.runs;
    s.run = run.id;  // the latest (runs come in id order within a point)
    s.status = runStatusName(run.status);
    if (run.status == RunStatus::Finished) s.finished = true;
  }
  return states;
}

int commandMerge(const fs::path& db, const std::vector<fs::path>& shards) {
  Store store(db);
  for (const fs::path& shard : shards) printMerge(shard, mergeShard(store, shard));
  return kExitOk;
}

int commandSweep(const KindRegistry& registry, const fs::path& db, const SweepCommand& command) {
  const SweepSpec spec = loadSweepSpecFile(command.spec, registry);
  Store store(db);
  SweepInfo sweep;
  sweep.name = spec.name;
  sweep.spec = spec.spec;
  sweep.points = static_cast<std::int64_t>(spec.points.size());
  sweep.backend = command.backend;
  const std::int64_t id = store.createSweep(sweep);
  sweep = *store.findSweep(id);
  const fs::path root =
      command.dir.empty() ? fs::absolute(db).parent_path() / "sweeps" / sweep.uuid : fs::absolute(command.dir);
  sweep.directory = root.string();
  writeSweepDirectory(SweepDirectory{root}, sweep, spec);
  store.setSweepDirectory(id, root.string());
  std::cout << id << std::endl;  // scripts read the id, as with `loupe run`
  std::fprintf(stderr, "sweep %lld: %lld points of %s in %s\n", static_cast<long long>(id),
               static_cast<long long>(sweep.points), spec.points.front().recipe.kind.c_str(), root.c_str());
  std::vector<std::int64_t> points(static_cast<std::size_t>(sweep.points));
  for (std::int64_t k = 0; k < sweep.points; ++k) points[static_cast<std::size_t>(k)] = k;
  if (command.backend == "slurm") return submitToSlurm(store, sweep, points, command);
  return runPointsLocally(store, sweep, points, command.jobs);
}

int commandSweepStatus(const fs::path& db, std::int64_t id) {
  Store store(db);
  const auto sweep = store.findSweep(id);
  if (!sweep) throw InputError(db.string(), "sweep " + std::to_string(id) + ": no such sweep");
  const auto states = mergeAndReadPoints(store, *sweep);
  const SlurmCounts slurm = sweep->backend == "slurm" ? slurmCounts(*sweep) : SlurmCounts{};
  std::size_t finished = 0;
  std::printf("sweep %lld \"%s\": %lld points, %s backend%s%s\n", static_cast<long long>(id), sweep->name.c_str(),
              static_cast<long long>(sweep->points), sweep->backend.c_str(),
              sweep->jobId.empty() ? "" : (", Slurm job " + sweep->jobId).c_str(), slurm.summary.c_str());
  for (const PointState& s : states) {
    finished += s.finished;
    std::printf(
        "  point %-5lld %-12s %s\n", static_cast<long long>(s.point), s.runs ? s.status.c_str() : "missing",
        s.runs ? ("run " + std::to_string(s.run) + (s.runs > 1 ? " (" + std::to_string(s.runs) + " runs)" : "")).c_str()
               : "");
  }
  std::printf("%zu of %lld points finished\n", finished, static_cast<long long>(sweep->points));
  return kExitOk;
}

int commandSweepResume(const KindRegistry&, const fs::path& db, std::int64_t id, const SweepCommand& command) {
  Store store(db);
  const auto sweep = store.findSweep(id);
  if (!sweep) throw InputError(db.string(), "sweep " + std::to_string(id) + ": no such sweep");
  std::vector<std::int64_t> missing;
  for (const PointState& s : mergeAndReadPoints(store, *sweep))
    if (!s.finished) missing.push_back(s.point);
  std::fprintf(stderr, "sweep %lld: %zu of %lld points to run again\n", static_cast<long long>(id), missing.size(),
               static_cast<long long>(sweep->points));
  if (missing.empty()) return kExitOk;
  if (sweep->backend == "slurm") return submitToSlurm(store, *sweep, missing, command);
  return runPointsLocally(store, *sweep, missing, command.jobs);
}

int commandSweepCancel(const fs::path& db, std::int64_t id) {
  Store store(db);
  const auto sweep = store.findSweep(id);
  if (!sweep) throw InputError(db.string(), "sweep " + std::to_string(id) + ": no such sweep");
  if (sweep->backend == "slurm") return cancelSlurm(*sweep);
  // Local: each point still recording on this host is asked to cancel (its
  // run then ends as cancelled, what it recorded kept).
  const SweepDirectory dir{sweep->directory};
  const std::string host = currentProcess().host;
  int signalled = 0;
  for (std::int64_t k = 0; k < sweep->points; ++k) {
    if (!fs::exists(dir.shard(k))) continue;
    Store shard(dir.shard(k));
    for (const RunInfo& run : shard.listRuns())
      if (run.status == RunStatus::Running && run.host == host && run.pid > 0 && kill(run.pid, SIGINT) == 0)
        ++signalled;
  }
  std::printf("sweep %lld: %d running points asked to cancel\n", static_cast<long long>(id), signalled);
  return kExitOk;
}

}  // namespace loupe
