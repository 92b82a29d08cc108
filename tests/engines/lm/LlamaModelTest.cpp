// The Llama engine against an independent float64 torch implementation
// (llama_reference.py, written from the architecture's definition and
// reading the safetensors itself), and against itself only where the
// question is "does the cache change anything": cached decoding against
// full recomputation, tree verification against path-by-path forwards.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <random>

#include "engines/core/Error.h"
#include "engines/lm/Checkpoint.h"
#include "engines/lm/Linear.h"
#include "engines/lm/LlamaModel.h"
#include "engines/lm/LlamaTokenModel.h"
#include "engines/lm/Tokenizer.h"
#include "engines/specdec/MedusaTree.h"
#include "tests/support/TestHelpers.h"

namespace loupe::lm {
namespace {

namespace fs = std::filesystem;

const fs::path kReference = fs::path(LOUPE_TEST_SOURCE_DIR) / "engines" / "lm" / "llama_reference.py";
const fs::path kShippedModel =
    fs::path(LOUPE_TEST_SOURCE_DIR).parent_path() / "resources" / "models" / "loupe-llama-2m";

void runReference(const std::vector<std::string>& args) {
  std::vector<std::string> argv{LOUPE_PYTHON, kReference.string()};
  argv.insert(argv.end(), args.begin(), args.end());
  const auto r = testing::runProcess(argv);
  ASSERT_EQ(r.exitCode, 0) << r.err;
}

// A random model with what the shipped one lacks: 8 query heads on 2 K/V
// heads, an untied LM head, θ = 500000 and f16 weights.
fs::path randomModel(const testing::TempDir& dir, const std::string& name, std::vector<std::string> extra = {}) {
  std::vector<std::string> args{"random",     (dir / name).string(),
                                "--heads",    "8",
                                "--kv-heads", "2",
                                "--untied",   "--theta",
                                "500000",     "--dtype",
                                "f16",        "--seed",
                                "7"};
  args.insert(args.end(), extra.begin(), extra.end());
  runReference(args);
  return dir / name;
}

// Our logits of every position of each prompt (a fresh cache each) and the reference's.
struct Compared {
  double maxAbs = 0;
  std::size_t rows = 0;
};
Compared compareWithReference(const fs::path& folder, const std::vector<std::vector<int>>& prompts,
                              const testing::TempDir& dir) {
  testing::writeFile(dir / "prompts.json", nlohmann::json(prompts).dump());
  runReference({"logits", folder.string(), (dir / "prompts.json").string(), (dir / "ref.bin").string()});
  const auto ref = testing::readValues<double>(dir / "ref.bin");
  auto ck = std::shared_ptr<const Checkpoint>(loadCheckpoint(folder));
  Compared c;
  std::size_t at = 0;
  for (const auto& ids : prompts) {
    LlamaModel model(ck, 512);
    const std::vector<float> ours = model.forward(ids, true);
    for (std::size_t i = 0; i < ours.size(); ++i) c.maxAbs = std::max(c.maxAbs, std::abs(ours[i] - ref.at(at + i)));
    at += ours.size();
    c.rows += ids.size();
  }
  EXPECT_EQ(at, ref.size()) << "the reference wrote another number of logits";
  return c;
}

std::vector<int> randomTokens(int n, int vocab, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> pick(0, vocab - 1);
  std::vector<int> t(static_cast<std::size_t>(n));
  for (int& x : t) x = pick(rng);
  return t;
}

TEST(LlamaModel, RandomGroupedUntiedF16ModelMatchesFloat64Torch) {
  testing::TempDir dir;
  const fs::path folder = randomModel(dir, "m");
  const auto ck = loadCheckpoint(folder);
  EXPECT_EQ(ck->config.heads, 8);
  EXPECT_EQ(ck->config.kvHeads, 2);
  EXPECT_FALSE(ck->config.tiedEmbeddings);
  EXPECT_EQ(ck->embed.dtype, DType::F16);
  const auto c =
      compareWithReference(folder, {randomTokens(5, 300, 1), randomTokens(37, 300, 2), randomTokens(130, 300, 3)}, dir);
  EXPECT_EQ(c.rows, 172u);
  EXPECT_LT(c.maxAbs, 1e-4);
  std::printf("random model: max |ours − torch float64| = %.2e over %zu positions\n", c.maxAbs, c.rows);
}

TEST(LlamaModel, Bf16AndF32WeightsMatchFloat64TorchToo) {
  for (const char* dtype : {"bf16", "f32"}) {
    testing::TempDir dir;
    const fs::path folder = randomModel(dir, "m", {"--dtype", dtype});
    const auto c = compareWithReference(folder, {randomTokens(20, 300, 4)}, dir);
    EXPECT_LT(c.maxAbs, 1e-4) << dtype;
  }
}

TEST(LlamaModel, ShippedModelMatchesFloat64TorchOnThreePrompts) {
  if (!fs::exists(kShippedModel)) GTEST_SKIP() << kShippedModel << " is not there";
  testing::TempDir dir;
  Tokenizer tok(kShippedModel / "tokenizer.model");
  std::vector<std::vector<int>> prompts;
  for (const char* text : {"happy: ", "river: a large natural stream of water",
                           "telescope: an optical instrument for making distant objects appear nearer; \"he looked"}) {
    std::vector<int> ids{tok.bosId()};
    for (int id : tok.encode(text)) ids.push_back(id);
    prompts.push_back(ids);
  }
  const auto c = compareWithReference(kShippedModel, prompts, dir);
  EXPECT_LT(c.maxAbs, 1e-4);
  std::printf("shipped model: max |ours − torch float64| = %.2e over %zu positions\n", c.maxAbs, c.rows);
}

TEST(LlamaModel, ShardedCheckpointEqualsTheSingleFile) {
  testing::TempDir dir;
  const fs::path single = randomModel(dir, "single"), sharded = randomModel(dir, "sharded", {"--shards", "3"});
  ASSERT_TRUE(fs::exists(sharded / "model.safetensors.index.json"));
  ASSERT_TRUE(fs::exists(sharded / "model-00003-of-00003.safetensors"));
  ASSERT_FALSE(fs::exists(sharded / "model.safetensors"));
  const auto ids = randomTokens(40, 300, 5);
  LlamaModel a(loadCheckpoint(single), 64), b(loadCheckpoint(sharded), 64);
  EXPECT_EQ(a.forward(ids, true), b.forward(ids, true));  // the same weights: the same floats, bit for bit
  EXPECT_EQ(b.checkpoint().files.size(), 3u);
}

// Decoding token by token through the cache gives the logits a forward of
// the whole sequence gives (no cache reuse), at every one of 200 steps.
TEST(LlamaModel, CachedDecodingEqualsFullRecomputation) {
  testing::TempDir dir;
  auto ck = std::shared_ptr<const Checkpoint>(loadCheckpoint(randomModel(dir, "m")));
  const int vocab = ck->config.vocab;
  LlamaModel cached(ck, 512);
  std::vector<int> seq = randomTokens(12, vocab, 6);
  std::vector<std::vector<float>> steps{cached.forward(seq)};
  for (int i = 0; i < 200; ++i) {
    const auto& last = steps.back();
    seq.push_back(static_cast<int>(std::max_element(last.begin(), last.end()) - last.begin()));  // greedy
    steps.push_back(cached.forward({seq.back()}));
  }
  seq.pop_back();
  steps.pop_back();
  LlamaModel fresh(ck, 512);
  const std::vector<float> all = fresh.forward(seq, true);
  double worst = 0;
  for (std::size_t s = 0; s < steps.size(); ++s) {
    const std::size_t row = 11 + s;  // step s predicts after token 11 + s
    for (int v = 0; v < vocab; ++v)
      worst = std::max(worst, static_cast<double>(std::abs(steps[s][v] - all[row * vocab + v])));
  }
  EXPECT_LT(worst, 1e-5);
  std::printf("cached vs recomputed, 200 steps: max |Δlogit| = %.2e\n", worst);
  // Truncation rolls back: the same token again at position 40 gives step 29's logits.
  cached.truncate(40);
  const auto again = cached.forward({seq[40]});
  for (int v = 0; v < vocab; ++v) EXPECT_NEAR(again[v], all[40u * vocab + v], 1e-5);
}

// Every node of Medusa's mc_sim_7b_63 tree, verified in one forward, gets
// the logits of a forward of the prompt and its path alone; accepting a
// path leaves the cache a forward of the accepted tokens would leave.
TEST(LlamaModel, TreeVerificationEqualsPathByPathRecomputation) {
  testing::TempDir dir;
  auto ck = std::shared_ptr<const Checkpoint>(loadCheckpoint(randomModel(dir, "m")));
  const int vocab = ck->config.vocab;
  const auto choices =
      specdec::namedChoices(fs::path(LOUPE_SHARED_DATA) / "oracles" / "medusa_choices.json", "mc_sim_7b_63");
  const specdec::MedusaBuffers b = specdec::medusaBuffers(choices);
  const int nodes = static_cast<int>(b.parents.size());
  ASSERT_EQ(nodes, 64);
  const std::vector<int> prompt = randomTokens(30, vocab, 8), tokens = randomTokens(nodes, vocab, 9);

  LlamaModel model(ck, 256);
  model.forward(prompt);
  const std::vector<float> tree = model.verifyTree(tokens, b.parents);
  ASSERT_EQ(tree.size(), static_cast<std::size_t>(nodes) * vocab);
  EXPECT_EQ(model.cached(), 30);

  auto pathTo = [&](int node) {
    std::vector<int> path;
    for (int n = node; n >= 0; n = b.parents[static_cast<std::size_t>(n)]) path.insert(path.begin(), n);
    return path;
  };
  double worst = 0;
  for (int node = 0; node < nodes; ++node) {
    std::vector<int> seq = prompt;
    for (int n : pathTo(node)) seq.push_back(tokens[static_cast<std::size_t>(n)]);
    LlamaModel alone(ck, 256);
    const std::vector<float> ref = alone.forward(seq);
    for (int v = 0; v < vocab; ++v)
      worst = std::max(worst, static_cast<double>(std::abs(tree[static_cast<std::size_t>(node) * vocab + v] - ref[v])));
  }
  EXPECT_LT(worst, 1e-5);
  std::printf("tree of %d nodes vs path-by-path: max |Δlogit| = %.2e\n", nodes, worst);

  // Accept the deepest path through node 0's first children (what greedy acceptance of top-1 guesses keeps).
  const std::vector<int> accepted = pathTo(b.retrieveIndices[0].back() >= 0 ? b.retrieveIndices[0].back() : 0);
  ASSERT_GE(accepted.size(), 3u);
  model.acceptPath(accepted);
  std::vector<int> kept = prompt;
  for (int n : accepted) kept.push_back(tokens[static_cast<std::size_t>(n)]);
  EXPECT_EQ(model.cached(), static_cast<int>(kept.size()));
  LlamaModel rebuilt(ck, 256);
  rebuilt.forward(kept);
  double cacheWorst = 0;
  const int hd = ck->config.headDim();
  for (int l = 0; l < ck->config.layers; ++l)
    for (int h = 0; h < ck->config.kvHeads; ++h)
      for (int p = 0; p < model.cached(); ++p)
        for (int e = 0; e < hd; ++e) {
          cacheWorst = std::max(
              cacheWorst, static_cast<double>(std::abs(model.cachedKey(l, h, p)[e] - rebuilt.cachedKey(l, h, p)[e])));
          cacheWorst =
              std::max(cacheWorst,
                       static_cast<double>(std::abs(model.cachedValue(l, h, p)[e] - rebuilt.cachedValue(l, h, p)[e])));
        }
  EXPECT_LT(cacheWorst, 1e-5);
  // And the next token decodes as from the rebuilt cache.
  const auto next = model.forward({5}), expected = rebuilt.forward({5});
  for (int v = 0; v < vocab; ++v) EXPECT_NEAR(next[v], expected[v], 1e-5);
}

TEST(LlamaModel, CaptureSeesEveryLayersTensors) {
  testing::TempDir dir;
  auto ck = std::shared_ptr<const Checkpoint>(loadCheckpoint(randomModel(dir, "m")));
  const LlamaConfig& c = ck->config;
  LlamaModel model(ck, 64);
  std::vector<int> layers;
  std::vector<std::vector<float>> keys, residuals;
  model.setCapture([&](const LayerCapture& cap) {
    layers.push_back(cap.layer);
    EXPECT_EQ(cap.tokens, 6);
    keys.emplace_back(cap.k, cap.k + static_cast<std::size_t>(c.kvHeads) * 6 * c.headDim());
    residuals.emplace_back(cap.residual, cap.residual + static_cast<std::size_t>(6) * c.hidden);
  });
  model.forward(randomTokens(6, 300, 10));
  ASSERT_EQ(layers, (std::vector<int>{0, 1}));
  // The captured K (after RoPE) is what the cache holds.
  for (int l = 0; l < c.layers; ++l)
    for (int g = 0; g < c.kvHeads; ++g)
      for (int t = 0; t < 6; ++t)
        for (int e = 0; e < c.headDim(); ++e)
          ASSERT_EQ(keys[l][(static_cast<std::size_t>(g) * 6 + t) * c.headDim() + e], model.cachedKey(l, g, t)[e]);
  // The residual stream after the last layer, normed, gives the logits: checked against the reference above,
  // so here only that the captured stream is the one the logits came from.
  model.setCapture(nullptr);
  LlamaModel again(ck, 64);
  std::vector<float> lastResidual;
  again.setCapture([&](const LayerCapture& cap) {
    if (cap.layer == 1) lastResidual.assign(cap.residual, cap.residual + static_cast<std::size_t>(6) * c.hidden);
  });
  again.forward(randomTokens(6, 300, 10));
  EXPECT_EQ(lastResidual, residuals[1]);
  EXPECT_NE(residuals[0], residuals[1]);
}

}  // namespace
}  // namespace loupe::lm

namespace loupe::lm {
namespace {

// The model as speculative decoding's TokenModel: p(next | context) equals
// the softmax of a fresh forward of the context, for contexts that extend,
// branch from and shorten what the cache holds — and extending costs only
// the new tokens.
TEST(LlamaTokenModel, NextEqualsAFreshForwardAndReusesTheCache) {
  testing::TempDir dir;
  auto ck = std::shared_ptr<const Checkpoint>(loadCheckpoint(randomModel(dir, "m")));
  LlamaTokenModel model(ck, 256);
  const std::vector<int> base = randomTokens(20, 300, 12);
  std::vector<std::vector<int>> contexts{base};
  contexts.push_back(base);
  contexts.back().push_back(7);                                           // extends by one
  contexts.push_back(std::vector<int>(base.begin(), base.begin() + 12));  // a prefix
  contexts.push_back(std::vector<int>(base.begin(), base.begin() + 15));
  contexts.back().push_back(299);       // branches at 15
  contexts.push_back(contexts.back());  // the same again: nothing to compute
  std::vector<std::int64_t> computed;
  for (const auto& c : contexts) {
    const std::vector<double> p = model.next(c);
    computed.push_back(model.tokensComputed());
    LlamaModel fresh(ck, 256);
    const std::vector<float> logits = fresh.forward(c);
    const double top = *std::max_element(logits.begin(), logits.end());
    double sum = 0;
    for (float l : logits) sum += std::exp(l - top);
    for (int v = 0; v < 300; ++v) ASSERT_NEAR(p[v], std::exp(logits[v] - top) / sum, 1e-6) << c.size() << " " << v;
  }
  // 20; +1; the prefix of 12 rolls back to 11 and runs its last token; the branch keeps those 12 and runs 4; 0.
  EXPECT_EQ(computed, (std::vector<std::int64_t>{20, 21, 22, 26, 26}));
  EXPECT_EQ(model.vocabularySize(), 300);
}

}  // namespace
}  // namespace loupe::lm

namespace loupe::lm {
namespace {

// The final hidden states (what Medusa heads read) are the LM head's input:
// multiplied by the untied head they give the logits, row for row.
TEST(LlamaModel, LastHiddenIsWhatTheLmHeadReads) {
  testing::TempDir dir;
  auto ck = std::shared_ptr<const Checkpoint>(loadCheckpoint(randomModel(dir, "m")));
  LlamaModel model(ck, 64);
  const std::vector<float> logits = model.forward(randomTokens(9, 300, 13), true);
  const std::vector<float>& h = model.lastHidden();
  const int H = ck->config.hidden, V = ck->config.vocab;
  ASSERT_EQ(h.size(), 9u * H);
  std::vector<float> again(static_cast<std::size_t>(9) * V);
  linearReference(h.data(), 9, ck->lmHead, again.data());
  for (std::size_t i = 0; i < again.size(); ++i) ASSERT_NEAR(again[i], logits[i], 1e-4) << i;
  model.forward({5});
  EXPECT_EQ(model.lastHidden().size(), static_cast<std::size_t>(H));
}

}  // namespace
}  // namespace loupe::lm
