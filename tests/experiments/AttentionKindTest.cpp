// attention.tiles end to end through the runner and the store: one step per
// tile of head 0, the causal skip count of the closed form, and the error
// rule recorded on the last step.
#include <gtest/gtest.h>

#include <cstring>

#include <nlohmann/json.hpp>

#include "engines/lm/Tokenizer.h"
#include "experiments/Recipe.h"
#include "experiments/kinds/LmKinds.h"
#include "tests/support/RecordRun.h"
#include "tests/support/TestHelpers.h"

namespace loupe {
namespace {

using testing::RecordedRun;
using testing::recordRun;

TEST(AttentionKind, StepsTileByTileAndRecordsTheErrors) {
  KindRegistry kinds;
  registerBuiltinKinds(kinds);
  testing::TempDir dir;
  Store store(dir / "a.sqlite");
  const auto recorded = recordRun(
      store, kinds,
      R"({"kind": "attention.tiles", "seed": 2, "params": {"n": 300, "d": 32, "block_q": 64, "block_k": 32}})");
  ASSERT_EQ(recorded.status, RunStatus::Finished) << recorded.error;
  const auto run = recorded.run;
  const int qBlocks = 5, kBlocks = 10;  // ⌈300/64⌉, ⌈300/32⌉
  ASSERT_EQ(store.getRun(run).stepCount, qBlocks * kBlocks);
  // Causal: query block i needs key blocks 0 … ⌊(min(300, 64(i+1)) − 1)/32⌋.
  int needed = 0;
  for (int i = 0; i < qBlocks; ++i) needed += (std::min(300, 64 * (i + 1)) - 1) / 32 + 1;
  EXPECT_EQ(store.metricSeries(run, "tiles_skipped").back().value, qBlocks * kBlocks - needed);
  const double err = store.metricSeries(run, "max_error_vs_fp64").back().value;
  const double naive = store.metricSeries(run, "naive_fp32_error").back().value;
  EXPECT_LE(err, 2 * naive);
  EXPECT_LE(err, 1e-5);
  const Array states = store.readArray(run, qBlocks * kBlocks - 1, "tile_states");
  EXPECT_EQ(states.shape(), (Shape{qBlocks, kBlocks}));
  EXPECT_EQ(states.data<float>()[qBlocks * kBlocks - 1], 4.0f);  // the current (last) tile
  EXPECT_EQ(states.data<float>()[kBlocks - 1], 3.0f);            // block (0, last): skipped
}

TEST(AttentionKind, ScalingSweepRecordsEveryPoint) {
  KindRegistry kinds;
  registerBuiltinKinds(kinds);
  testing::TempDir dir;
  Store store(dir / "s.sqlite");
  const auto recorded = recordRun(
      store, kinds, R"({"kind": "attention.scaling", "params": {"lengths": [64, 128], "d": 16, "causal": true}})");
  ASSERT_EQ(recorded.status, RunStatus::Finished) << recorded.error;
  const auto run = recorded.run;
  EXPECT_EQ(store.getRun(run).stepCount, 6);  // 2 lengths × 3 methods
  for (const char* method : {"naive", "tiled", "linear"}) {
    EXPECT_EQ(store.metricSeries(run, std::string(method) + "_time_ms").size(), 2u) << method;
  }
  for (const auto& p : store.metricSeries(run, "tiled_max_error")) EXPECT_LE(p.value, 1e-5);
  for (const auto& p : store.metricSeries(run, "naive_max_error")) EXPECT_LE(p.value, 1e-5);
}

// The sweep's memory column: the standard path holds the 2048 × 2048 score
// matrix (16 MiB), the tiled kernel only blocks and packed keys.
TEST(AttentionKind, ScalingSweepShowsTheScoreMatrixInPeakMemory) {
  KindRegistry kinds;
  registerBuiltinKinds(kinds);
  testing::TempDir dir;
  Store store(dir / "m.sqlite");
  const auto recorded = recordRun(
      store, kinds, R"({"kind": "attention.scaling", "params": {"lengths": [2048], "d": 16, "error_up_to": 0}})");
  ASSERT_EQ(recorded.status, RunStatus::Finished) << recorded.error;
  const auto run = recorded.run;
  const double matrixMb = 2048.0 * 2048 * 4 / 1048576;
  EXPECT_GE(store.metricSeries(run, "naive_peak_mb").at(0).value, 0.9 * matrixMb);
  EXPECT_LT(store.metricSeries(run, "tiled_peak_mb").at(0).value, 0.25 * matrixMb);
}

RecordedRun runTiles(Store& store, const KindRegistry& kinds, const std::string& params) {
  return recordRun(store, kinds, R"({"kind": "attention.tiles", "seed": 5, "params": )" + params + "}");
}

TEST(AttentionKind, HalfInputsRecordTheirRoundingApartFromTheKernelError) {
  KindRegistry kinds;
  registerBuiltinKinds(kinds);
  testing::TempDir dir;
  Store store(dir / "h.sqlite");
  for (const char* type : {"f16", "bf16"}) {
    const auto r = runTiles(store, kinds, std::string(R"({"n": 128, "d": 32, "input_dtype": ")") + type + "\"}");
    ASSERT_EQ(r.status, RunStatus::Finished) << r.error;
    EXPECT_LE(store.metricSeries(r.run, "max_error_vs_fp64").back().value, 1e-5) << type;
    // Rounding the inputs costs far more than the f32 arithmetic: f16 keeps
    // 11 significant bits, bf16 8.
    const double rounding = store.metricSeries(r.run, "input_rounding_error").back().value;
    EXPECT_GT(rounding, std::string(type) == "f16" ? 1e-5 : 1e-4) << type;
    EXPECT_LT(rounding, std::string(type) == "f16" ? 1e-2 : 1e-1) << type;
    EXPECT_EQ(store.metricSeries(r.run, "inputs_overflowed").back().value, 0) << type;
  }
  // Inputs of standard deviation 1e5 overflow f16 (max 65504) but not bf16.
  auto big = runTiles(store, kinds, R"({"n": 64, "d": 16, "input_dtype": "f16", "input_scale": 100000})");
  ASSERT_EQ(big.status, RunStatus::Finished) << big.error;
  EXPECT_GT(store.metricSeries(big.run, "inputs_overflowed").back().value, 0);
  big = runTiles(store, kinds, R"({"n": 64, "d": 16, "input_dtype": "bf16", "input_scale": 100000})");
  ASSERT_EQ(big.status, RunStatus::Finished) << big.error;
  EXPECT_EQ(store.metricSeries(big.run, "inputs_overflowed").back().value, 0);
}

TEST(AttentionKind, RealQkvFromNpyAgainstNumpySoftmax) {
  KindRegistry kinds;
  registerBuiltinKinds(kinds);
  testing::TempDir dir;
  // Two heads, 100 queries, 130 keys, d = 16, dv = 24; numpy computes head
  // 0's probabilities for the map the run records.
  const auto py = testing::runPython(
      "import numpy as np, sys, os\n"
      "d = sys.argv[1]; rng = np.random.default_rng(11)\n"
      "q = rng.normal(size=(2, 100, 16)).astype(np.float32)\n"
      "k = rng.normal(size=(2, 130, 16)).astype(np.float32)\n"
      "v = rng.normal(size=(2, 130, 24)).astype(np.float64)\n"
      "np.save(os.path.join(d, 'q.npy'), q); np.save(os.path.join(d, 'k.npy'), k); np.save(os.path.join(d, 'v.npy'), "
      "v)\n"
      "np.save(os.path.join(d, 'k_bad.npy'), k[:, :, :8])\n"
      "s = q[0].astype(np.float64) @ k[0].astype(np.float64).T / 4.0\n"
      "p = np.exp(s - s.max(axis=1, keepdims=True)); p /= p.sum(axis=1, keepdims=True)\n"
      "p.tofile(os.path.join(d, 'p.bin'))\n",
      {dir.path().string()});
  ASSERT_EQ(py.exitCode, 0) << py.err;
  Store store(dir / "n.sqlite");
  const std::string files = "\"q_npy\": \"" + (dir / "q.npy").string() + "\", \"v_npy\": \"" +
                            (dir / "v.npy").string() + "\", \"block_q\": 32, \"block_k\": 64, \"causal\": false";
  const auto r = runTiles(store, kinds, "{" + files + ", \"k_npy\": \"" + (dir / "k.npy").string() + "\"}");
  ASSERT_EQ(r.status, RunStatus::Finished) << r.error;
  const int qBlocks = 4, kBlocks = 3;  // ⌈100/32⌉, ⌈130/64⌉
  ASSERT_EQ(store.getRun(r.run).stepCount, qBlocks * kBlocks);
  EXPECT_LE(store.metricSeries(r.run, "max_error_vs_fp64").back().value, 1e-5);
  const Array map = store.readArray(r.run, qBlocks * kBlocks - 1, "attention_map");
  ASSERT_EQ(map.shape(), (Shape{100, 130}));
  const std::string bytes = testing::readFile(dir / "p.bin");
  std::vector<double> p(bytes.size() / 8);
  std::memcpy(p.data(), bytes.data(), bytes.size());
  ASSERT_EQ(p.size(), 100u * 130u);
  for (std::size_t i = 0; i < p.size(); ++i) ASSERT_NEAR(map.data<float>()[i], p[i], 1e-6) << i;

  // K that does not fit Q: the error names the field, the file and both shapes.
  const auto bad = runTiles(store, kinds, "{" + files + ", \"k_npy\": \"" + (dir / "k_bad.npy").string() + "\"}");
  EXPECT_EQ(bad.status, RunStatus::Failed);
  EXPECT_EQ(bad.error, "params.k_npy: " + (dir / "k_bad.npy").string() +
                           ": shape [2, 130, 8] does not fit Q's [2, 100, 16] (same heads and width needed)");
  const auto missing = runTiles(store, kinds, "{" + files + ", \"k_npy\": \"" + (dir / "nope.npy").string() + "\"}");
  EXPECT_EQ(missing.error, "params.k_npy: " + (dir / "nope.npy").string() + ": no such file");
  const auto lonely = runTiles(store, kinds, "{\"q_npy\": \"" + (dir / "q.npy").string() + "\"}");
  EXPECT_EQ(lonely.error, "params.k_npy: Q, K and V files go together: this one is empty");
}

// A hand-made block layout drives the kernel: the skipped tiles are exactly
// its zeros (and the causal ones), the output still matches float64
// attention under the same mask, and a malformed layout names the field.
TEST(AttentionKind, EditedBlockLayoutSkipsItsTiles) {
  KindRegistry kinds;
  registerBuiltinKinds(kinds);
  testing::TempDir dir;
  Store store(dir / "b.sqlite");
  const std::string layout = "1000/1100/0110/1011";  // n = 256, 64 × 64 tiles
  const auto r = runTiles(
      store, kinds, R"({"n": 256, "d": 16, "causal": false, "pattern": "blocks", "block_layout": ")" + layout + "\"}");
  ASSERT_EQ(r.status, RunStatus::Finished) << r.error;
  EXPECT_EQ(store.metricSeries(r.run, "tiles_skipped").back().value, 8);
  EXPECT_LE(store.metricSeries(r.run, "max_error_vs_fp64").back().value, 1e-5);
  const Array states = store.readArray(r.run, 15, "tile_states");
  const std::string cells = "1000110001101011";
  for (int i = 0; i < 15; ++i)  // the last cell is "current" (4)
    EXPECT_EQ(states.data<float>()[i], cells[static_cast<std::size_t>(i)] == '1' ? 1.0f : 3.0f) << i;

  auto bad = runTiles(store, kinds, R"({"n": 256, "d": 16, "pattern": "blocks", "block_layout": "1000/1100/0110"})");
  EXPECT_EQ(bad.error,
            "params.block_layout: expected 4 rows of 4 tiles (0 or 1) separated by '/' for n=256, m=256, block_q=64, "
            "block_k=64; got 3 rows");
  bad = runTiles(store, kinds, R"({"n": 256, "d": 16, "pattern": "blocks", "block_layout": "1000/1100/01x0/1111"})");
  EXPECT_NE(bad.error.find("found 'x' at character 13"), std::string::npos) << bad.error;
  bad = runTiles(store, kinds, R"({"n": 256, "d": 16, "pattern": "blocks", "block_layout": "1000/110/0110/1111"})");
  EXPECT_NE(bad.error.find("row 2 has 3 tiles"), std::string::npos) << bad.error;
}

}  // namespace
// Issue 19: Stop / Ctrl-C was polled only between steps, so a large
// attention.tiles (its float64 reference alone runs for many seconds at
// N = 16384) or attention.scaling ignored it. Engines now poll the run's flag
// inside their loops: cancelled mid-computation, each run ends within 1 s,
// recorded as cancelled.
TEST(AttentionKind, CancelEndsALargeRunWithinASecond) {
  KindRegistry kinds;
  registerBuiltinKinds(kinds);
  testing::TempDir dir;
  Store store(dir / "c.sqlite");
  for (const char* text : {R"({"kind": "attention.tiles", "params": {"n": 16384, "d": 64, "causal": false}})",
                           R"({"kind": "attention.scaling", "params": {"lengths": [16384], "error_up_to": 16384}})"}) {
    SCOPED_TRACE(text);
    const auto c = testing::cancelMidRun(store, kinds, text, 1500);  // well inside the computation
    ASSERT_TRUE(c.stillRunning) << "the run ended before it could be cancelled";
    std::printf("  cancelled in %.3f s\n", c.secondsToEnd);
    EXPECT_EQ(c.status, RunStatus::Cancelled);
    EXPECT_LT(c.secondsToEnd, 1.0);
    EXPECT_EQ(store.getRun(c.run).status, RunStatus::Cancelled);
  }
}

}  // namespace loupe

namespace loupe {
namespace {

// A real head: layer 1, head 2 of the shipped model on a gloss. The kernel's
// recorded output O equals that head's attention output in the float64
// torch reference (llama_reference.py, the whole model from its definition),
// so the Q, K, V the kind took from the model are the model's.
TEST(AttentionKind, ARealHeadOfTheShippedModelMatchesFloat64Torch) {
  KindRegistry kinds;
  registerBuiltinKinds(kinds);
  testing::TempDir dir;
  Store store(dir / "m.sqlite");
  const std::string prompt = "river: a large natural stream of water; \"the river was clear\"";
  const auto r = testing::recordRun(store, kinds,
                                    nlohmann::json{{"kind", "attention.tiles"},
                                                   {"params",
                                                    {{"model", "loupe-llama-2m"},
                                                     {"layer", 1},
                                                     {"head", 2},
                                                     {"block_q", 16},
                                                     {"block_k", 16},
                                                     {"causal", true},
                                                     {"prompt", prompt}}}}
                                        .dump());
  ASSERT_EQ(r.status, RunStatus::Finished) << r.error;
  const auto steps = store.getRun(r.run).stepCount;
  const StepRecord first = store.readStep(r.run, 0), last = store.readStep(r.run, steps - 1);
  lm::Tokenizer tok(shippedModelsDir() / "loupe-llama-2m" / "tokenizer.model");
  std::vector<int> ids{tok.bosId()};
  for (int id : tok.encode(prompt)) ids.push_back(id);
  const int T = static_cast<int>(ids.size());
  EXPECT_EQ(first.values<std::int64_t>("token_piece_lengths").size(), ids.size());
  EXPECT_EQ(*first.findMetric("layer"), 1);
  EXPECT_LE(*last.findMetric("max_error_vs_fp64"), 1e-5);
  const Array out = store.readArray(r.run, steps - 1, "output");
  ASSERT_EQ(out.shape(), (Shape{T, 32}));  // head width 192 / 6

  testing::writeFile(dir / "ids.json", nlohmann::json(ids).dump());
  const auto py = testing::runProcess(
      {LOUPE_PYTHON, (std::filesystem::path(LOUPE_TEST_SOURCE_DIR) / "engines/lm/llama_reference.py").string(), "head",
       (shippedModelsDir() / "loupe-llama-2m").string(), (dir / "ids.json").string(), "1", "2",
       (dir / "o.bin").string()});
  ASSERT_EQ(py.exitCode, 0) << py.err;
  const auto ref = testing::readValues<double>(dir / "o.bin");
  ASSERT_EQ(ref.size(), static_cast<std::size_t>(T) * 32);
  double worst = 0;
  for (std::size_t i = 0; i < ref.size(); ++i) worst = std::max(worst, std::abs(out.data<float>()[i] - ref[i]));
  EXPECT_LT(worst, 1e-4);
  std::printf("layer 1 head 2 on %d tokens: max |O − torch float64| = %.2e\n", T, worst);

  const auto bad = testing::recordRun(
      store, kinds, R"({"kind": "attention.tiles", "params": {"model": "loupe-llama-2m", "layer": 9}})");
  EXPECT_EQ(bad.error, "params.layer: 9 is not below the model's 4 layers");
  const auto badHead = testing::recordRun(
      store, kinds, R"({"kind": "attention.tiles", "params": {"model": "loupe-llama-2m", "head": 6}})");
  EXPECT_EQ(badHead.error, "params.head: 6 is not below the model's 6 attention heads");
}

}  // namespace
}  // namespace loupe
