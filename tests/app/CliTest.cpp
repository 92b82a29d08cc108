// The `loupe` command line end to end: exit codes, output, the database
// location, Ctrl-C. Runs the real binaries as a user would.
#include <gtest/gtest.h>
#include <unistd.h>

#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "experiments/Sqlite.h"
#include "experiments/Store.h"
#include "tests/support/TestHelpers.h"

namespace loupe {
namespace {

using nlohmann::json;
using testing::ProcessResult;

class CliTest : public ::testing::Test {
 protected:
  CliTest() {
    testing::writeFile(dir / "good.json",
                       R"({"kind": "test.series", "name": "cli", "params": {"steps": 6, "array_len": 4}})");
    testing::writeFile(dir / "fails.json", R"({"kind": "test.series", "params": {"steps": 6, "fail_at": 2}})");
    testing::writeFile(dir / "bad.json", R"({"kind": "test.series", "params": {"block": 100}})");
  }
  ProcessResult cli(std::vector<std::string> args, bool withDb = true) {
    args.insert(args.begin(), LOUPE_TEST_CLI);
    if (withDb) {
      args.push_back("--db");
      args.push_back(db.string());
    }
    return testing::runProcess(args);
  }
  testing::TempDir dir;
  std::filesystem::path db = dir / "cli.sqlite";
};

TEST_F(CliTest, UsageErrorsExitWith2) {
  EXPECT_EQ(cli({"--help"}, false).exitCode, 0);
  EXPECT_EQ(cli({"run", "--help"}, false).exitCode, 0);
  EXPECT_EQ(cli({}, false).exitCode, 2);
  EXPECT_EQ(cli({"frobnicate"}).exitCode, 2);
  EXPECT_EQ(cli({"list", "--bogus"}).exitCode, 2);
  EXPECT_EQ(cli({"run"}).exitCode, 2);  // recipe missing
  EXPECT_EQ(cli({"run", (dir / "good.json").string(), "--device", "tpu"}).exitCode, 2);
  EXPECT_EQ(cli({"export", "1"}).exitCode, 2);  // --out missing
}

TEST_F(CliTest, RunPrintsTheIdAndRecords) {
  const auto r = cli({"run", (dir / "good.json").string()});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(r.out, "1\n");
  EXPECT_NE(r.err.find("run 1 finished: 6 steps"), std::string::npos) << r.err;
  Store store(db);
  EXPECT_EQ(store.getRun(1).status, RunStatus::Finished);
  EXPECT_EQ(store.getRun(1).stepCount, 6);
}

TEST_F(CliTest, FailedRunExitsWith1AndIsRecorded) {
  const auto r = cli({"run", (dir / "fails.json").string()});
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_NE(r.err.find("error: test.series failed on purpose at step 2"), std::string::npos) << r.err;
  Store store(db);
  EXPECT_EQ(store.getRun(1).status, RunStatus::Failed);
  EXPECT_EQ(store.getRun(1).stepCount, 2);
}

TEST_F(CliTest, BadInputExitsWith2AndRecordsNothing) {
  auto r = cli({"run", (dir / "bad.json").string()});
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_EQ(r.err,
            "loupe: " + (dir / "bad.json").string() + ": params.block: must be a power of two in [16, 256], got 100\n");
  r = cli({"run", (dir / "missing.json").string()});
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_NE(r.err.find(": no such file"), std::string::npos);
  r = cli({"run", (dir / "good.json").string(), "--set", "params.steps=-3"});
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_EQ(r.err, "loupe: --set params.steps=-3: params.steps: must be in [0, 10000000], got -3\n");
  r = cli({"run", (dir / "good.json").string(), "--device", "cuda"});
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_NE(r.err.find("device: this engine kind has no CUDA path"), std::string::npos) << r.err;
  Store store(db);
  EXPECT_TRUE(store.listRuns().empty());
}

// Issue 19: a file a kind reads that is bad is an input error like a bad
// recipe: exit 2 with the file named (it used to exit 1). The attempt is
// recorded as a failed run with the same message.
TEST_F(CliTest, ABadFileAKindReadsExitsWith2) {
  testing::writeFile(dir / "signal.csv", "t,v\n0,1\n1,oops\n");
  testing::writeFile(dir / "hippo.json",
                     R"({"kind": "ssm.hippo", "params": {"signal": "file", "column": 1, "file": ")" +
                         (dir / "signal.csv").string() + R"("}})");
  auto r = cli({"run", (dir / "hippo.json").string()});
  EXPECT_EQ(r.exitCode, 2) << r.err;
  EXPECT_NE(
      r.err.find("error: params.file: " + (dir / "signal.csv").string() + " line 3, column 1: 'oops' is not a number"),
      std::string::npos)
      << r.err;
  testing::writeFile(dir / "zero.json", R"({"kind": "ssm.hippo", "params": {"signal": "file", "file": "/dev/zero"}})");
  r = cli({"run", (dir / "zero.json").string()});
  EXPECT_EQ(r.exitCode, 2) << r.err;
  EXPECT_NE(r.err.find("/dev/zero: is a character device, not a regular file"), std::string::npos) << r.err;
  Store store(db);
  EXPECT_EQ(store.getRun(1).status, RunStatus::Failed);
  EXPECT_EQ(store.getRun(1).stepCount, 0);
}

// Issue 19: a damaged array blob is reported by `loupe check` and refused by
// `loupe export`, naming run, step and array; an intact store checks clean.
TEST_F(CliTest, CheckAndExportReportADamagedArray) {
  ASSERT_EQ(cli({"run", (dir / "good.json").string()}).exitCode, 0);
  auto r = cli({"check"});
  EXPECT_EQ(r.exitCode, 0) << r.out;
  EXPECT_NE(r.out.find(": 1 runs, 24 arrays checked, 0 problems"), std::string::npos) << r.out;
  {
    Store store(db);
    auto select = store.database().prepare("SELECT data FROM arrays WHERE step = 3 AND name = 'ramp'");
    ASSERT_TRUE(select.step());
    const auto blob = select.columnBlob(0);
    std::vector<std::byte> bytes(blob.begin(), blob.end());
    bytes.back() ^= std::byte{1};
    store.database().prepare("UPDATE arrays SET data = ? WHERE step = 3 AND name = 'ramp'").bindBlob(1, bytes).run();
  }
  r = cli({"check"});
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_NE(r.out.find("run 1, step 3, array ramp: the stored bytes are damaged (checksum mismatch)"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("1 problem\n"), std::string::npos) << r.out;
  r = cli({"export", "1", "--out", (dir / "x").string(), "--format", "npy"});
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_NE(r.err.find("run 1, step 3, array ramp: the stored bytes are damaged"), std::string::npos) << r.err;
}

TEST_F(CliTest, OverridesReachTheRecordedRecipe) {
  ASSERT_EQ(cli({"run", (dir / "good.json").string(), "--set", "params.steps=3", "--set", "seed=9"}).exitCode, 0);
  Store store(db);
  const RunInfo run = store.getRun(1);
  EXPECT_EQ(run.stepCount, 3);
  EXPECT_EQ(run.seed, 9u);
  EXPECT_EQ(run.recipe["params"]["steps"], 3);
}

TEST_F(CliTest, ListShowExportRemove) {
  ASSERT_EQ(cli({"run", (dir / "good.json").string()}).exitCode, 0);
  ASSERT_EQ(cli({"run", (dir / "fails.json").string()}).exitCode, 1);

  auto r = cli({"list"});
  EXPECT_EQ(r.exitCode, 0);
  EXPECT_NE(r.out.find("finished"), std::string::npos);
  EXPECT_NE(r.out.find("failed"), std::string::npos);
  r = cli({"list", "--json"});
  ASSERT_EQ(r.exitCode, 0);
  const json list = json::parse(r.out);
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0]["id"], 2);
  EXPECT_EQ(list[1]["status"], "finished");

  r = cli({"show", "1", "--json"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  const json shown = json::parse(r.out);
  EXPECT_EQ(shown["steps"], 6);
  EXPECT_EQ(shown["name"], "cli");
  bool sawSquare = false;
  for (const auto& m : shown["metrics"]) {
    if (m["name"] == "square") {
      sawSquare = true;
      EXPECT_EQ(m["last"], 25.0);  // 5², independent of the engine: the closed form
      EXPECT_EQ(m["count"], 6);
    }
  }
  EXPECT_TRUE(sawSquare);
  EXPECT_EQ(cli({"show", "last"}).exitCode, 0);
  r = cli({"show", "99"});
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_EQ(r.err, "loupe: run 99: no such run in " + db.string() + "\n");
  EXPECT_EQ(cli({"show", "abc"}).exitCode, 2);

  r = cli({"export", "1", "--out", (dir / "out").string()});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_TRUE(std::filesystem::exists(dir / "out" / "run-1-metrics.csv"));
  EXPECT_TRUE(std::filesystem::exists(dir / "out" / "run-1.json"));
  EXPECT_TRUE(std::filesystem::exists(dir / "out" / "run-1-ramp-step-5.npy"));
  r = cli({"export", "1", "--out", (dir / "one").string(), "--array", "ramp", "--step", "3"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(r.out, (dir / "one" / "run-1-ramp-step-3.npy").string() + "\n");
  EXPECT_EQ(cli({"export", "1", "--out", (dir / "x").string(), "--format", "xml"}).exitCode, 2);
  EXPECT_EQ(cli({"export", "1", "--out", (dir / "x").string(), "--format", "csv", "--array", "ramp"}).exitCode, 2);
  EXPECT_EQ(cli({"export", "1", "--out", (dir / "x").string(), "--array", "nope"}).exitCode, 2);

  r = cli({"rm", "1"});
  EXPECT_EQ(r.exitCode, 0);
  EXPECT_EQ(r.out, "removed run 1 (test.series \"cli\", 6 steps)\n");
  EXPECT_EQ(cli({"rm", "1"}).exitCode, 2);
  EXPECT_EQ(json::parse(cli({"list", "--json"}).out).size(), 1u);
}

// Names in UTF-8 ("–" is 3 bytes) keep the columns after them in place, and a
// long name is cut between characters, not inside one.
TEST_F(CliTest, ListAlignsColumnsForMultiByteNames) {
  const std::vector<std::string> names = {"EfficientNet B0–B7", "plain", "Ünïcödé wörds — längér thän twénty-fôur"};
  for (std::size_t i = 0; i < names.size(); ++i) {
    const std::string recipe = "r" + std::to_string(i) + ".json";
    testing::writeFile(dir / recipe,
                       json{{"kind", "test.series"}, {"name", names[i]}, {"params", {{"steps", 3}}}}.dump());
    ASSERT_EQ(cli({"run", (dir / recipe).string()}).exitCode, 0);
  }
  const auto r = cli({"list"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  // Code points of each line (the header is ASCII: its byte offsets are columns).
  auto codePoints = [](const std::string& s) {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < s.size();) {
      std::size_t n = 1;
      while (i + n < s.size() && (static_cast<unsigned char>(s[i + n]) & 0xC0) == 0x80) ++n;
      out.push_back(s.substr(i, n));
      i += n;
    }
    return out;
  };
  auto cell = [](const std::vector<std::string>& line, std::size_t from, std::size_t width) {
    std::string text;
    for (std::size_t i = from; i < from + width && i < line.size(); ++i) text += line[i];
    return text;
  };
  std::vector<std::string> lines;
  for (std::size_t at = 0, end; (end = r.out.find('\n', at)) != std::string::npos; at = end + 1)
    lines.push_back(r.out.substr(at, end - at));
  ASSERT_EQ(lines.size(), 4u) << r.out;
  const std::size_t nameAt = lines[0].find("NAME"), stepsAt = lines[0].find("STEPS"),
                    startedAt = lines[0].find("STARTED");
  for (std::size_t row = 1; row < lines.size(); ++row) {
    const auto line = codePoints(lines[row]);
    const std::string& name = names[lines.size() - 1 - row];  // newest first
    const std::string expected = row == 1 ? "Ünïcödé wörds — längér t" : name;
    EXPECT_EQ(cell(line, nameAt, 24), expected + std::string(24 - codePoints(expected).size(), ' ')) << r.out;
    EXPECT_EQ(cell(line, stepsAt, 5), "    3") << r.out;
    EXPECT_EQ(line[startedAt - 1], " ") << r.out;
    EXPECT_NE(line[startedAt], " ") << r.out;
  }
}

TEST_F(CliTest, VersionIsTheProjectVersion) {
  const auto r = cli({"--version"}, false);
  EXPECT_EQ(r.exitCode, 0);
  EXPECT_EQ(r.out, "loupe " LOUPE_VERSION "\n");
}

TEST_F(CliTest, KindsListsSchemas) {
  auto names = [](const json& kinds) {
    std::vector<std::string> out;
    for (const auto& k : kinds) out.push_back(k["name"]);
    return out;
  };
  auto r = cli({"kinds", "--json"}, false);
  ASSERT_EQ(r.exitCode, 0);
  const json kinds = json::parse(r.out);
  // Every engine kind, the test kind last; the product binary ships its engines and no test kinds.
  const std::vector<std::string> engines = {
      "attention.scaling",   "attention.tiles", "lm.generate",       "lm.perplexity",       "precision.tensor_stats",
      "precision.train",     "rgbd.stream",     "scaling.compound",  "scaling.roofline",    "specdec.compare",
      "specdec.design_tree", "specdec.medusa",  "specdec.sample",    "specdec.train_heads", "ssm.hippo",
      "ssm.model_states",    "ssm.s4_kernel",   "ssm.selective_scan"};
  std::vector<std::string> withTest = engines;
  withTest.push_back("test.series");
  EXPECT_EQ(names(kinds), withTest);
  for (const auto& k : kinds)
    if (k["name"] == "ssm.hippo") EXPECT_EQ(k["params"].size(), 11u);
  r = testing::runProcess({LOUPE_CLI, "kinds", "--json"});
  EXPECT_EQ(r.exitCode, 0);
  EXPECT_EQ(names(json::parse(r.out)), engines);
}

TEST_F(CliTest, DatabaseComesFromLoupeDbThenHome) {
  const auto viaEnv = dir / "env" / "db.sqlite";
  auto r = testing::runProcess({LOUPE_TEST_CLI, "run", (dir / "good.json").string()}, {{"LOUPE_DB", viaEnv.string()}});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_TRUE(std::filesystem::exists(viaEnv));
  r = testing::runProcess({LOUPE_TEST_CLI, "list"},
                          {{"LOUPE_DB", ""}, {"XDG_DATA_HOME", ""}, {"HOME", (dir / "home").string()}});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_TRUE(std::filesystem::exists(dir / "home" / ".local" / "share" / "loupe" / "loupe.sqlite"));
}

TEST_F(CliTest, RefusedDatabaseExitsWith2AndStaysUntouched) {
  testing::writeFile(db, "not a database");
  const auto r = cli({"list"});
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_EQ(r.err.rfind("loupe: " + db.string() + ": not an SQLite database", 0), 0u) << r.err;
  EXPECT_EQ(testing::readFile(db), "not a database");
}

// A store this user may not write — another user's, a read-only directory —
// used to fail as an "unreadable SQLite database" (SQLite could not create
// its WAL index). It opens read-only: list and show work, rm and run are
// refused by name, and the file stays byte for byte what it was.
TEST_F(CliTest, AStoreThisUserCannotWriteIsBrowsedReadOnly) {
  const auto roDir = dir / "ro";
  const auto roDb = roDir / "shared.sqlite";
  ASSERT_EQ(cli({"run", (dir / "good.json").string(), "--db", roDb.string()}, false).exitCode, 0);
  namespace fs = std::filesystem;
  using P = fs::perms;
  fs::permissions(dir.path(), P::owner_all | P::group_read | P::group_exec | P::others_read | P::others_exec);
  std::vector<std::string> as;  // how to run the CLI as a user who cannot write there
  if (::geteuid() == 0) {
    // root writes anything: run as nobody, the directory and file root's, 0755 / 0644.
    fs::permissions(roDir, P::owner_all | P::group_read | P::group_exec | P::others_read | P::others_exec);
    fs::permissions(roDb, P::owner_read | P::owner_write | P::group_read | P::others_read);
    as = {"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"};
  } else {
    fs::permissions(roDir, P::owner_read | P::owner_exec | P::group_read | P::group_exec);
    fs::permissions(roDb, P::owner_read | P::group_read);
  }
  const std::string before = testing::readFile(roDb);
  auto ro = [&](std::vector<std::string> args) {
    args.insert(args.begin(), LOUPE_TEST_CLI);
    args.insert(args.begin(), as.begin(), as.end());
    args.push_back("--db");
    args.push_back(roDb.string());
    return testing::runProcess(args);
  };
  auto r = ro({"list"});
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_NE(r.out.find("finished"), std::string::npos) << r.out;
  r = ro({"show", "1"});
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_NE(r.out.find("test.series"), std::string::npos) << r.out;
  r = ro({"rm", "1"});
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_NE(r.err.find(roDb.string() + ": read-only here"), std::string::npos) << r.err;
  r = ro({"run", (dir / "good.json").string()});
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_NE(r.err.find("read-only here"), std::string::npos) << r.err;
  EXPECT_EQ(testing::readFile(roDb), before);
  fs::permissions(roDir, P::owner_all);  // let TempDir clean up
}

TEST_F(CliTest, CtrlCCancelsAndRecordsCancelled) {
  testing::writeFile(dir / "slow.json", R"({"kind": "test.series", "params": {"steps": 100000, "sleep_ms": 2}})");
  const pid_t child = testing::spawnProcess({LOUPE_TEST_CLI, "run", (dir / "slow.json").string(), "--db", db.string()},
                                            dir / "out", dir / "err");
  // Wait until the run has recorded something, then press Ctrl-C.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (testing::readFile(dir / "out").empty() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  kill(child, SIGINT);
  int status = 0;
  waitpid(child, &status, 0);
  ASSERT_TRUE(WIFEXITED(status)) << testing::readFile(dir / "err");
  EXPECT_EQ(WEXITSTATUS(status), 1);
  EXPECT_NE(testing::readFile(dir / "err").find("run 1 cancelled"), std::string::npos)
      << testing::readFile(dir / "err");
  Store store(db);
  const RunInfo run = store.getRun(1);
  EXPECT_EQ(run.status, RunStatus::Cancelled);
  EXPECT_GT(run.stepCount, 0);
}

// Issue 19: a recording run used to hold its batch's transaction across a
// long engine step, and every store open took the write lock to migrate:
// while a run computed, `list`, `show`, `rm` and a second `run` waited 10 s
// and failed with "database is locked". Here a run sits in a 20 s step (its
// first step recorded, uncommitted until the recorder's flusher commits it)
// while the other commands work on the same database. Each must succeed,
// long before the step ends (a generous bound: this is a lock, not a speed,
// test; the note states the measured times).
TEST_F(CliTest, ARunInALongStepBlocksNoOtherCommand) {
  ASSERT_EQ(cli({"run", (dir / "good.json").string()}).exitCode, 0);  // run 1, to remove later
  testing::writeFile(dir / "long.json", R"({"kind": "test.series", "params": {"steps": 2, "sleep_ms": 20000}})");
  const pid_t child = testing::spawnProcess({LOUPE_TEST_CLI, "run", (dir / "long.json").string(), "--db", db.string()},
                                            dir / "out", dir / "err");
  // Wait until run 2 is running with its first step recorded (read-only, as `show` does).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  bool inStep = false;
  while (!inStep && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    const auto shown = cli({"show", "2"});
    inStep = shown.exitCode == 0 && shown.out.find("running") != std::string::npos &&
             shown.out.find("steps     1\n") != std::string::npos;
  }
  ASSERT_TRUE(inStep) << cli({"show", "2"}).out << testing::readFile(dir / "err");
  auto timed = [&](const std::vector<std::string>& args) {
    const auto t0 = std::chrono::steady_clock::now();
    const auto r = cli(args);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("  loupe %-5s exit %d in %.3f s while run 2 computes\n", args[0].c_str(), r.exitCode, seconds);
    return std::pair{r, seconds};
  };
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"list"}, {"show", "2"}, {"rm", "1"}, {"run", (dir / "good.json").string()}}) {
    const auto [r, seconds] = timed(args);
    EXPECT_EQ(r.exitCode, 0) << args[0] << ": " << r.err;
    EXPECT_LT(seconds, 5.0) << args[0] << " waited for the running engine's step";
  }
  kill(child, SIGKILL);
  int status = 0;
  waitpid(child, &status, 0);
  Store store(db);  // the killed run is found interrupted, its committed step kept
  EXPECT_EQ(store.getRun(2).status, RunStatus::Interrupted);
  EXPECT_EQ(store.getRun(2).stepCount, 1);
  EXPECT_EQ(store.getRun(3).status, RunStatus::Finished);
}

}  // namespace
}  // namespace loupe
