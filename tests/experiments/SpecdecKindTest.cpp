// The specdec kinds through the runner and the store, on the phone trigram:
// a Medusa run's records replay the decoding (the emitted tokens of every
// step concatenated equal greedy target decoding computed here; each step's
// accepted path starts at the root and follows parents); a sampled chain's
// steps keep at most γ drafts; compare records one step per method with the
// target's tokens per step exactly 1; bad trees, prompts and methods fail
// naming the parameter and record no steps.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "engines/lm/Checkpoint.h"
#include "engines/lm/MedusaDecoding.h"
#include "engines/specdec/ResidualHeads.h"
#include "engines/specdec/SpeculativeSampling.h"
#include "experiments/KindRegistry.h"
#include "experiments/Recipe.h"
#include "experiments/kinds/LmKinds.h"
#include "tests/support/RecordRun.h"
#include "tests/support/TestHelpers.h"

namespace loupe {
namespace {

using testing::recordRun;

TEST(SpecdecKind, MedusaRecordsReplayGreedyDecoding) {
  KindRegistry kinds;
  registerBuiltinKinds(kinds);
  testing::TempDir dir;
  Store store(dir / "s.sqlite");
  const auto run = recordRun(store, kinds,
                             R"({"kind": "specdec.medusa", "params": {"tree": "mc_sim_7b_63", "heads": "oracle",
                                 "acceptance": "greedy", "tokens": 60, "prompt": "SIL HH AH"}})");
  ASSERT_EQ(run.status, RunStatus::Finished) << run.error;
  const auto arpa = specdec::ArpaModel::load(testing::phoneTrigramPath());
  const specdec::ArpaTokenModel target(arpa);
  const std::vector<int> expected =
      specdec::greedyDecode(target, {target.id("SIL"), target.id("HH"), target.id("AH")}, 60);
  std::vector<std::int64_t> emitted;
  const std::int64_t steps = store.getRun(run.run).stepCount;
  ASSERT_GT(steps, 1);
  ASSERT_LT(steps, 60);  // more than one token a step
  for (std::int64_t i = 0; i < steps; ++i) {
    const StepRecord r = store.readStep(run.run, i);
    const auto e = r.values<std::int64_t>("emitted_tokens");
    emitted.insert(emitted.end(), e.begin(), e.end());
    const auto path = r.values<std::int64_t>("accepted_nodes"), parent = r.values<std::int64_t>("node_parent"),
               token = r.values<std::int64_t>("node_token");
    ASSERT_FALSE(path.empty());
    EXPECT_EQ(path[0], 0);
    EXPECT_EQ(token.size(), 64u);
    for (std::size_t j = 1; j < path.size(); ++j) EXPECT_EQ(parent[static_cast<std::size_t>(path[j])], path[j - 1]);
    EXPECT_EQ(*r.findMetric("accepted"), static_cast<double>(path.size() - 1));
  }
  EXPECT_EQ(emitted, std::vector<std::int64_t>(expected.begin(), expected.end()));
  EXPECT_NE(store.readStep(run.run, steps - 1).findMetric("tokens_per_step"), nullptr);
  EXPECT_NE(store.readStep(run.run, 0).findArray("vocabulary"), nullptr);
}

TEST(SpecdecKind, SampledChainAndCompare) {
  KindRegistry kinds;
  registerBuiltinKinds(kinds);
  testing::TempDir dir;
  Store store(dir / "s.sqlite");
  const auto chain = recordRun(store, kinds, R"({"kind": "specdec.sample", "params": {"gamma": 3, "tokens": 100}})");
  ASSERT_EQ(chain.status, RunStatus::Finished) << chain.error;
  std::int64_t total = 0;
  for (std::int64_t i = 0; i < store.getRun(chain.run).stepCount; ++i) {
    const StepRecord r = store.readStep(chain.run, i);
    EXPECT_LE(*r.findMetric("accepted"), 3);
    total += static_cast<std::int64_t>(r.values<std::int64_t>("emitted_tokens").size());
  }
  EXPECT_EQ(total, 100);
  const auto compare = recordRun(store, kinds,
                                 R"({"kind": "specdec.compare", "params": {"methods": "target,chain,medusa:chain:3",
                                     "tokens": 80, "repeats": 2, "acceptance": "typical"}})");
  ASSERT_EQ(compare.status, RunStatus::Finished) << compare.error;
  ASSERT_EQ(store.getRun(compare.run).stepCount, 3);
  // A JSON tree inside the method list keeps its commas.
  const auto json = recordRun(store, kinds,
                              R"({"kind": "specdec.compare", "params": {"methods": "target, medusa:[[0], [1], [0, 0]]",
                                  "tokens": 40, "repeats": 1}})");
  ASSERT_EQ(json.status, RunStatus::Finished) << json.error;
  ASSERT_EQ(store.getRun(json.run).stepCount, 2);
  EXPECT_DOUBLE_EQ(*store.readStep(compare.run, 0).findMetric("tokens_per_step"), 1.0);
  EXPECT_GT(*store.readStep(compare.run, 1).findMetric("tokens_per_step"), 1.0);
}

TEST(SpecdecKind, BadInputNamesTheParameterAndRecordsNothing) {
  KindRegistry kinds;
  registerBuiltinKinds(kinds);
  testing::TempDir dir;
  Store store(dir / "s.sqlite");
  const std::pair<const char*, const char*> cases[] = {
      {R"({"kind": "specdec.medusa", "params": {"tree": "no_such_tree"}})", "params.tree"},
      {R"({"kind": "specdec.medusa", "params": {"tree": "[[0], [0, 0, 5]]"}})", "params.tree"},
      {R"({"kind": "specdec.sample", "params": {"prompt": "SIL QQQ"}})", "params.prompt"},
      {R"({"kind": "specdec.compare", "params": {"methods": "target,beam"}})", "params.methods"},
      {R"({"kind": "specdec.sample", "params": {"target_file": "/nonexistent.arpa"}})", "params.target_file"},
      // parses, but rank 12 is beyond top-10: refused before "target" runs
      {R"({"kind": "specdec.compare", "params": {"methods": "target,medusa:[[12]]"}})", "params.methods"},
  };
  for (const auto& [recipe, where] : cases) {
    const auto run = recordRun(store, kinds, recipe);
    EXPECT_EQ(run.status, RunStatus::Failed) << recipe;
    EXPECT_NE(run.error.find(where), std::string::npos) << run.error;
    EXPECT_EQ(store.getRun(run.run).stepCount, 0) << recipe;
  }
}

}  // namespace
// Issue 19: specdec.medusa at 100k tokens ignored Ctrl-C for tens of
// seconds (the decoding loop never polled). Cancelled mid-run it now ends
// within 1 s, recorded as cancelled.
TEST(SpecdecKind, CancelEndsALongDecodeWithinASecond) {
  KindRegistry kinds;
  registerBuiltinKinds(kinds);
  testing::TempDir dir;
  Store store(dir / "c.sqlite");
  const auto c = testing::cancelMidRun(
      store, kinds, R"({"kind": "specdec.medusa", "params": {"tree": "mc_sim_7b_63", "tokens": 100000}})", 1500);
  ASSERT_TRUE(c.stillRunning) << "the run ended before it could be cancelled";
  std::printf("  cancelled specdec.medusa in %.3f s\n", c.secondsToEnd);
  EXPECT_EQ(c.status, RunStatus::Cancelled);
  EXPECT_LT(c.secondsToEnd, 1.0);
}

}  // namespace loupe

namespace loupe {
namespace {

// Medusa heads trained in the workbench on the shipped model: each head's
// loss falls; on held-out text each head's top-1 accuracy beats always
// guessing the most frequent token and falls with k (token t + k + 2 is
// harder to guess the further it is); the saved heads load again, resume,
// and make Medusa decoding accept more drafts than the untrained heads —
// with the same tokens as plain greedy decoding.
using testing::recordRun;

TEST(SpecdecKind, TrainHeadsOnTheShippedModel) {
  KindRegistry kinds;
  registerBuiltinKinds(kinds);
  testing::TempDir dir;
  Store store(dir / "h.sqlite");
  const std::string out = (dir / "medusa_lm_head.safetensors").string();
  const auto run = recordRun(store, kinds,
                             R"({"kind": "specdec.train_heads", "seed": 3, "params": {"heads": 3,
      "max_lines": 1000, "max_heldout_lines": 200, "steps": 120, "batch_lines": 16, "learning_rate": 0.003,
      "eval_every": 50, "heads_out": ")" +
                                 out + R"("}})");
  ASSERT_EQ(run.status, RunStatus::Finished) << run.error;
  const auto steps = store.getRun(run.run).stepCount;
  ASSERT_EQ(steps, 120);
  const StepRecord first = store.readStep(run.run, 0), last = store.readStep(run.run, steps - 1);
  const double unigram = *first.findMetric("unigram_top1");
  std::vector<double> top1;
  for (int k = 0; k < 3; ++k) {
    const std::string h = std::to_string(k);
    double early = 0, late = 0;
    for (int s = 0; s < 10; ++s) {
      early += *store.readStep(run.run, s).findMetric("loss_head" + h);
      late += *store.readStep(run.run, steps - 1 - s).findMetric("loss_head" + h);
    }
    EXPECT_LT(late, 0.9 * early) << "head " << k;
    top1.push_back(*last.findMetric("top1_head" + h));
    EXPECT_GT(top1.back(), unigram) << "head " << k;
    EXPECT_GE(*last.findMetric("topk_head" + h), top1.back());
  }
  EXPECT_GT(top1[0], top1[1]);
  EXPECT_GT(top1[1], top1[2]);
  std::printf("held-out top-1 by head: %.3f %.3f %.3f (unigram %.3f)\n", top1[0], top1[1], top1[2], unigram);

  // Trained heads guess better than untrained ones, and Medusa still emits plain greedy's tokens.
  auto ck = std::shared_ptr<const lm::Checkpoint>(lm::loadCheckpoint(shippedModelsDir() / "loupe-llama-2m"));
  lm::LlamaModel model(ck, 512);
  const specdec::ResidualHeads trained = specdec::ResidualHeads::read(out);
  ASSERT_EQ(trained.count(), 3);
  const specdec::MedusaBuffers tree = specdec::medusaBuffers(specdec::Choices{{0}, {1}, {0, 0}, {0, 1}, {0, 0, 0}});
  const std::vector<int> prompt{1, 4, 5, 6};
  const auto plain = lm::plainGreedy(model, prompt, 100);
  const auto withTrained = lm::medusaGreedy(model, trained, tree, prompt, 100);
  const auto withUntrained = lm::medusaGreedy(model, lm::headsFromLmHead(*ck, 3), tree, prompt, 100);
  EXPECT_EQ(withTrained.tokens, plain.tokens);
  EXPECT_LT(withTrained.modelCalls, withUntrained.modelCalls);
  std::printf("model calls for 100 tokens: plain %d, Medusa untrained %d, trained %d\n", plain.modelCalls,
              withUntrained.modelCalls, withTrained.modelCalls);

  // Trees designed from these heads' measured accuracy: predicted and
  // measured accepted drafts per step, beside mc_sim_7b_63 cut to size.
  const auto design = recordRun(store, kinds,
                                R"({"kind": "specdec.design_tree", "params": {"heads_file": ")" + out +
                                    R"(", "max_heldout_lines": 150, "sizes": [4, 16], "prompts": 4,
      "tokens": 60}})");
  ASSERT_EQ(design.status, RunStatus::Finished) << design.error;
  ASSERT_EQ(store.getRun(design.run).stepCount, 2);
  const StepRecord small = store.readStep(design.run, 0), large = store.readStep(design.run, 1);
  EXPECT_EQ(*small.findMetric("nodes"), 4);
  EXPECT_EQ(*large.findMetric("nodes"), 16);
  EXPECT_GT(*large.findMetric("predicted_accepted"), *small.findMetric("predicted_accepted"));
  const Array acc = store.readArray(design.run, 0, "rank_accuracy");
  EXPECT_EQ(acc.shape(), (Shape{3, 10}));
  EXPECT_NO_THROW(specdec::medusaBuffers(specdec::parseChoices(large.text("tree"), "tree")));
  for (const StepRecord* r : {&small, &large}) {
    const double predicted = *r->findMetric("predicted_accepted"), measured = *r->findMetric("measured_accepted");
    std::printf("%g nodes: designed predicted %.3f measured %.3f; mc_sim_7b_63 cut predicted %.3f measured %.3f\n",
                *r->findMetric("nodes"), predicted, measured, *r->findMetric("mc_sim_predicted_accepted"),
                *r->findMetric("mc_sim_measured_accepted"));
    EXPECT_GT(measured, 0.0);
    // Few prompts here: the prediction (greedy decoding walked over calibration text) is only of the measured size.
    EXPECT_LT(std::abs(predicted - measured), 0.5 * measured);
  }
  EXPECT_GE(*large.findMetric("measured_accepted"), 0.9 * *large.findMetric("mc_sim_measured_accepted"));

  // Resume from the saved heads; heads that do not fit are refused by name.
  const auto resumed = recordRun(store, kinds,
                                 R"({"kind": "specdec.train_heads", "params": {"heads": 3, "max_lines": 50,
      "max_heldout_lines": 20, "steps": 2, "heads_in": ")" +
                                     out + R"("}})");
  EXPECT_EQ(resumed.status, RunStatus::Finished) << resumed.error;
  const auto wrong = recordRun(store, kinds, R"({"kind": "specdec.train_heads", "params": {"heads": 4, "max_lines": 5,
      "steps": 1, "heads_in": ")" + out + R"("}})");
  EXPECT_NE(wrong.error.find("params.heads_in: "), std::string::npos) << wrong.error;
}

// The kinds on the shipped transformer: every method's greedy text is the
// plain one, the target's measured speed-up is 1, the bands are
// probabilities, and the vocabulary is the tokenizer's pieces.
TEST(SpecdecKind, MethodsOnTheShippedTransformer) {
  KindRegistry kinds;
  registerBuiltinKinds(kinds);
  testing::TempDir dir;
  Store store(dir / "s.sqlite");
  const auto run = recordRun(store, kinds, R"({"kind": "specdec.compare", "seed": 1, "params": {"source": "model",
      "methods": "target,chain,mtp,medusa:chain:3", "gamma": 3, "tokens": 30, "repeats": 3, "acceptance": "greedy"}})");
  ASSERT_EQ(run.status, RunStatus::Finished) << run.error;
  ASSERT_EQ(store.getRun(run.run).stepCount, 4);
  const StepRecord target = store.readStep(run.run, 0);
  EXPECT_EQ(target.metricOr("subword_vocabulary"), 1.0);
  EXPECT_EQ(target.metricOr("speedup_measured"), 1.0);
  const auto plain = target.values<std::int64_t>("tokens");
  ASSERT_EQ(plain.size(), 30u);
  for (std::int64_t k = 1; k < 4; ++k) {
    const StepRecord r = store.readStep(run.run, k);
    EXPECT_EQ(r.values<std::int64_t>("tokens"), plain) << r.text("method_name");
    EXPECT_GT(r.metricOr("speedup_measured"), 0.0);
    EXPECT_GT(r.metricOr("tokens_per_step"), 1.0) << r.text("method_name");
    const auto low = r.values<double>("acceptance_by_depth_low"), high = r.values<double>("acceptance_by_depth_high");
    ASSERT_EQ(low.size(), high.size());
    for (std::size_t d = 0; d < low.size(); ++d)
      if (!std::isnan(low[d])) {
        EXPECT_TRUE(0 <= low[d] && low[d] <= high[d] && high[d] <= 1) << d;
      }
    EXPECT_EQ(store.readArray(run.run, k, "acceptance_by_depth_runs").shape()[0], 3);
  }
  // The vocabulary: one line per token id of the model.
  const std::string vocabulary = target.text("vocabulary");
  EXPECT_EQ(std::count(vocabulary.begin(), vocabulary.end(), '\n'), 4000);

  // MTP modules trained by the same kind: the loss falls, the file loads,
  // and a Medusa file offered as MTP modules is refused by name.
  const std::string out = (dir / "mtp.safetensors").string();
  const auto mtp = recordRun(store, kinds,
                             R"({"kind": "specdec.train_heads", "seed": 1, "params": {"head_type": "mtp",
      "heads": 2, "max_lines": 200, "max_heldout_lines": 30, "steps": 40, "eval_every": 39, "heads_out": ")" +
                                 out + R"("}})");
  ASSERT_EQ(mtp.status, RunStatus::Finished) << mtp.error;
  const double first = store.readStep(mtp.run, 0).metricOr("loss_head1"),
               last = store.readStep(mtp.run, 39).metricOr("loss_head1");
  EXPECT_LT(last, first - 1.0);
  EXPECT_GT(store.readStep(mtp.run, 39).metricOr("top1_head0"), store.readStep(mtp.run, 0).metricOr("unigram_top1"));
  const auto medusaFile = (std::filesystem::path(LOUPE_TEST_SOURCE_DIR).parent_path() / "resources" / "models" /
                           "loupe-llama-2m" / "medusa_lm_head.safetensors")
                              .string();
  const auto wrong = recordRun(store, kinds,
                               R"({"kind": "specdec.train_heads", "params": {"head_type": "mtp",
      "heads": 3, "max_lines": 5, "steps": 1, "heads_in": ")" +
                                   medusaFile + R"("}})");
  EXPECT_NE(wrong.error.find("params.heads_in: "), std::string::npos) << wrong.error;
  EXPECT_NE(wrong.error.find("mtp.0.eh_proj.weight"), std::string::npos) << wrong.error;
}

}  // namespace
}  // namespace loupe
