// Sweep tables and plots (experiments/SweepTable.h) on a real sweep:
// attention.scaling over N × causal × 3 seeds, each point run by the engine
// into the store, one point never run and one run twice. The table lists
// every point (the missing one too) with its finished run; the plot's means
// and sample standard deviations over seeds are checked against numpy
// reading the SQLite file itself (its own choice of each metric's last
// step); parallel coordinates scale every axis to [0, 1]; bad fields and
// metrics are refused by name; a sweep of a kind this build lacks still
// shows its recorded points.
#include <gtest/gtest.h>

#include <cmath>

#include "engines/core/Error.h"
#include "experiments/KindRegistry.h"
#include "experiments/Runner.h"
#include "experiments/StoreRecorder.h"
#include "experiments/SweepSpec.h"
#include "experiments/SweepTable.h"
#include "tests/support/TestHelpers.h"

namespace loupe {
namespace {

using json = nlohmann::json;

constexpr const char* kSpec = R"({"name": "error against N, causal or not, 3 seeds",
  "base": {"kind": "attention.scaling", "params": {"d": 16, "error_up_to": 128}},
  "grid": {"lengths": [[64], [128]], "causal": [false, true], "seed": [1, 2, 3]}})";
constexpr std::int64_t kMissing = 5, kTwice = 7;

class SweepTables : public ::testing::Test {
 protected:
  void SetUp() override {
    registerBuiltinKinds(kinds);
    store = std::make_unique<Store>(dir / "sweep.sqlite");
    const SweepSpec spec = parseSweepSpecText(kSpec, "spec.json", kinds);
    SweepInfo info;
    info.name = spec.name;
    info.spec = spec.spec;
    info.points = static_cast<std::int64_t>(spec.points.size());
    info.backend = "local";
    sweep = store->createSweep(info);
    for (std::size_t k = 0; k < spec.points.size(); ++k) {
      if (static_cast<std::int64_t>(k) == kMissing) continue;
      if (static_cast<std::int64_t>(k) == kTwice) {  // a cancelled attempt, then the finished rerun
        const std::int64_t first = store->createRun(spec.points[k].recipe, "1", "cpu");
        store->linkRunToSweep(first, sweep, static_cast<std::int64_t>(k));
        store->setRunStatus(first, RunStatus::Cancelled);
      }
      const Recipe& recipe = spec.points[k].recipe;
      const EngineKind& kind = *kinds.find(recipe.kind);
      const std::int64_t run = store->createRun(recipe, kind.version, "cpu");
      store->linkRunToSweep(run, sweep, static_cast<std::int64_t>(k));
      StoreRecorder recorder(*store, run);
      Runner runner(kind, recipe, DeviceKind::Cpu, {&recorder});
      ASSERT_EQ(runner.runHere(), RunStatus::Finished) << runner.error();
    }
    store->commit();
  }

  KindRegistry kinds;
  testing::TempDir dir;
  std::unique_ptr<Store> store;
  std::int64_t sweep = 0;
};

TEST_F(SweepTables, EveryPointIsListedWithItsFinishedRunAndFinalMetrics) {
  const SweepTable t = loadSweepTable(*store, sweep, kinds);
  EXPECT_TRUE(t.note.empty()) << t.note;
  EXPECT_EQ(t.axes, (std::vector<std::string>{"params.causal", "params.lengths", "seed"}));
  ASSERT_EQ(t.rows.size(), 12u);
  EXPECT_EQ(t.rows[kMissing].status, "missing");
  EXPECT_EQ(t.rows[kMissing].run, 0);
  EXPECT_EQ(t.rows[kMissing].values, json::parse(R"({"params.causal": false, "params.lengths": [128], "seed": 3})"));
  EXPECT_EQ(t.rows[kTwice].runsRecorded, 2);
  EXPECT_EQ(t.rows[kTwice].status, "finished");
  EXPECT_EQ(store->getRun(t.rows[kTwice].run).status, RunStatus::Finished);
  for (const SweepRow& row : t.rows) {
    if (row.point == kMissing) continue;
    const RunInfo run = store->getRun(row.run);
    EXPECT_EQ(run.sweepPoint, row.point);
    EXPECT_EQ(run.recipe["params"]["lengths"], row.values["params.lengths"]);
    // The final value is the last step's: the linear method (step 2) records no error.
    const auto steps = store->stepNumbers(row.run);
    ASSERT_EQ(steps.size(), 3u);
    EXPECT_EQ(row.metrics.at("method"), 2.0);
    EXPECT_EQ(row.metrics.at("tiled_max_error"), store->readStep(row.run, 1).metricOr("tiled_max_error", -1));
  }
  for (const char* m : {"gflops", "n", "naive_max_error", "tiled_max_error", "tiled_time_ms"})
    EXPECT_NE(std::find(t.metrics.begin(), t.metrics.end(), m), t.metrics.end()) << m;
}

TEST_F(SweepTables, PlotMeansAndErrorBarsOverSeedsMatchNumpyReadingTheFile) {
  const SweepTable t = loadSweepTable(*store, sweep, kinds);
  const SweepPlot plot = sweepPlot(t, "tiled_max_error", "params.lengths", "params.causal");
  EXPECT_TRUE(plot.xNumeric);  // [64] plots as 64
  ASSERT_EQ(plot.curves.size(), 2u);
  // numpy: each finished run of the sweep, each metric at its last step,
  // grouped by (causal, N): mean and std(ddof=1).
  const auto r = testing::runPython(R"(
import json, sqlite3, sys
import numpy as np
db = sqlite3.connect(sys.argv[1])
groups = {}
for run_id, recipe in db.execute("SELECT id, recipe FROM runs WHERE sweep_id = ? AND status = 'finished'", (int(sys.argv[2]),)):
    p = json.loads(recipe)["params"]
    step = db.execute("SELECT max(step) FROM metrics WHERE run_id = ? AND name = 'tiled_max_error'", (run_id,)).fetchone()[0]
    v = db.execute("SELECT value FROM metrics WHERE run_id = ? AND name = 'tiled_max_error' AND step = ?", (run_id, step)).fetchone()[0]
    groups.setdefault(json.dumps(p["causal"]), {}).setdefault(str(p["lengths"][0]), []).append(v)
out = {g: {x: [float(np.mean(v)), float(np.std(v, ddof=1)) if len(v) > 1 else 0.0, len(v)] for x, v in xs.items()} for g, xs in groups.items()}
print(json.dumps(out))
)",
                                    {(dir / "sweep.sqlite").string(), std::to_string(sweep)});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  const json ref = json::parse(r.out);
  int compared = 0;
  for (const SweepCurve& c : plot.curves) {
    for (const SweepPlotPoint& p : c.points) {
      const json& e = ref.at(c.group).at(std::to_string(static_cast<int>(p.x)));
      EXPECT_NEAR(p.mean, e[0].get<double>(), 1e-12 * std::abs(e[0].get<double>()) + 1e-300);
      EXPECT_NEAR(p.std, e[1].get<double>(), 1e-9 * std::abs(e[1].get<double>()) + 1e-300);
      EXPECT_EQ(p.n, e[2].get<int>());
      ++compared;
    }
  }
  EXPECT_EQ(compared, 4);
  // The missing point (causal false, N 128, seed 3) leaves two seeds there.
  EXPECT_EQ(plot.curves[0].group, "false");
  EXPECT_EQ(plot.curves[0].points[1].n, 2);
  EXPECT_GT(plot.curves[0].points[0].std, 0);  // seeds differ
}

TEST_F(SweepTables, ACategoricalAxisPlotsByIndexAndUngroupedIsOneCurve) {
  const SweepTable t = loadSweepTable(*store, sweep, kinds);
  const SweepPlot plot = sweepPlot(t, "naive_max_error", "params.causal");
  EXPECT_FALSE(plot.xNumeric);
  EXPECT_EQ(plot.xCategories, (std::vector<std::string>{"false", "true"}));
  ASSERT_EQ(plot.curves.size(), 1u);
  ASSERT_EQ(plot.curves[0].points.size(), 2u);
  EXPECT_EQ(plot.curves[0].points[0].n + plot.curves[0].points[1].n, 11);
}

TEST_F(SweepTables, ParallelCoordinatesScaleEveryAxisToTheUnitInterval) {
  const SweepTable t = loadSweepTable(*store, sweep, kinds);
  const ParallelCoordinates pc = parallelCoordinates(t, "tiled_max_error");
  ASSERT_EQ(pc.axes.size(), 4u);
  EXPECT_EQ(pc.axes[0].labels, (std::vector<std::string>{"false", "true"}));  // bools are categories
  EXPECT_EQ(pc.axes[1].min, 64);
  EXPECT_EQ(pc.axes[1].max, 128);
  EXPECT_EQ(pc.axes[2].min, 1);
  EXPECT_EQ(pc.axes[2].max, 3);
  ASSERT_EQ(pc.lines.size(), 11u);
  for (std::size_t i = 0; i < pc.lines.size(); ++i) {
    ASSERT_EQ(pc.lines[i].size(), 4u);
    for (double v : pc.lines[i]) EXPECT_TRUE(v >= 0 && v <= 1) << v;
    const SweepRow& row = t.rows[static_cast<std::size_t>(pc.points[i])];
    EXPECT_DOUBLE_EQ(pc.lines[i][1], (row.values["params.lengths"][0].get<double>() - 64) / 64);
    EXPECT_DOUBLE_EQ(pc.metric[i], row.metrics.at("tiled_max_error"));
  }
  EXPECT_DOUBLE_EQ(*std::min_element(pc.metric.begin(), pc.metric.end()), pc.axes[3].min);
}

TEST_F(SweepTables, FieldsAndMetricsNotInTheSweepAreRefusedByName) {
  const SweepTable t = loadSweepTable(*store, sweep, kinds);
  const auto refusal = [&](auto&& f) -> std::string {
    try {
      f();
    } catch (const InputError& e) {
      return e.what();
    }
    return "accepted";
  };
  EXPECT_NE(refusal([&] { sweepPlot(t, "tiled_max_error", "params.d"); }).find("'params.d' is not a swept field"),
            std::string::npos);
  EXPECT_NE(refusal([&] { sweepPlot(t, "tiled_max_error", "seed", "nope"); }).find("group 'nope'"), std::string::npos);
  EXPECT_NE(refusal([&] { sweepPlot(t, "no_such_metric", "seed"); }).find("'no_such_metric': no point recorded it"),
            std::string::npos);
  EXPECT_NE(refusal([&] { loadSweepTable(*store, sweep + 100, kinds); }).find("no such sweep"), std::string::npos);
}

TEST_F(SweepTables, ASweepOfAKindThisBuildLacksStillShowsItsRecordedPoints) {
  const KindRegistry none;
  const SweepTable t = loadSweepTable(*store, sweep, none);
  EXPECT_NE(t.note.find("attention.scaling"), std::string::npos) << t.note;
  EXPECT_EQ(t.axes, (std::vector<std::string>{"params.causal", "params.lengths", "seed"}));
  ASSERT_EQ(t.rows.size(), 12u);
  EXPECT_EQ(t.rows[3].values, json::parse(R"({"params.causal": false, "params.lengths": [128], "seed": 1})"));
  EXPECT_EQ(t.rows[kMissing].status, "missing");
  EXPECT_TRUE(t.rows[kMissing].values.empty());
}

}  // namespace
}  // namespace loupe
