// Speculative sampling on the phone trigram (target) with its bigram view as
// the draft: the emitted tokens' distribution is the target's (chi-square
// over 10⁵ samples, scipy's p-value, fixed seed), greedy speculative decoding
// equals greedy target decoding token for token, and the tokens per target
// call agree with (1 − α^(γ+1))/(1 − α) for the measured acceptance rate α.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "engines/specdec/SpeculativeSampling.h"
#include "tests/engines/specdec/PhoneModel.h"
#include "tests/support/TestHelpers.h"

namespace loupe::specdec {
namespace {

TEST(SpeculativeSampling, EmittedTokensAreDistributedAsTheTarget) {
  const ArpaTokenModel target(phones()), draft(phones(), 2);
  const std::vector<int> context{target.id("HH"), target.id("AH")};
  const int V = target.vocabularySize();
  std::mt19937_64 rng(42);
  std::vector<double> first(static_cast<std::size_t>(V), 0.0), second(first);
  const int samples = 100000;
  for (int s = 0; s < samples; ++s) {
    std::vector<int> emitted;
    std::vector<int> ctx = context;
    while (emitted.size() < 2) {
      const SpeculativeStep step = speculativeStep(target, draft, ctx, 3, rng);
      for (int t : step.tokens) emitted.push_back(t), ctx.push_back(t);
    }
    ++first[static_cast<std::size_t>(emitted[0])];
    ++second[static_cast<std::size_t>(emitted[1])];
  }
  // Exact marginals: p(t1 | c) and Σ_t1 p(t1 | c)·p(t2 | c t1).
  const std::vector<double> p1 = target.next(context);
  std::vector<double> p2(static_cast<std::size_t>(V), 0.0);
  for (int t1 = 0; t1 < V; ++t1) {
    std::vector<int> c = context;
    c.push_back(t1);
    const std::vector<double> q = target.next(c);
    for (int t2 = 0; t2 < V; ++t2)
      p2[static_cast<std::size_t>(t2)] += p1[static_cast<std::size_t>(t1)] * q[static_cast<std::size_t>(t2)];
  }
  EXPECT_GT(testing::chiSquareP(first, p1), 0.001);
  EXPECT_GT(testing::chiSquareP(second, p2), 0.001);
  // The test can fail: the draft's own distribution is rejected.
  EXPECT_LT(testing::chiSquareP(first, draft.next(context)), 0.001);
}

TEST(SpeculativeSampling, GreedyEqualsGreedyTargetDecoding) {
  const ArpaTokenModel target(phones()), draft(phones(), 2);
  for (const char* start : {"HH", "S", "ZH", "AA"}) {
    const std::vector<int> context{target.id(start)};
    int calls = 0;
    const auto fast = speculativeGreedy(target, draft, context, 60, 4, &calls);
    EXPECT_EQ(fast, greedyDecode(target, context, 60)) << start;
    EXPECT_LT(calls, 60) << start;  // some drafts were kept
  }
}

// Chain drafting: with α the measured fraction of tried drafts kept, the tokens
// emitted per target call should be (1 − α^(γ+1))/(1 − α) (independent
// acceptances); within 5 %.
TEST(SpeculativeSampling, TokensPerCallFollowTheAcceptanceRate) {
  const ArpaTokenModel target(phones()), draft(phones(), 2);
  std::mt19937_64 rng(7);
  for (int gamma : {2, 4}) {
    std::vector<int> ctx{target.id("S")};
    std::int64_t drafts = 0, kept = 0, emitted = 0, calls = 0;
    for (int s = 0; s < 20000; ++s) {
      const SpeculativeStep step = speculativeStep(target, draft, ctx, gamma, rng);
      // A draft is tried only while those before it were kept: the tries are
      // the kept ones plus the one rejection, if any.
      drafts += step.accepted + (step.accepted < gamma ? 1 : 0);
      kept += step.accepted, emitted += static_cast<std::int64_t>(step.tokens.size()), ++calls;
      for (int t : step.tokens) ctx.push_back(t);
      if (ctx.size() > 64) ctx.erase(ctx.begin(), ctx.end() - 2);  // the trigram sees two words
    }
    const double alpha = static_cast<double>(kept) / static_cast<double>(drafts);
    const double predicted = (1 - std::pow(alpha, gamma + 1)) / (1 - alpha);
    const double measured = static_cast<double>(emitted) / static_cast<double>(calls);
    EXPECT_NEAR(measured, predicted, 0.05 * predicted) << "gamma " << gamma << " alpha " << alpha;
    std::printf("gamma %d: alpha %.3f, tokens per call %.3f, formula %.3f\n", gamma, alpha, measured, predicted);
  }
}

}  // namespace
}  // namespace loupe::specdec
