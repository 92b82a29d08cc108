// `loupe sweep` and `loupe merge` as a user runs them: a 12-point sweep
// (attention.scaling over N × causal, two seeds) through the local backend
// and through a throw-away one-node Slurm cluster (munged, slurmctld,
// slurmd on loopback: tests/support/slurm-cluster.sh, its MaxArraySize 8 so
// that the points are split over two arrays) — both stores hold
// the same 12 points with the same recipes, and on Slurm the merge job
// (afterok) merged all twelve; two array tasks scancelled mid-sweep, then
// `loupe sweep resume` runs exactly those two again; merging every shard
// twice adds nothing; a SIGKILLed merge leaves the store intact and a rerun
// completes it; bad specs exit 2 naming the field. The Slurm test skips,
// saying why, only where the daemons cannot start.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "experiments/Sqlite.h"
#include "experiments/Store.h"
#include "tests/support/TestHelpers.h"

namespace loupe {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kSpec = R"({"name": "attention scaling: N × causal, 2 seeds",
  "base": {"kind": "attention.scaling", "params": {"d": 32, "error_up_to": 256}},
  "grid": {"lengths": [[128], [256], [512]], "causal": [false, true], "seed": [1, 2]}})";

const fs::path kClusterScript = fs::path(LOUPE_TEST_SOURCE_DIR) / "support" / "slurm-cluster.sh";

testing::ProcessResult loupe(std::vector<std::string> args, const std::map<std::string, std::string>& env = {}) {
  args.insert(args.begin(), LOUPE_CLI);
  return testing::runProcess(args, env);
}

// Point → its finished run's recipe, and runs per point.
struct Points {
  std::map<std::int64_t, json> recipe;
  std::map<std::int64_t, int> runs;
};
Points pointsOf(const fs::path& db, std::int64_t sweep) {
  Store store(db);
  Points p;
  for (const RunInfo& r : store.sweepRuns(sweep)) {
    ++p.runs[r.sweepPoint];
    if (r.status == RunStatus::Finished) p.recipe[r.sweepPoint] = r.recipe;
  }
  return p;
}

// A one-node Slurm cluster for the test's lifetime.
class SlurmCluster {
 public:
  explicit SlurmCluster(const fs::path& dir) : m_dir(dir) {
    const auto r = testing::runProcess({kClusterScript.string(), "start", dir.string()});
    if (r.exitCode == 0 && r.out.rfind("SLURM_CONF=", 0) == 0)
      m_conf = r.out.substr(11, r.out.find('\n') - 11);
    else
      m_whyNot = r.out + r.err;
  }
  ~SlurmCluster() { testing::runProcess({kClusterScript.string(), "stop", m_dir.string()}); }
  bool up() const { return !m_conf.empty(); }
  const std::string& whyNot() const { return m_whyNot; }
  std::map<std::string, std::string> env() const { return {{"SLURM_CONF", m_conf}}; }

 private:
  fs::path m_dir;
  std::string m_conf, m_whyNot;
};

TEST(SweepCli, LocalAndSlurmRecordTheSameTwelvePointsAndResumeRerunsOnlyWhatIsMissing) {
  testing::TempDir dir;
  testing::writeFile(dir / "spec.json", kSpec);
  // Local: 2 workers.
  auto r = loupe({"sweep", (dir / "spec.json").string(), "--db", (dir / "local.sqlite").string(), "--jobs", "2"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(r.out, "1\n");
  const Points local = pointsOf(dir / "local.sqlite", 1);
  ASSERT_EQ(local.recipe.size(), 12u);

  SlurmCluster cluster(dir / "cluster");
  if (!cluster.up()) GTEST_SKIP() << "no one-node Slurm cluster here: " << cluster.whyNot();
  // Slurm, without waiting: the merge job alone must bring the points in.
  r = loupe({"sweep", (dir / "spec.json").string(), "--db", (dir / "slurm.sqlite").string(), "--backend", "slurm",
             "--jobs", "4", "--no-wait"},
            cluster.env());
  ASSERT_EQ(r.exitCode, 0) << r.err;
  const std::int64_t sweep = std::stoll(r.out);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (Store(dir / "slurm.sqlite").sweepRuns(sweep).size() < 12 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const Points slurm = pointsOf(dir / "slurm.sqlite", sweep);
  ASSERT_EQ(slurm.recipe.size(), 12u) << "the merge job did not bring every point in";
  for (std::int64_t k = 0; k < 12; ++k) EXPECT_EQ(slurm.recipe.at(k), local.recipe.at(k)) << "point " << k;
  const fs::path folder = Store(dir / "slurm.sqlite").findSweep(sweep)->directory;
  // The merge job ran after the whole array (afterok): it found all twelve
  // finished. Its runs can be in the store before its log is complete: wait
  // for the job itself to leave the queue.
  std::string mergeJob;
  std::ifstream(folder / "slurm" / "merge.jobid") >> mergeJob;
  ASSERT_FALSE(mergeJob.empty());
  for (int i = 0; i < 600; ++i) {
    if (testing::runProcess({"squeue", "-h", "-j", mergeJob}, cluster.env()).out.empty()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  const std::string mergeLog = testing::readFile(folder / "logs" / "merge.log");
  std::size_t added = 0;
  for (std::size_t at = 0; (at = mergeLog.find(": 1 runs added", at)) != std::string::npos; ++at) ++added;
  EXPECT_EQ(added, 12u) << mergeLog;

  // Two array tasks cancelled mid-sweep, then resume: exactly those two rerun.
  r = loupe({"sweep", (dir / "spec.json").string(), "--db", (dir / "cut.sqlite").string(), "--backend", "slurm",
             "--jobs", "2", "--no-wait"},
            cluster.env());
  ASSERT_EQ(r.exitCode, 0) << r.err;
  const std::string job = Store(dir / "cut.sqlite").findSweep(1)->jobId;
  // The test cluster's MaxArraySize is 8: points 0-7 are tasks 0-7 of the
  // first array, points 8-11 tasks 0-3 of the second.
  const auto comma = job.find(',');
  ASSERT_NE(comma, std::string::npos) << "12 points with MaxArraySize=8 need two arrays: " << job;
  const std::string second = job.substr(comma + 1);
  const auto cancel = testing::runProcess({"scancel", second + "_1", second + "_2"}, cluster.env());
  ASSERT_EQ(cancel.exitCode, 0) << cancel.err;
  r = loupe({"sweep", "status", "1", "--db", (dir / "cut.sqlite").string()}, cluster.env());
  ASSERT_EQ(r.exitCode, 0) << r.err;
  // Wait for the rest of the array to leave the queue.
  for (int i = 0; i < 600; ++i) {
    const auto q = testing::runProcess({"squeue", "-h", "-j", job}, cluster.env());  // both arrays
    if (q.out.empty()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  r = loupe({"sweep", "status", "1", "--db", (dir / "cut.sqlite").string()}, cluster.env());
  EXPECT_NE(r.out.find("10 of 12 points finished"), std::string::npos) << r.out;
  // Out of the queue: sacct's view where the cluster keeps accounting, else the shards'.
  EXPECT_TRUE(r.out.find("Slurm accounting:") != std::string::npos ||
              r.out.find("no accounting here: the points below are from the shards") != std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("point 9     missing"), std::string::npos) << r.out;
  r = loupe({"sweep", "resume", "1", "--db", (dir / "cut.sqlite").string()}, cluster.env());
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_NE(r.err.find("2 of 12 points to run again"), std::string::npos) << r.err;
  const Points cut = pointsOf(dir / "cut.sqlite", 1);
  ASSERT_EQ(cut.recipe.size(), 12u);
  for (std::int64_t k = 0; k < 12; ++k) {
    EXPECT_EQ(cut.runs.at(k), 1) << "point " << k << ": no duplicates";
    EXPECT_EQ(cut.recipe.at(k), local.recipe.at(k)) << "point " << k;
  }
  // Every shard merged twice more: nothing added.
  const fs::path cutFolder = Store(dir / "cut.sqlite").findSweep(1)->directory;
  std::vector<std::string> args = {"merge", "--db", (dir / "cut.sqlite").string()};
  for (int k = 0; k < 12; ++k) args.push_back((cutFolder / "shards" / (std::to_string(k) + ".sqlite")).string());
  for (int round = 0; round < 2; ++round) {
    r = loupe(args);
    ASSERT_EQ(r.exitCode, 0) << r.err;
    EXPECT_EQ(r.out.find(": 1 runs added"), std::string::npos) << r.out;
  }
  EXPECT_EQ(Store(dir / "cut.sqlite").listRuns().size(), 12u);
}

TEST(SweepCli, AKilledMergeLeavesTheStoreIntactAndARerunCompletesIt) {
  testing::TempDir dir;
  // One big shard: many runs, so that the merge takes long enough to be killed inside.
  testing::writeFile(dir / "spec.json", R"({"base": {"kind": "ssm.hippo", "params": {"length": 2000, "steps": 200}},
      "grid": {"seed": [1, 2, 3, 4, 5, 6, 7, 8]}})");
  auto r = loupe({"sweep", (dir / "spec.json").string(), "--db", (dir / "a.sqlite").string()});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  const fs::path folder = Store(dir / "a.sqlite").findSweep(1)->directory;
  std::vector<std::string> args = {LOUPE_CLI, "merge", "--db", (dir / "b.sqlite").string()};
  for (int k = 0; k < 8; ++k) args.push_back((folder / "shards" / (std::to_string(k) + ".sqlite")).string());
  { Store make(dir / "b.sqlite"); }
  std::map<std::string, std::int64_t> recorded;  // uuid → steps, as the sweep recorded them
  for (const RunInfo& run : Store(dir / "a.sqlite").listRuns()) recorded[run.uuid] = run.stepCount;
  // How long a whole merge takes here, then kills at fractions of it.
  std::vector<std::string> timed = args;
  timed[3] = (dir / "timing.sqlite").string();
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_EQ(testing::runProcess(timed).exitCode, 0);
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  bool killedInside = false;
  for (double fraction : {0.3, 0.5, 0.7, 0.85}) {
    const int delayMs = static_cast<int>(fraction * ms);
    const pid_t pid = testing::spawnProcess(args, dir / "merge.out", dir / "merge.err");
    std::this_thread::sleep_for(std::chrono::milliseconds(delayMs));
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    Store b(dir / "b.sqlite");
    EXPECT_EQ(b.integrityCheck(), "ok");
    const std::size_t runs = b.listRuns().size();
    killedInside |= runs > 0 && runs < 8;
    // Whatever landed is whole: every merged run has all its steps.
    for (const RunInfo& run : b.listRuns()) EXPECT_EQ(run.stepCount, recorded.at(run.uuid)) << run.id;
  }
  r = testing::runProcess(args);
  ASSERT_EQ(r.exitCode, 0) << r.err;
  Store b(dir / "b.sqlite");
  EXPECT_EQ(b.listRuns().size(), 8u);
  EXPECT_EQ(b.integrityCheck(), "ok");
  std::printf("whole merge %.0f ms; a merge was killed midway: %s\n", ms,
              killedInside ? "yes" : "no (every kill fell before or after it)");
}

TEST(SweepCli, BadSpecsExitWith2NamingTheField) {
  testing::TempDir dir;
  testing::writeFile(dir / "typo.json", R"({"base": {"kind": "ssm.hippo"}, "grid": {"stat": [8, 16]}})");
  auto r = loupe({"sweep", (dir / "typo.json").string(), "--db", (dir / "s.sqlite").string()});
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_NE(r.err.find("typo.json.grid.stat: 'stat' is not a parameter of ssm.hippo"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir / "s.sqlite")) << "nothing recorded for a bad spec";
  r = loupe({"sweep", "status", "7", "--db", (dir / "t.sqlite").string()});
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_NE(r.err.find("sweep 7: no such sweep"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace loupe
