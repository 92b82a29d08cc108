// The Slurm backend of `loupe sweep`, through Slurm's own client tools
// (sbatch, squeue, scancel from Debian's slurm-client): one array job whose
// task K runs `loupe run` for point K into DIR/shards/K.sqlite, and a merge
// job that runs after the array succeeded (--dependency=afterok). The
// sweep's folder must be one every node sees; the store is written only by
// the merge (and by whoever runs `loupe sweep status`), never by the tasks.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "app/cli/Cli.h"
#include "app/cli/CliSweepBackend.h"
#include "engines/core/Error.h"
#include "experiments/SweepDirectory.h"

namespace loupe {

namespace fs = std::filesystem;

namespace {

// "0-11" style: consecutive points folded into ranges.
std::string arraySpec(const std::vector<std::int64_t>& points) {
  std::string out;
  for (std::size_t i = 0; i < points.size();) {
    std::size_t j = i;
    while (j + 1 < points.size() && points[j + 1] == points[j] + 1) ++j;
    if (!out.empty()) out += ",";
    out += std::to_string(points[i]);
    if (j > i) out += "-" + std::to_string(points[j]);
    i = j + 1;
  }
  return out;
}

// sbatch --parsable prints "JOBID" or "JOBID;CLUSTER".
std::string submit(const std::vector<std::string>& argv) {
  const CommandOutput r = runCommand(argv);
  if (r.exitCode != 0)
    throw InputError("sbatch", "refused the job (exit " + std::to_string(r.exitCode) + "): " + r.err + r.out);
  std::string id = r.out.substr(0, r.out.find_first_of(";\n"));
  if (id.empty() || id.find_first_not_of("0123456789") != std::string::npos)
    throw InputError("sbatch", "printed no job id: " + r.out);
  return id;
}

std::vector<std::string> splitWords(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

// Jobs of `ids` still known to squeue (pending or running).
std::vector<std::string> queued(const std::string& ids) {
  const CommandOutput r = runCommand({"squeue", "-h", "-j", ids, "-o", "%i %T"});
  if (r.exitCode != 0) return {};  // finished jobs leave squeue (and may make it complain)
  std::vector<std::string> lines;
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) lines.push_back(line);
  return lines;
}

// The cluster's MaxArraySize: array task ids must be below it (Slurm's
// default 1001 allows 0..1000). 1001 when scontrol does not say.
std::int64_t maxArraySize() {
  const CommandOutput r = runCommand({"scontrol", "show", "config"});
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("MaxArraySize", 0) != 0) continue;
    const auto eq = line.find('=');
    try {
      const long long n = std::stoll(line.substr(eq + 1));
      if (n >= 1) return n;
    } catch (const std::exception&) {
    }
  }
  return 1001;
}

// Quoted for sh: '…' with each ' as '\''.
std::string shellQuoted(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// For a comment line: no line breaks (a sweep name must not become a command).
std::string oneLine(std::string text) {
  for (char& c : text)
    if (c == '\n' || c == '\r') c = ' ';
  return text;
}

std::vector<std::string> splitOn(const std::string& text, char sep) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string part; std::getline(in, part, sep);)
    if (!part.empty()) out.push_back(part);
  return out;
}

fs::path mergeJobFile(const SweepInfo& sweep) {
  return fs::path(sweep.directory) / "slurm" / "merge.jobid";
}

}  // namespace

int submitToSlurm(Store& store, const SweepInfo& sweep, const std::vector<std::int64_t>& points,
                  const SweepCommand& command) {
  const SweepDirectory dir{sweep.directory};
  fs::create_directories(dir.root / "slurm");
  const std::string loupe = selfPath();
  // Each task: its point's run into its shard. Quoted for the shell sbatch runs it with.
  const fs::path script = dir.root / "slurm" / "point.sh";
  {
    std::ofstream out(script);
    const std::string root = dir.root.string();
    out << "#!/bin/sh\n"
        << "# One point of Loupe sweep \"" << oneLine(sweep.name)
        << "\": array task K records point K + $1 into its shard.\n"
        << "# $1: the point of task 0 (arrays hold at most MaxArraySize tasks).\n"
        << "k=$((SLURM_ARRAY_TASK_ID + ${1:-0}))\n"
        << "exec " << shellQuoted(loupe) << " run " << shellQuoted(root + "/points/") << "$k.json --db "
        << shellQuoted(root + "/shards/") << "$k.sqlite --sweep-dir " << shellQuoted(root) << " --sweep-point $k >> "
        << shellQuoted(root + "/logs/") << "$k.log 2>&1\n";
  }
  fs::permissions(script, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec, fs::perm_options::add);
  std::vector<std::string> common;
  if (!command.slurmPartition.empty()) common.push_back("--partition=" + command.slurmPartition);
  if (!command.slurmTime.empty()) common.push_back("--time=" + command.slurmTime);
  for (const auto& w : splitWords(command.slurmExtra)) common.push_back(w);
  const long long id = store.findSweepByUuid(sweep.uuid)->id;
  // Points in arrays of task ids below MaxArraySize: point k is task
  // k − offset of the array whose offset is k rounded down to a multiple of it.
  const std::int64_t limit = maxArraySize();
  std::map<std::int64_t, std::vector<std::int64_t>> byOffset;
  for (std::int64_t k : points) byOffset[k / limit * limit].push_back(k - k / limit * limit);
  std::vector<std::string> jobs;
  std::string job, afterAll = "afterok";  // "A,B" (what squeue and the store take), "afterok:A:B"
  for (const auto& [offset, tasks] : byOffset) {
    std::string array = "--array=" + arraySpec(tasks);
    if (command.jobs > 0) array += "%" + std::to_string(command.jobs);
    std::vector<std::string> sbatch = {"sbatch",
                                       "--parsable",
                                       array,
                                       "--job-name=loupe-sweep-" + std::to_string(id),
                                       "--output=/dev/null",  // each point writes logs/<point>.log itself
                                       "--chdir=" + dir.root.string()};
    if (!command.slurmGres.empty()) sbatch.push_back("--gres=" + command.slurmGres);
    sbatch.insert(sbatch.end(), common.begin(), common.end());
    sbatch.push_back(script.string());
    sbatch.push_back(std::to_string(offset));
    jobs.push_back(submit(sbatch));
    job += (job.empty() ? "" : ",") + jobs.back();
    afterAll += ":" + jobs.back();
    // Recorded as each is accepted: if a later array is refused (MaxJobCount),
    // `sweep status` / `cancel` still know the ones already queued.
    store.setSweepJob(id, job);
  }
  // The merge: after every task succeeded. (A failed task leaves it
  // pending forever without --kill-on-invalid-dep; `loupe sweep status`
  // merges whatever finished at any time.) The shards come from a list
  // file through xargs: 10^4 paths do not fit one command line.
  const fs::path shardList = dir.root / "slurm" / ("merge-" + jobs.front() + ".txt");
  {
    std::ofstream list(shardList);
    for (std::int64_t k : points) list << dir.shard(k).string() << "\n";
  }
  std::vector<std::string> merge = {"sbatch",
                                    "--parsable",
                                    "--dependency=" + afterAll,
                                    "--kill-on-invalid-dep=yes",
                                    "--job-name=loupe-merge-" + std::to_string(id),
                                    "--output=" + dir.root.string() + "/logs/merge.log",
                                    "--chdir=" + dir.root.string()};
  merge.insert(merge.end(), common.begin(), common.end());
  merge.push_back("--wrap=xargs -d '\\n' " + shellQuoted(loupe) + " merge --db " +
                  shellQuoted(fs::absolute(store.path()).string()) + " < " + shellQuoted(shardList.string()));
  const std::string mergeJob = submit(merge);
  std::ofstream(mergeJobFile(sweep)) << mergeJob << "\n";
  std::fprintf(stderr, "sweep %lld: Slurm array job%s %s (%zu tasks), merge job %s after %s\n", id,
               jobs.size() > 1 ? "s" : "", job.c_str(), points.size(), mergeJob.c_str(),
               jobs.size() > 1 ? "them" : "it");
  if (!command.wait) return kExitOk;
  // Wait for both to leave the queue, showing how many points have finished.
  std::size_t lastDone = static_cast<std::size_t>(-1);
  while (!queued(job + "," + mergeJob).empty()) {
    std::size_t done = 0;
    for (std::int64_t k : points) done += fs::exists(dir.log(k)) ? 1 : 0;
    if (done != lastDone) std::fprintf(stderr, "  %zu of %zu points started or done\n", done, points.size());
    lastDone = done;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  std::size_t finished = 0;
  for (const PointState& s : mergeAndReadPoints(store, sweep)) {
    bool asked = false;
    for (std::int64_t k : points) asked |= k == s.point;
    if (asked && s.finished) ++finished;
  }
  std::fprintf(stderr, "sweep %lld: %zu of %zu points finished (%s)\n", id, finished, points.size(),
               store.path().c_str());
  return finished == points.size() ? kExitOk : kExitRunFailed;
}

SlurmCounts slurmCounts(const SweepInfo& sweep) {
  if (sweep.jobId.empty()) return {};
  std::map<std::string, int> states;
  try {
    for (const std::string& line : queued(sweep.jobId)) ++states[line.substr(line.find(' ') + 1)];
  } catch (const InputError&) {
    return {", squeue is not available"};
  }
  if (states.empty()) {
    // Gone from the queue: how the tasks ended, from Slurm's accounting
    // where the cluster keeps it (sacct), else the shards say (the points).
    CommandOutput r;
    try {
      r = runCommand({"sacct", "-n", "-P", "-X", "-j", sweep.jobId, "-o", "State"});
    } catch (const InputError&) {
      r.exitCode = -1;
    }
    std::map<std::string, int> ended;
    std::istringstream in(r.out);
    for (std::string line; r.exitCode == 0 && std::getline(in, line);)
      if (!line.empty()) ++ended[line.substr(0, line.find(' '))];  // "CANCELLED by 0" → CANCELLED
    if (ended.empty())
      return {", no task in the Slurm queue (no accounting here: the points below are from the shards)"};
    std::string out = ", Slurm accounting:";
    for (const auto& [state, n] : ended) out += " " + std::to_string(n) + " " + state;
    return {out};
  }
  std::string out = ", Slurm:";
  for (const auto& [state, n] : states) out += " " + std::to_string(n) + " " + state;
  return {out};
}

int cancelSlurm(const SweepInfo& sweep) {
  if (sweep.jobId.empty()) throw InputError("sweep " + std::to_string(sweep.id), "has no Slurm job to cancel");
  std::vector<std::string> argv = {"scancel"};
  for (const std::string& j : splitOn(sweep.jobId, ',')) argv.push_back(j);
  std::ifstream mergeJob(mergeJobFile(sweep));
  if (std::string m; mergeJob >> m) argv.push_back(m);
  const CommandOutput r = runCommand(argv);
  if (r.exitCode != 0) throw InputError("scancel", r.err + r.out);
  std::printf("sweep %lld: Slurm job %s cancelled; `loupe sweep status %lld` merges what finished\n",
              static_cast<long long>(sweep.id), sweep.jobId.c_str(), static_cast<long long>(sweep.id));
  return kExitOk;
}

}  // namespace loupe
