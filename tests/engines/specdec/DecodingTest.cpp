// Whole decoding runs on the phone trigram (target): greedy Medusa (oracle
// and estimated heads, a published tree), greedy MTP and greedy chains emit
// exactly the target's greedy tokens; the oracle heads equal the k-step
// marginals enumerated path by path from the ARPA model itself; MTP with
// speculative sampling keeps the target's distribution (chi-square, scipy);
// typical acceptance keeps only nodes that pass its rule, recomputed here;
// the metrics equal a hand count on a made-up run.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>

#include "engines/specdec/Decoding.h"
#include "tests/engines/specdec/PhoneModel.h"
#include "tests/support/TestHelpers.h"

namespace loupe::specdec {
namespace {

const std::filesystem::path kChoices = std::filesystem::path(LOUPE_SHARED_DATA) / "oracles" / "medusa_choices.json";

std::vector<int> prompt(const ArpaTokenModel& m) {
  return {m.id("SIL"), m.id("HH"), m.id("AH")};
}

// The marginals of tokens t + 2 and t + 3 after ctx, by walking every path
// of root + 1 or 2 tokens straight from the ARPA model.
std::vector<std::vector<double>> enumeratedMarginals(const ArpaTokenModel& raw, const std::vector<int>& ctx) {
  const auto V = static_cast<std::size_t>(raw.vocabularySize());
  std::vector<std::vector<double>> marginal(2, std::vector<double>(V, 0.0));
  const auto p0 = raw.next(ctx);
  for (std::size_t a = 0; a < V; ++a) {
    auto c1 = ctx;
    c1.push_back(static_cast<int>(a));
    const auto p1 = raw.next(c1);
    for (std::size_t b = 0; b < V; ++b) {
      marginal[0][b] += p0[a] * p1[b];
      auto c2 = c1;
      c2.push_back(static_cast<int>(b));
      const auto p2 = raw.next(c2);
      for (std::size_t c = 0; c < V; ++c) marginal[1][c] += p0[a] * p1[b] * p2[c];
    }
  }
  return marginal;
}

TEST(Decoding, OracleHeadsAreTheTargetsMarginalsEnumerated) {
  const ArpaTokenModel raw(phones());
  const MarkovCache target(raw, 3);
  const OracleMedusaHeads heads(target, 2);
  const std::vector<int> ctx = prompt(raw);
  const auto predicted = heads.predict(ctx);
  ASSERT_EQ(predicted.size(), 2u);
  const auto enumerated = enumeratedMarginals(raw, ctx);
  for (std::size_t v = 0; v < enumerated[0].size(); ++v) {
    EXPECT_NEAR(predicted[0][v], enumerated[0][v], 1e-12) << v;
    EXPECT_NEAR(predicted[1][v], enumerated[1][v], 1e-12) << v;
  }
}

TEST(Decoding, GreedyRunsOfEveryMethodEqualGreedyTargetDecoding) {
  const ArpaTokenModel raw(phones()), rawDraft(phones(), 2);
  const MarkovCache target(raw, 3), draft(rawDraft, 2);
  std::mt19937_64 rng(5);
  const std::vector<int> text = sampleText(target, 20000, 40, rng);
  const OracleMedusaHeads oracle(target, 4);
  const EstimatedMedusaHeads estimated(text, raw.vocabularySize(), 4);
  const EstimatedMtpHeads mtp(text, raw.vocabularySize(), 3);
  const DecodeModels models{&target, &draft, &oracle, &mtp};
  DecodeSettings plain;
  plain.tokens = 120;
  const std::vector<int> expected = greedyDecode(raw, prompt(raw), 120);
  EXPECT_EQ(decode(models, plain, prompt(raw), rng).tokens, expected);
  for (const char* tree : {"mc_sim_7b_63", "vicuna_7b_stage2"}) {
    DecodeSettings medusa = plain;
    medusa.method = Method::Medusa;
    medusa.tree = namedChoices(kChoices, tree);
    const DecodeRun withOracle = decode(models, medusa, prompt(raw), rng);
    EXPECT_EQ(withOracle.tokens, expected) << tree;
    EXPECT_GT(metricsOf(withOracle).tokensPerStep, 1.2) << tree;
    const DecodeModels estimatedModels{&target, &draft, &estimated, &mtp};
    EXPECT_EQ(decode(estimatedModels, medusa, prompt(raw), rng).tokens, expected) << tree;
  }
  DecodeSettings chain = plain;
  chain.method = Method::Chain;
  chain.gamma = 3;
  const DecodeRun chained = decode(models, chain, prompt(raw), rng);
  EXPECT_EQ(chained.tokens, expected);
  EXPECT_LT(chained.targetCalls, 120);
  chain.method = Method::Mtp;
  EXPECT_EQ(decode(models, chain, prompt(raw), rng).tokens, expected);
}

TEST(Decoding, MtpWithSpeculativeSamplingKeepsTheTargetsDistribution) {
  // The second emitted token of runs from one prompt: its distribution is
  // the target's two-step marginal (the oracle's head 0, itself checked
  // against enumeration above).
  const ArpaTokenModel raw(phones());
  const MarkovCache target(raw, 3);
  std::mt19937_64 rng(17);
  const EstimatedMtpHeads mtp(sampleText(target, 20000, 40, rng), raw.vocabularySize(), 3);
  const DecodeModels models{&target, nullptr, nullptr, &mtp};
  DecodeSettings s;
  s.method = Method::Mtp;
  s.tokens = 2;
  s.gamma = 3;
  s.rule.greedy = false;
  std::vector<double> counts(static_cast<std::size_t>(raw.vocabularySize()), 0.0);
  for (int i = 0; i < 40000; ++i) ++counts[static_cast<std::size_t>(decode(models, s, prompt(raw), rng).tokens[1])];
  const auto marginal = OracleMedusaHeads(target, 1).predict(prompt(raw))[0];
  EXPECT_GT(testing::chiSquareP(counts, marginal), 0.001);
}

// Typical acceptance recomputed here from the raw ARPA model: every kept
// node passes p > min(ε, α·e^(−H)) with p = softmax(log p / T), and the
// step keeps the longest path any retrieve row could (the rule walked down
// each row here); the root is the target's argmax.
TEST(Decoding, TypicalAcceptanceKeepsTheLongestPathItsRulePasses) {
  const ArpaTokenModel raw(phones());
  const MarkovCache target(raw, 3);
  const OracleMedusaHeads heads(target, 4);
  const MedusaBuffers tree = medusaBuffers(namedChoices(kChoices, "mc_sim_7b_63"));
  AcceptanceRule rule;
  rule.greedy = false;
  auto passes = [&](const std::vector<int>& path, int token) {
    const auto p = raw.next(path);
    std::vector<double> q(p.size());
    double sum = 0, entropy = 0;
    for (std::size_t v = 0; v < p.size(); ++v) sum += q[v] = std::pow(p[v], 1.0 / rule.temperature);
    for (double& v : q) v /= sum;
    for (double v : q) entropy -= v * std::log(v + 1e-5);
    return q[static_cast<std::size_t>(token)] > std::min(rule.threshold, rule.alpha * std::exp(-entropy));
  };
  std::vector<int> context = prompt(raw);
  std::vector<double> root = target.next(context), next;
  int accepted = 0;
  for (int step = 0; step < 30; ++step) {
    const StepTrace s = medusaStep(target, heads, tree, 10, rule, context, root, next);
    ASSERT_EQ(s.emitted.size(), s.acceptedNodes.size());
    EXPECT_EQ(s.emitted[0], argmax(raw.next(context)));
    for (std::size_t j = 1; j < s.acceptedNodes.size(); ++j) {
      std::vector<int> path(context);
      path.insert(path.end(), s.emitted.begin(), s.emitted.begin() + static_cast<std::ptrdiff_t>(j));
      EXPECT_TRUE(passes(path, s.emitted[j])) << "step " << step << " depth " << j;
    }
    int longest = 0;
    for (const auto& row : tree.retrieveIndices) {
      std::vector<int> path(context);
      path.push_back(s.nodeToken[0]);
      int length = 0;
      for (std::size_t j = 1; j < row.size() && row[j] >= 0; ++j) {
        const int token = s.nodeToken[static_cast<std::size_t>(row[j])];
        if (!passes(path, token)) break;
        path.push_back(token);
        ++length;
      }
      longest = std::max(longest, length);
    }
    EXPECT_EQ(s.accepted, longest) << "step " << step;
    accepted += s.accepted;
    context.insert(context.end(), s.emitted.begin(), s.emitted.end());
    root = next;
  }
  EXPECT_GT(accepted, 0);  // the rule does accept on this model
}

// Which head fills which depth: with oracle heads, a depth-d node holds the
// rank-r token of the target's (d + 1)-step marginal, enumerated here path
// by path from the ARPA model (depths 1 and 2).
TEST(Decoding, TreeNodesHoldEachHeadsRankedGuesses) {
  const ArpaTokenModel raw(phones());
  const MarkovCache target(raw, 3);
  const OracleMedusaHeads heads(target, 4);
  const MedusaBuffers tree = medusaBuffers(namedChoices(kChoices, "mc_sim_7b_63"));
  const std::vector<int> ctx = prompt(raw);
  const auto marginal = enumeratedMarginals(raw, ctx);
  const auto p0 = raw.next(ctx);
  std::vector<double> next;
  AcceptanceRule greedy;
  const StepTrace s = medusaStep(target, heads, tree, 10, greedy, ctx, p0, next);
  EXPECT_EQ(s.nodeToken[0], argmax(p0));
  int checked = 0;
  for (std::size_t i = 1; i < s.nodeToken.size(); ++i) {
    const auto& path = tree.sorted[i - 1];
    if (path.size() > 2) continue;
    const auto& m = marginal[path.size() - 1];
    // The token's rank in the enumerated marginal: how many are likelier.
    const double pt = m[static_cast<std::size_t>(s.nodeToken[i])];
    const auto likelier = std::count_if(m.begin(), m.end(), [&](double v) { return v > pt; });
    EXPECT_EQ(likelier, path.back()) << "node " << i;
    // Its parent is the node of its path less the last rank (the root at depth 1).
    const int parent = s.nodeParent[i];
    if (path.size() == 1)
      EXPECT_EQ(parent, 0) << "node " << i;
    else
      EXPECT_EQ(tree.sorted[static_cast<std::size_t>(parent) - 1], std::vector<int>(path.begin(), path.end() - 1));
    ++checked;
  }
  EXPECT_GT(checked, 20);
}

// The MTP chain as a draft: the k-th call after begin() is head k, fed the
// context's last token as anchor and the previous draft.
TEST(Decoding, MtpDraftFeedsEachHeadItsAnchorAndPreviousToken) {
  const std::vector<int> text{0, 1, 2, 0, 2, 1, 0, 1, 1, 2, 0, 0, 2, 2, 1};
  const EstimatedMtpHeads heads(text, 3, 3);
  MtpDraft draft(heads, 3);
  const std::vector<int> ctx{2, 1, 0};
  draft.begin(ctx);
  EXPECT_EQ(draft.next(ctx), heads.predict(0, 0, 0));
  EXPECT_EQ(draft.next({2, 1, 0, 2}), heads.predict(1, 0, 2));
  EXPECT_EQ(draft.next({2, 1, 0, 2, 1}), heads.predict(2, 0, 1));
  EXPECT_THROW(draft.next({2, 1, 0, 2, 1, 1}), std::logic_error);  // a fourth draft: no such head
}

// A target that counts its batched calls and the contexts in them.
class CountingModel : public TokenModel {
 public:
  explicit CountingModel(const TokenModel& m) : m_model(m) {}
  int vocabularySize() const override { return m_model.vocabularySize(); }
  std::vector<double> next(const std::vector<int>& context) const override { return m_model.next(context); }
  std::vector<std::vector<double>> nextBatch(const std::vector<std::vector<int>>& contexts) const override {
    ++batches;
    contextsSeen += static_cast<int>(contexts.size());
    return TokenModel::nextBatch(contexts);
  }
  mutable int batches = 0, contextsSeen = 0;

 private:
  const TokenModel& m_model;
};

// Verification is one target call per step: evaluateTree hands the whole
// tree (64 nodes of mc_sim_7b_63) to nextBatch once, and its distributions
// equal next() on each node's path built here.
TEST(Decoding, AMedusaStepVerifiesItsTreeInOneTargetCall) {
  const ArpaTokenModel raw(phones());
  const MarkovCache cached(raw, 3);
  const CountingModel target(cached);
  const OracleMedusaHeads heads(cached, 4);
  const MedusaBuffers tree = medusaBuffers(namedChoices(kChoices, "mc_sim_7b_63"));
  const std::vector<int> ctx = prompt(raw);
  std::vector<double> next;
  const StepTrace s = medusaStep(target, heads, tree, 10, AcceptanceRule{}, ctx, raw.next(ctx), next);
  EXPECT_EQ(target.batches, 1);
  EXPECT_EQ(target.contextsSeen, 64);
  const auto after = raw.evaluateTree(ctx, s.nodeToken, s.nodeParent);
  ASSERT_EQ(after.size(), 64u);
  for (std::size_t i = 0; i < after.size(); ++i) {
    std::vector<int> path;
    for (int n = static_cast<int>(i); n >= 0; n = s.nodeParent[static_cast<std::size_t>(n)])
      path.insert(path.begin(), s.nodeToken[static_cast<std::size_t>(n)]);
    std::vector<int> full = ctx;
    full.insert(full.end(), path.begin(), path.end());
    EXPECT_EQ(after[i], raw.next(full)) << "node " << i;
  }
  EXPECT_EQ(next, after[static_cast<std::size_t>(s.acceptedNodes.back())]);
  EXPECT_THROW(raw.evaluateTree(ctx, {1, 2}, {-1, 1}), std::invalid_argument);  // a node its own parent
}

// The estimated heads on a text small enough to count by hand.
TEST(Decoding, EstimatedHeadsEqualHandCounts) {
  const std::vector<int> text{0, 1, 2, 0, 1, 2, 0, 1};  // V = 3
  // Medusa head 0 on x_{t+2} after x_t = 0: pairs (0, 2) twice, nothing else.
  const auto medusa = EstimatedMedusaHeads(text, 3, 1, 0.1).predict({1, 0});
  EXPECT_NEAR(medusa[0][2], 2.1 / 2.3, 1e-15);
  EXPECT_NEAR(medusa[0][0], 0.1 / 2.3, 1e-15);
  EXPECT_NEAR(EstimatedMedusaHeads(text, 3, 1, 0.1).predict({})[0][1], 1.0 / 3.0, 1e-15);
  // MTP head 1 on x_{t+2} with anchor x_t = 0 and previous x_{t+1} = 1:
  // (0, 1) → 2 twice, one distinct follower, so weight 2/3 on the counts and
  // 1/3 on the smoothed bigram after 1 (1 → 2 twice: 2.1 / 2.3).
  const EstimatedMtpHeads mtp(text, 3, 2, 0.1);
  const auto p = mtp.predict(1, 0, 1);
  EXPECT_NEAR(p[2], 2.0 / 3.0 + (1.0 / 3.0) * (2.1 / 2.3), 1e-15);
  EXPECT_NEAR(p[0], (1.0 / 3.0) * (0.1 / 2.3), 1e-15);
  // An unseen (anchor, previous): the smoothed bigram alone (0 → 1 three times).
  EXPECT_NEAR(mtp.predict(1, 0, 0)[1], 3.1 / 3.3, 1e-15);
  // A seen one, (2, 0) → 1 twice: 2/3 + 1/3 · 3.1/3.3.
  EXPECT_NEAR(mtp.predict(1, 2, 0)[1], 2.0 / 3.0 + (1.0 / 3.0) * (3.1 / 3.3), 1e-15);
}

TEST(Decoding, MetricsCountAHandMadeRun) {
  DecodeRun run;
  auto step = [](int accepted, int drafted, int emitted) {
    StepTrace s;
    s.accepted = accepted, s.drafted = s.reachable = drafted, s.emitted.assign(static_cast<std::size_t>(emitted), 0);
    return s;
  };
  run.steps = {step(2, 3, 3), step(0, 3, 1), step(3, 3, 4), step(1, 3, 2)};
  run.tokens.assign(10, 0);
  run.targetCalls = 4, run.draftCalls = 12, run.seconds = 2.0;
  const DecodeMetrics m = metricsOf(run);
  EXPECT_DOUBLE_EQ(m.tokensPerStep, 2.5);
  EXPECT_DOUBLE_EQ(m.meanAccepted, 1.5);
  EXPECT_DOUBLE_EQ(m.targetCallsPerToken, 0.4);
  EXPECT_EQ(m.acceptedHistogram, (std::vector<long>{1, 1, 1, 1}));
  // depth 1: 3 of 4 kept; depth 2: of those 3, 2; depth 3: of those 2, 1
  ASSERT_EQ(m.acceptanceByDepth.size(), 3u);
  EXPECT_DOUBLE_EQ(m.acceptanceByDepth[0], 0.75);
  EXPECT_DOUBLE_EQ(m.acceptanceByDepth[1], 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(m.acceptanceByDepth[2], 0.5);
  EXPECT_DOUBLE_EQ(m.tokensPerSecond, 5.0);
  EXPECT_DOUBLE_EQ(m.speedup(0.1, run), 2.5 / 1.3);
}

// The tree editor's two edits, against trees written out by hand.
TEST(Decoding, TreeEditsAddAtTheFreeRankAndRemoveSubtrees) {
  const Choices tree{{0}, {1}, {0, 0}, {0, 2}, {0, 0, 0}};
  EXPECT_EQ(withChild(tree, {}), (Choices{{0}, {1}, {0, 0}, {0, 2}, {0, 0, 0}, {2}}));
  EXPECT_EQ(withChild(tree, {0}), (Choices{{0}, {1}, {0, 0}, {0, 2}, {0, 0, 0}, {0, 1}}));  // rank 1 is free
  EXPECT_EQ(withChild(tree, {1}), (Choices{{0}, {1}, {0, 0}, {0, 2}, {0, 0, 0}, {1, 0}}));
  EXPECT_EQ(withoutSubtree(tree, {0, 0}), (Choices{{0}, {1}, {0, 2}}));
  EXPECT_EQ(withoutSubtree(tree, {0}), (Choices{{1}}));
  EXPECT_THROW(withoutSubtree(tree, {}), std::invalid_argument);
  EXPECT_THROW(withChild(tree, {5}), std::invalid_argument);                 // no such node
  EXPECT_THROW(withChild(Choices{{0}, {1}}, {}, 2), std::invalid_argument);  // both ranks taken
  // Every edit keeps a tree medusaBuffers accepts.
  EXPECT_NO_THROW(medusaBuffers(withChild(withoutSubtree(tree, {0, 0}), {0, 2})));
  EXPECT_EQ(choicesFromSpec("chain:2", kChoices), (Choices{{0}, {0, 0}}));
  EXPECT_EQ(choicesFromSpec("[[0], [1]]", kChoices), (Choices{{0}, {1}}));
  EXPECT_EQ(choicesFromSpec("mc_sim_7b_63", kChoices).size(), 63u);
  EXPECT_THROW(choicesFromSpec("[[0, 0]]", kChoices), std::invalid_argument);  // its prefix [0] is missing
  EXPECT_THROW(choicesFromSpec("chain:0", kChoices), std::invalid_argument);
}

TEST(Decoding, ChoiceListsParseAndRefuseBadOnes) {
  EXPECT_EQ(parseChoices("[[0], [0, 1], [1]]", "t"), (Choices{{0}, {0, 1}, {1}}));
  EXPECT_EQ(parseChoices(choicesToJson(Choices{{0}, {0, 0}}), "t"), (Choices{{0}, {0, 0}}));
  EXPECT_EQ(chainChoices(3), (Choices{{0}, {0, 0}, {0, 0, 0}}));
  EXPECT_EQ(choiceNames(kChoices).size(), 9u);
  try {
    parseChoices("[[0], [\"a\"]]", "params.tree");
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("params.tree[1]"), std::string::npos) << e.what();
  }
  EXPECT_THROW(parseChoices("[[0]", "t"), std::invalid_argument);
  EXPECT_THROW(namedChoices(kChoices, "no_such_tree"), std::invalid_argument);
  // A 20,000-node tree (issue 19: its mask took 1.65 GB) is refused by size first.
  Choices wide;
  for (int a = 0; a < 10; ++a)
    for (int b = 0; b < 10; ++b)
      for (int c = 0; c < 10; ++c)
        for (int d = 0; d < 10; ++d) {
          wide.push_back({a, b, c, d});
          if (d < 1) wide.push_back({a, b, c});
        }
  EXPECT_GT(wide.size(), 2048u);
  try {
    medusaBuffers(wide);
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("nodes, more than the 2048 a tree may have"), std::string::npos) << e.what();
  }
  // A tree list nested 60,000 levels deep (issue 19) is a bounded error, not a stack overflow.
  try {
    parseChoices(std::string(60000, '[') + std::string(60000, ']'), "params.tree");
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()), "params.tree: is nested deeper than 64 levels");
  }
}

}  // namespace
}  // namespace loupe::specdec
