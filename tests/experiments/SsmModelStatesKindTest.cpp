// ssm.model_states end to end through the runner and the store, against an
// independent float64 torch Mamba (tests/engines/lm/mamba_reference.py: a
// sequential scan loop on weights read by numpy): for every recorded token
// and layer, Δ', SiLU(z), the gated output, B, C, the recorded channels'
// states h_t, ‖h_t‖ per channel, and the next-token entropy, probability of
// the text's next token and top-1 equal the loop's. Also: a compared
// prompt lands as sequence 1, and a file that is not there is refused by
// name with nothing recorded.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "experiments/KindRegistry.h"
#include "experiments/kinds/SsmRecords.h"
#include "tests/support/RecordRun.h"
#include "tests/support/TestHelpers.h"

namespace loupe {
namespace {

namespace fs = std::filesystem;
namespace rec = ssm_records;
using testing::recordRun;

const fs::path kModel = fs::path(LOUPE_TEST_SOURCE_DIR).parent_path() / "resources" / "models" / "loupe-mamba-2m";
const fs::path kReference = fs::path(LOUPE_TEST_SOURCE_DIR) / "engines" / "lm" / "mamba_reference.py";

class SsmModelStates : public ::testing::Test {
 protected:
  SsmModelStates() { registerBuiltinKinds(kinds); }
  KindRegistry kinds;
  testing::TempDir dir;
  Store store{dir / "s.sqlite"};
};

// The shipped model's shape, read from its config (not from our parser).
struct Shape4 {
  int layers, inner, state, vocab;
};
Shape4 shippedShape() {
  const auto config = nlohmann::json::parse(testing::readFile(kModel / "config.json"));
  return {config["num_hidden_layers"].get<int>(), config["expand"].get<int>() * config["hidden_size"].get<int>(),
          config["state_size"].get<int>(), config["vocab_size"].get<int>()};
}

double maxAbs(const float* ours, const double* ref, std::size_t n) {
  double worst = 0;
  for (std::size_t i = 0; i < n; ++i) worst = std::max(worst, std::abs(ours[i] - ref[i]));
  return worst;
}

TEST_F(SsmModelStates, EveryRecordedTokenEqualsTheFloat64Loop) {
  const std::vector<int> channels{0, 7, 100, 383};
  const nlohmann::json recipe = {{"kind", "ssm.model_states"},
                                 {"params",
                                  {{"compare", "none"},
                                   {"measure_cost", false},
                                   {"channels", channels},
                                   {"prompt", "river: a large natural stream of water. The river ran dry."}}}};
  const auto r = recordRun(store, kinds, recipe.dump());
  ASSERT_EQ(r.status, RunStatus::Finished) << r.error;
  const auto ends = store.metricSeries(r.run, rec::kSequenceEnd);
  ASSERT_EQ(ends.size(), 1u);
  const std::int64_t endStep = ends[0].step;
  const Array tokens = store.readArray(r.run, endStep, rec::kSequenceTokens);
  std::vector<int> ids;
  for (std::int64_t i = 0; i < tokens.numel(); ++i) ids.push_back(static_cast<int>(tokens.data<std::int64_t>()[i]));
  const int T = static_cast<int>(ids.size());
  ASSERT_EQ(endStep, T) << "one step per token, then the sequence's end";
  ASSERT_GT(T, 10);

  testing::writeFile(dir / "ids.json", nlohmann::json(ids).dump());
  const auto p = testing::runProcess({LOUPE_PYTHON, kReference.string(), "trace", kModel.string(),
                                      (dir / "ids.json").string(), (dir / "t.bin").string()});
  ASSERT_EQ(p.exitCode, 0) << p.err;
  const std::vector<double> ref = testing::readValues<double>(dir / "t.bin");
  const auto [L, Di, N, V] = shippedShape();
  const std::size_t perLayer = std::size_t(T) * (3 * Di + 2 * N + std::size_t(Di) * N);
  ASSERT_EQ(ref.size(), L * perLayer + std::size_t(T) * V);
  // Offsets of the reference's blocks for layer l.
  auto block = [&](int l, int which) {
    const std::size_t T_ = T, sizes[] = {T_ * Di, T_ * Di, T_ * Di, T_ * N, T_ * N};
    std::size_t at = l * perLayer;
    for (int k = 0; k < which; ++k) at += sizes[k];
    return ref.data() + at;
  };
  const double* logits = ref.data() + L * perLayer;

  double worstDelta = 0, worstGate = 0, worstOut = 0, worstBC = 0, worstState = 0, worstNorm = 0, worstEntropy = 0,
         worstNext = 0;
  for (int t = 0; t < T; ++t) {
    SCOPED_TRACE("token " + std::to_string(t));
    const Array delta = store.readArray(r.run, t, rec::kDelta), gate = store.readArray(r.run, t, rec::kGate);
    const Array out = store.readArray(r.run, t, rec::kOutput), B = store.readArray(r.run, t, rec::kB);
    const Array C = store.readArray(r.run, t, rec::kC), states = store.readArray(r.run, t, rec::kChannelStates);
    const Array norms = store.readArray(r.run, t, rec::kStateNormChannels);
    ASSERT_EQ(delta.shape(), (Shape{L, Di}));
    ASSERT_EQ(B.shape(), (Shape{L, N}));
    ASSERT_EQ(states.shape(), (Shape{L, static_cast<std::int64_t>(channels.size()), N}));
    for (int l = 0; l < L; ++l) {
      worstDelta = std::max(worstDelta, maxAbs(delta.data<float>() + l * Di, block(l, 0) + t * Di, Di));
      worstGate = std::max(worstGate, maxAbs(gate.data<float>() + l * Di, block(l, 1) + t * Di, Di));
      worstOut = std::max(worstOut, maxAbs(out.data<float>() + l * Di, block(l, 2) + t * Di, Di));
      worstBC = std::max(worstBC, maxAbs(B.data<float>() + l * N, block(l, 3) + t * N, N));
      worstBC = std::max(worstBC, maxAbs(C.data<float>() + l * N, block(l, 4) + t * N, N));
      const double* h = block(l, 5) + std::size_t(t) * Di * N;  // (d_inner × N) after token t
      for (std::size_t c = 0; c < channels.size(); ++c)
        worstState = std::max(worstState, maxAbs(states.data<float>() + (l * channels.size() + c) * N,
                                                 h + std::size_t(channels[c]) * N, N));
      for (int d = 0; d < Di; ++d) {
        double sq = 0;
        for (int n = 0; n < N; ++n) sq += h[d * N + n] * h[d * N + n];
        worstNorm = std::max(worstNorm, std::abs(norms.data<float>()[l * Di + d] - std::sqrt(sq)));
      }
    }
    // The next-token distribution: a float64 softmax of the loop's logits.
    const double* z = logits + std::size_t(t) * V;
    const double top = *std::max_element(z, z + V);
    double sum = 0;
    for (int v = 0; v < V; ++v) sum += std::exp(z[v] - top);
    double entropy = 0;
    for (int v = 0; v < V; ++v) {
      const double q = std::exp(z[v] - top) / sum;
      if (q > 0) entropy -= q * std::log(q);
    }
    worstEntropy = std::max(worstEntropy, std::abs(store.metricSeries(r.run, rec::kEntropy)[t].value - entropy));
    if (t + 1 < T) {
      const auto next = store.metricSeries(r.run, rec::kNextProbability);
      worstNext = std::max(worstNext, std::abs(next[t].value - std::exp(z[ids[t + 1]] - top) / sum));
    }
    const Array topTokens = store.readArray(r.run, t, rec::kTopTokens);
    const int argmax = static_cast<int>(std::max_element(z, z + V) - z);
    const double second = [&] {  // a near-tie may order either way in float32
      double s = -1e300;
      for (int v = 0; v < V; ++v)
        if (v != argmax) s = std::max(s, z[v]);
      return s;
    }();
    if (top - second > 1e-3) {
      EXPECT_EQ(topTokens.data<std::int64_t>()[0], argmax);
    }
  }
  std::printf(
      "%d tokens × %d layers, max |ours − float64 loop|: Δ' %.3g, gate %.3g, output %.3g, B/C %.3g, "
      "h_t %.3g, ‖h_t‖ %.3g, entropy %.3g, p(next) %.3g\n",
      T, L, worstDelta, worstGate, worstOut, worstBC, worstState, worstNorm, worstEntropy, worstNext);
  EXPECT_LT(worstDelta, 1e-4);
  EXPECT_LT(worstGate, 1e-4);
  EXPECT_LT(worstOut, 1e-4);
  EXPECT_LT(worstBC, 1e-4);
  EXPECT_LT(worstState, 1e-4);
  EXPECT_LT(worstNorm, 1e-4);
  EXPECT_LT(worstEntropy, 1e-4);
  EXPECT_LT(worstNext, 1e-5);
}

TEST_F(SsmModelStates, AComparedPromptIsSequenceOne) {
  const nlohmann::json recipe = {{"kind", "ssm.model_states"},
                                 {"params",
                                  {{"compare", "prompt"},
                                   {"measure_cost", false},
                                   {"prompt", "the cat sat."},
                                   {"compare_prompt", "sat cat the."}}}};
  const auto r = recordRun(store, kinds, recipe.dump());
  ASSERT_EQ(r.status, RunStatus::Finished) << r.error;
  const auto ends = store.metricSeries(r.run, rec::kSequenceEnd);
  ASSERT_EQ(ends.size(), 2u);
  const auto sequence = store.metricSeries(r.run, rec::kSequence);
  EXPECT_EQ(sequence.front().value, 0);
  EXPECT_EQ(sequence.back().value, 1);
  // Same words, other order: the same number of tokens, other ids in order.
  const Array a = store.readArray(r.run, ends[0].step, rec::kSequenceTokens);
  const Array b = store.readArray(r.run, ends[1].step, rec::kSequenceTokens);
  EXPECT_EQ(a.numel(), b.numel());
}

TEST_F(SsmModelStates, AMissingFileIsRefusedByNameAndNothingRecorded) {
  const nlohmann::json recipe = {{"kind", "ssm.model_states"},
                                 {"params", {{"source", "file"}, {"file", (dir / "absent.txt").string()}}}};
  const auto r = recordRun(store, kinds, recipe.dump());
  EXPECT_EQ(r.status, RunStatus::Failed);
  EXPECT_NE(r.error.find("params.file"), std::string::npos) << r.error;
  EXPECT_NE(r.error.find("absent.txt"), std::string::npos) << r.error;
  EXPECT_TRUE(store.metricSeries(r.run, rec::kSequence).empty());
}

}  // namespace
}  // namespace loupe
