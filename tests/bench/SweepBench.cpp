// Sweeps: merge throughput and the local backend's parallelism, each against
// a peer measured in the same run.
//
// BM_MergeVsBareAttach — ours: mergeShard() (StoreMerge.h) of 48 shards into
//   a fresh store: the shard checked and migrated as any store is, runs
//   skipped by uuid, the sweep linked, one transaction per shard. Bare: the
//   same shards into a store of the same schema by one connection doing
//   ATTACH; BEGIN; INSERT INTO … SELECT … FROM s.<table> (runs, steps,
//   metrics, arrays, artifacts); COMMIT; DETACH — nothing checked. Counters:
//   runs/s and MB/s for both, ratio = ours / bare throughput (target ≥ 0.5).
//   Two shapes: 48 shards of one finished run, 50 steps × 20 metrics + one
//   64 kB array per step (noise: stored raw) — 3.3 MB each, 157 MB in all;
//   and 400 shards of one step × 20 metrics, where the per-shard cost
//   (open, check, attach, transaction) is all there is.
//
// BM_ExpandAndWrite10k — a 10^4-point spec (attention.scaling, 100 lengths
//   × 100 seeds) expanded, every point validated against the kind's schema,
//   and its folder written (manifest + 10^4 point recipes): what `loupe
//   sweep` does before the first point runs. Peer: the same 10^4 recipe
//   files made by a bare loop (copy the base JSON, set two fields, dump),
//   nothing validated. Counters: points/s for both, ratio = ours / bare.
//
// BM_LocalSweepVsSerial — `loupe sweep` of 8 attention.scaling points with
//   the default --jobs (one worker per core), against the same 8 recipes run
//   one after another by `loupe run` into one store, each with every core
//   (what a shell loop does). Counters: both wall times and speedup =
//   serial / sweep (≈ cores where a point does not use every core itself).
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "engines/core/Timer.h"
#include "experiments/KindRegistry.h"
#include "experiments/Sqlite.h"
#include "experiments/Store.h"
#include "experiments/StoreMerge.h"
#include "experiments/SweepDirectory.h"
#include "experiments/SweepSpec.h"

namespace loupe {
namespace {

namespace fs = std::filesystem;

constexpr int kMetricsPerStep = 20;
constexpr std::int64_t kArrayFloats = 16'384;  // 64 kB

struct BenchDir {
  fs::path path = fs::temp_directory_path() / ("loupe-bench-sweep-" + std::to_string(::getpid()));
  BenchDir() {
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~BenchDir() { fs::remove_all(path); }
};

// `shards` shards of one finished run each (`steps` steps, a 64 kB array
// per step or none), points of one sweep.
std::vector<fs::path> makeShards(const fs::path& dir, int kShards, std::int64_t kStepsPerRun, bool withArrays) {
  Recipe recipe;
  recipe.kind = "bench.kind";
  recipe.name = "bench point";
  recipe.params = nlohmann::json::object();
  SweepInfo sweep;
  sweep.name = "bench sweep";
  sweep.points = kShards;
  sweep.backend = "local";
  sweep.spec = nlohmann::json::object();
  std::mt19937 rng(1);
  std::normal_distribution<float> noise;
  Array field(DType::F32, {kArrayFloats});
  std::vector<fs::path> shards;
  for (int s = 0; s < kShards; ++s) {
    shards.push_back(dir / ("shard-" + std::to_string(s) + ".sqlite"));
    Store store(shards.back());
    if (s == 0) sweep.uuid.clear();
    const std::int64_t sweepId = store.createSweep(sweep);
    if (s == 0) sweep.uuid = store.findSweep(sweepId)->uuid;
    recipe.seed = static_cast<std::uint64_t>(s);
    const std::int64_t run = store.createRun(recipe, "1", "cpu");
    store.linkRunToSweep(run, sweepId, s);
    store.setRunStatus(run, RunStatus::Running);
    for (std::int64_t k = 0; k < kStepsPerRun; ++k) {
      if (withArrays)
        for (std::int64_t i = 0; i < kArrayFloats; ++i) field.data<float>()[i] = noise(rng);
      StepRecord r;
      r.step = k;
      for (int m = 0; m < kMetricsPerStep; ++m) r.metric("metric_" + std::to_string(m), noise(rng));
      if (withArrays) r.array("field", field);
      store.appendStep(run, r);
    }
    store.setRunStatus(run, RunStatus::Finished);
  }
  return shards;
}

double timeOurs(const fs::path& target, const std::vector<fs::path>& shards, std::uint64_t& bytes) {
  const Stopwatch clock;
  Store store(target);
  bytes = 0;
  for (const fs::path& shard : shards) bytes += mergeShard(store, shard).bytes;
  return clock.seconds();
}

// The bare copy: the same tables, new run ids, nothing checked.
double timeBare(const fs::path& target, const std::vector<fs::path>& shards) {
  { Store make(target); }  // the same schema, made outside the timing
  const Stopwatch clock;
  SqliteDb db(target, SQLITE_OPEN_READWRITE);
  std::string runColumns;
  {
    auto info = db.prepare("SELECT name FROM pragma_table_info('runs') WHERE name != 'id'");
    while (info.step()) runColumns += (runColumns.empty() ? "" : ", ") + info.columnText(0);
  }
  for (const fs::path& shard : shards) {
    auto attach = db.prepare("ATTACH ? AS s");
    attach.bind(1, shard.string()).run();
    attach = SqliteStatement(db, nullptr);
    db.exec("BEGIN");
    db.exec("INSERT INTO runs (" + runColumns + ") SELECT " + runColumns + " FROM s.runs");
    const std::string id = std::to_string(db.lastInsertRowId());
    db.exec("INSERT INTO steps SELECT " + id + ", step, recorded_at FROM s.steps");
    db.exec("INSERT INTO metrics SELECT " + id + ", step, name, value FROM s.metrics");
    db.exec("INSERT INTO arrays (run_id, step, name, dtype, shape, codec, raw_bytes, data, crc32) SELECT " + id +
            ", step, name, dtype, shape, codec, raw_bytes, data, crc32 FROM s.arrays");
    db.exec("INSERT INTO artifacts SELECT " + id + ", name, mime, created_at, data FROM s.artifacts");
    db.exec("COMMIT");
    db.exec("DETACH s");
  }
  db = SqliteDb();
  return clock.seconds();
}

// range(0) shards, range(1) steps per run, range(2) 1 = a 64 kB array per step.
void BM_MergeVsBareAttach(benchmark::State& state) {
  BenchDir dir;
  const int kShards = static_cast<int>(state.range(0));
  const auto shards = makeShards(dir.path, kShards, state.range(1), state.range(2) == 1);
  double ours = 0, bare = 0;
  std::uint64_t bytes = 0;
  int k = 0;
  for (auto _ : state) {
    const std::string n = std::to_string(k++);
    bare += timeBare(dir.path / ("bare-" + n + ".sqlite"), shards);
    const double t = timeOurs(dir.path / ("ours-" + n + ".sqlite"), shards, bytes);
    ours += t;
    state.SetIterationTime(t);
    fs::remove(dir.path / ("bare-" + n + ".sqlite"));
    fs::remove(dir.path / ("ours-" + n + ".sqlite"));
  }
  const double iterations = static_cast<double>(state.iterations());
  const double runs = iterations * kShards, megabytes = iterations * static_cast<double>(bytes) / 1e6;
  state.counters["ours_runs_per_s"] = runs / ours;
  state.counters["bare_runs_per_s"] = runs / bare;
  state.counters["ours_MB_per_s"] = megabytes / ours;
  state.counters["bare_MB_per_s"] = megabytes / bare;
  state.counters["ratio"] = bare / ours;
  state.SetLabel(std::to_string(kShards) + " shards of " + std::to_string(state.range(1)) + " steps, " +
                 std::to_string(bytes / 1000000) + " MB of arrays");
}

// Big points (arrays dominate: MB/s) and small ones (the per-shard cost: runs/s).
BENCHMARK(BM_MergeVsBareAttach)
    ->ArgNames({"shards", "steps", "arrays"})
    ->Args({48, 50, 1})
    ->Args({400, 1, 0})
    ->UseManualTime()
    ->Iterations(3)
    ->Unit(benchmark::kMillisecond);

void BM_ExpandAndWrite10k(benchmark::State& state) {
  BenchDir dir;
  KindRegistry kinds;
  registerBuiltinKinds(kinds);
  nlohmann::json lengths = nlohmann::json::array(), seeds = nlohmann::json::array();
  for (int i = 0; i < 100; ++i) lengths.push_back(nlohmann::json::array({64 + 16 * i})), seeds.push_back(i + 1);
  const nlohmann::json spec = {{"name", "10^4 points"},
                               {"base", {{"kind", "attention.scaling"}, {"params", {{"d", 32}}}}},
                               {"grid", {{"lengths", lengths}, {"seed", seeds}}}};
  double ours = 0, bare = 0;
  std::size_t points = 0;
  int k = 0;
  for (auto _ : state) {
    const fs::path oursDir = dir.path / ("ours-" + std::to_string(k)),
                   bareDir = dir.path / ("bare-" + std::to_string(k));
    ++k;
    Stopwatch clock;
    const SweepSpec expanded = parseSweepSpec(spec, "spec.json", kinds);
    SweepInfo info;
    info.uuid = "0123456789abcdef0123456789abcdef";
    info.name = expanded.name;
    info.backend = "slurm";
    writeSweepDirectory(SweepDirectory{oursDir}, info, expanded);
    const double t = clock.seconds();
    ours += t;
    state.SetIterationTime(t);
    points = expanded.points.size();
    clock.restart();
    fs::create_directories(bareDir);
    std::size_t n = 0;
    for (const auto& length : lengths)
      for (const auto& seed : seeds) {
        nlohmann::json recipe = spec["base"];
        recipe["params"]["lengths"] = length;
        recipe["seed"] = seed;
        std::ofstream(bareDir / (std::to_string(n++) + ".json")) << recipe.dump(1) << "\n";
      }
    bare += clock.seconds();
    fs::remove_all(oursDir);
    fs::remove_all(bareDir);
  }
  const double total = static_cast<double>(state.iterations() * points);
  state.counters["ours_points_per_s"] = total / ours;
  state.counters["bare_points_per_s"] = total / bare;
  state.counters["ratio"] = bare / ours;
  state.SetLabel(std::to_string(points) + " points validated and written");
}

BENCHMARK(BM_ExpandAndWrite10k)->UseManualTime()->Iterations(3)->Unit(benchmark::kMillisecond);

const char* kPointParams = R"("params": {"lengths": [1536], "d": 64, "error_up_to": 1536})";

int shell(const std::string& command) {
  return std::system(command.c_str());
}

void BM_LocalSweepVsSerial(benchmark::State& state) {
  BenchDir dir;
  const std::string cli = LOUPE_CLI;
  {
    std::ofstream spec(dir.path / "spec.json");
    spec << R"({"name": "bench: 8 points", "base": {"kind": "attention.scaling", )" << kPointParams
         << R"(}, "grid": {"seed": [1, 2, 3, 4, 5, 6, 7, 8]}})";
    for (int s = 1; s <= 8; ++s) {
      std::ofstream recipe(dir.path / ("point-" + std::to_string(s) + ".json"));
      recipe << R"({"kind": "attention.scaling", "seed": )" << s << ", " << kPointParams << "}";
    }
  }
  double sweep = 0, serial = 0;
  int k = 0;
  for (auto _ : state) {
    const std::string n = std::to_string(k++);
    Stopwatch clock;
    for (int s = 1; s <= 8; ++s)
      if (shell(cli + " --db " + (dir.path / ("serial-" + n + ".sqlite")).string() + " run " +
                (dir.path / ("point-" + std::to_string(s) + ".json")).string() + " > /dev/null 2>&1") != 0)
        state.SkipWithError("loupe run failed");
    serial += clock.seconds();
    clock.restart();
    if (shell(cli + " sweep " + (dir.path / "spec.json").string() + " --db " +
              (dir.path / ("sweep-" + n + ".sqlite")).string() + " --dir " + (dir.path / ("dir-" + n)).string() +
              " > /dev/null 2>&1") != 0)
      state.SkipWithError("loupe sweep failed");
    const double t = clock.seconds();
    sweep += t;
    state.SetIterationTime(t);
  }
  const double iterations = static_cast<double>(state.iterations());
  state.counters["sweep_s"] = sweep / iterations;
  state.counters["serial_s"] = serial / iterations;
  state.counters["speedup"] = serial / sweep;
  state.counters["cores"] = std::thread::hardware_concurrency();
  state.SetLabel("8 attention.scaling points (N=1536, d=64, float64 error check)");
}

BENCHMARK(BM_LocalSweepVsSerial)->UseManualTime()->Iterations(2)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace loupe

BENCHMARK_MAIN();
