// Store write throughput against a bare SQLite bulk insert of the same data,
// measured in the same process, same disk, same run.
//
// Ours:  Store + StoreRecorder with every guarantee on — WAL, synchronous=
//        NORMAL, batched commits every 250 ms, a savepoint per step (atomic
//        steps), the steps table, zstd when it pays, run status updates.
// Bare:  one connection with SQLite's defaults, one transaction, one prepared
//        INSERT per table with the same keyed columns, no compression.
//
// Data (as the issue sets it): 100,000 metric rows (1,000 steps × 100
// metrics) and 200 MB of arrays (1,000 steps × 200 kB float32). Arrays come
// in two kinds, reported separately: noise (nothing to compress — our worst
// case) and a smooth field with quantised values, like depth maps or masks.
//
// Counters: *_rows_per_s / *_MB_per_s for ours and bare, and ratio = ours /
// bare (the target: ≥ 0.5).
#include <benchmark/benchmark.h>

#include <cmath>
#include <filesystem>
#include <memory>
#include <random>

#include "engines/core/Timer.h"
#include "experiments/Sqlite.h"
#include "experiments/Store.h"
#include "experiments/StoreRecorder.h"

namespace loupe {
namespace {

namespace fs = std::filesystem;

constexpr std::int64_t kSteps = 1000;
constexpr int kMetricsPerStep = 100;
constexpr std::int64_t kArrayFloats = 50'000;  // 200 kB per step, 200 MB in all

struct BenchDir {
  fs::path path = fs::temp_directory_path() / ("loupe-bench-" + std::to_string(::getpid()));
  BenchDir() {
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~BenchDir() { fs::remove_all(path); }
};

std::vector<std::string> metricNames() {
  std::vector<std::string> names;
  for (int m = 0; m < kMetricsPerStep; ++m) names.push_back("metric_" + std::to_string(m));
  return names;
}

std::vector<Array> makeArrays(bool compressible) {
  std::mt19937 rng(1);
  std::normal_distribution<float> noise;
  std::vector<Array> arrays;
  // 16 distinct arrays reused round-robin: data generation stays out of the timing.
  for (int a = 0; a < 16; ++a) {
    Array x(DType::F32, {kArrayFloats});
    float* v = x.data<float>();
    for (std::int64_t i = 0; i < kArrayFloats; ++i) {
      v[i] =
          compressible ? std::round(1000.0f * std::sin(0.001f * static_cast<float>(i + a * 97))) / 1000.0f : noise(rng);
    }
    arrays.push_back(std::move(x));
  }
  return arrays;
}

// Seconds to record the data through the store with all guarantees, up to
// and including closing it (which checkpoints the WAL into the file), as the
// bare insert's time includes its final fsync.
double timeStore(const fs::path& file, bool metrics, const std::vector<Array>* arrays) {
  const auto names = metricNames();
  Recipe recipe;
  recipe.kind = "bench.store";
  recipe.name = "bench";
  auto store = std::make_unique<Store>(file);
  const auto run = store->createRun(recipe, "1", "cpu");
  const Stopwatch clock;
  {
    StoreRecorder recorder(*store, run);
    recorder.runStarted();
    for (std::int64_t k = 0; k < kSteps; ++k) {
      StepRecord r;
      r.step = k;
      if (arrays) r.arrays.push_back({"field", (*arrays)[k % arrays->size()]});
      if (metrics) {
        r.metrics.reserve(kMetricsPerStep);
        for (int m = 0; m < kMetricsPerStep; ++m) r.metric(names[m], static_cast<double>(k) * 0.001 + m);
      }
      recorder.stepRecorded(r);
    }
    recorder.runEnded(RunStatus::Finished, "");
  }
  store.reset();
  return clock.seconds();
}

// Seconds for the bare bulk insert of the same data.
double timeBare(const fs::path& file, bool metrics, const std::vector<Array>* arrays) {
  const auto names = metricNames();
  SqliteDb db(file, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  db.exec(
      "CREATE TABLE metrics (run_id INTEGER, step INTEGER, name TEXT, value REAL, PRIMARY KEY (run_id, step, name))"
      " WITHOUT ROWID;"
      "CREATE TABLE arrays (run_id INTEGER, step INTEGER, name TEXT, data BLOB, PRIMARY KEY (run_id, step, name));");
  const Stopwatch clock;
  db.exec("BEGIN");
  auto metric = db.prepare("INSERT INTO metrics VALUES (1, ?, ?, ?)");
  auto array = db.prepare("INSERT INTO arrays VALUES (1, ?, 'field', ?)");
  for (std::int64_t k = 0; k < kSteps; ++k) {
    if (arrays) {
      const Array& a = (*arrays)[k % arrays->size()];
      array.bind(1, k).bindBlob(2, {a.bytes(), a.nbytes()}).run();
    }
    if (metrics) {
      for (int m = 0; m < kMetricsPerStep; ++m) {
        metric.bind(1, k).bind(2, names[m]).bind(3, static_cast<double>(k) * 0.001 + m).run();
      }
    }
  }
  db.exec("COMMIT");
  metric = SqliteStatement(db, nullptr);
  array = SqliteStatement(db, nullptr);
  db = SqliteDb();  // close, as the store's time includes closing
  return clock.seconds();
}

// Rates over all iterations' total time; ratio = ours / bare throughput.
void report(benchmark::State& state, double oursSeconds, double bareSeconds, bool metrics, bool arrays) {
  const double n = static_cast<double>(state.iterations());
  if (metrics) {
    const double rows = n * static_cast<double>(kSteps * kMetricsPerStep);
    state.counters["ours_rows_per_s"] = rows / oursSeconds;
    state.counters["bare_rows_per_s"] = rows / bareSeconds;
  }
  if (arrays) {
    const double megabytes = n * static_cast<double>(kSteps * kArrayFloats) * 4.0 / 1e6;
    state.counters["ours_MB_per_s"] = megabytes / oursSeconds;
    state.counters["bare_MB_per_s"] = megabytes / bareSeconds;
  }
  state.counters["ratio"] = bareSeconds / oursSeconds;
}

// range(0): 1 = metrics; range(1): 0 = no arrays, 1 = noise, 2 = smooth.
void BM_StoreVsBare(benchmark::State& state) {
  const bool metrics = state.range(0) == 1;
  const int arrayKind = static_cast<int>(state.range(1));
  const auto arrays = arrayKind ? makeArrays(arrayKind == 2) : std::vector<Array>();
  const std::vector<Array>* arraysOrNull = arrayKind ? &arrays : nullptr;
  std::string label = metrics ? "100k metric rows" : "";
  if (arrayKind)
    label += std::string(metrics ? " + " : "") + (arrayKind == 2 ? "200 MB smooth f32" : "200 MB f32 noise");
  state.SetLabel(label);
  double ours = 0, bare = 0;
  for (auto _ : state) {
    BenchDir dir;
    bare += timeBare(dir.path / "bare.sqlite", metrics, arraysOrNull);
    const double t = timeStore(dir.path / "ours.sqlite", metrics, arraysOrNull);
    ours += t;
    state.SetIterationTime(t);
  }
  report(state, ours, bare, metrics, arrayKind != 0);
}

BENCHMARK(BM_StoreVsBare)
    ->ArgNames({"metrics", "arrays"})
    ->Args({1, 0})
    ->Args({0, 1})
    ->Args({0, 2})
    ->Args({1, 1})
    ->UseManualTime()
    ->Iterations(3)
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace loupe

BENCHMARK_MAIN();
