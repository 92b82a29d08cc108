// Tree design from measured accuracy: by hand on a small table, optimal
// against brute force over every prefix-closed tree, and its expected
// accepted length against a Monte Carlo simulation of the same heads.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>

#include "engines/specdec/TreeDesign.h"

namespace loupe::specdec {
namespace {

TEST(TreeDesign, ByHand) {
  // [0] 0.6, [1] 0.2, [0,0] 0.3, [0,1] 0.06, [1,0] 0.1, [1,1] 0.02.
  const DesignedTree t = designTree({{0.6, 0.2}, {0.5, 0.1}}, 3);
  EXPECT_EQ(t.choices, (Choices{{0}, {0, 0}, {1}}));
  EXPECT_NEAR(t.expectedAccepted, 1.1, 1e-12);
  EXPECT_NO_THROW(medusaBuffers(t.choices));
  EXPECT_NEAR(expectedAccepted({{1}, {1, 1}}, {{0.6, 0.2}, {0.5, 0.1}}), 0.22, 1e-12);
  EXPECT_THROW(designTree({}, 3), std::invalid_argument);
  EXPECT_THROW(designTree({{0.5, 1.5}}, 3), std::invalid_argument);
  EXPECT_THROW(designTree({{0.5, 0.1}, {0.5}}, 3), std::invalid_argument);
}

TEST(TreeDesign, GreedyEqualsTheBestTreeOfEverySize) {
  const std::vector<std::vector<double>> a{{0.55, 0.2, 0.1}, {0.45, 0.25, 0.05}};
  std::vector<std::vector<int>> all;
  for (int r = 0; r < 3; ++r) {
    all.push_back({r});
    for (int s = 0; s < 3; ++s) all.push_back({r, s});
  }
  for (int k = 1; k <= 8; ++k) {
    double best = 0;
    for (unsigned mask = 0; mask < (1u << all.size()); ++mask) {
      if (__builtin_popcount(mask) != k) continue;
      Choices c;
      std::set<std::vector<int>> in;
      for (std::size_t i = 0; i < all.size(); ++i)
        if (mask & (1u << i)) {
          c.push_back(all[i]);
          in.insert(all[i]);
        }
      bool closed = true;
      for (const auto& p : c)
        if (p.size() == 2 && !in.count({p[0]})) closed = false;
      if (closed) best = std::max(best, expectedAccepted(c, a));
    }
    EXPECT_NEAR(designTree(a, k).expectedAccepted, best, 1e-12) << k << " nodes";
  }
}

// Heads that are right independently, head k at rank r with probability
// a[k][r]: the accepted length (the deepest node whose whole path was
// right) averages what the design predicts.
TEST(TreeDesign, PredictedAcceptedLengthMatchesSimulation) {
  const std::vector<std::vector<double>> a{{0.5, 0.15, 0.1, 0.05}, {0.4, 0.15, 0.05, 0.05}, {0.3, 0.1, 0.05, 0.05}};
  const DesignedTree t = designTree(a, 12);
  std::set<std::vector<int>> tree(t.choices.begin(), t.choices.end());
  std::mt19937_64 rng(1);
  std::uniform_real_distribution<double> u(0, 1);
  double total = 0;
  const int trials = 200000;
  for (int i = 0; i < trials; ++i) {
    std::vector<int> path;
    int accepted = 0;
    for (const auto& head : a) {
      double x = u(rng), acc = 0;
      int right = -1;
      for (std::size_t r = 0; r < head.size(); ++r)
        if (x < (acc += head[r])) {
          right = static_cast<int>(r);
          break;
        }
      if (right < 0) break;
      path.push_back(right);
      if (!tree.count(path)) break;
      accepted = static_cast<int>(path.size());
    }
    total += accepted;
  }
  EXPECT_NEAR(total / trials, t.expectedAccepted, 0.01 * t.expectedAccepted);
}

}  // namespace
}  // namespace loupe::specdec

namespace loupe::specdec {
namespace {

// Correlated heads (head 1 mostly right when head 0 is): the joint design
// from counted paths is the best tree of every size by brute force, its
// value is the counted rate, and it beats the independent product's tree
// judged on the same counts.
TEST(TreeDesign, CountedPathsGiveTheBestTreeOfEverySize) {
  std::mt19937 rng(5);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  PathCounts counts(2, 3);
  std::vector<std::vector<double>> marginal(2, std::vector<double>(3, 0.0));
  const int positions = 20000;
  for (int i = 0; i < positions; ++i) {
    const double x = u(rng);
    const int r0 = x < 0.5 ? 0 : x < 0.65 ? 1 : x < 0.72 ? 2 : -1;
    // Head 1 is right at rank 0 far more often after head 0's rank 0.
    const double y = u(rng);
    const int r1 = r0 == 0 ? (y < 0.8 ? 0 : y < 0.9 ? 1 : -1) : (y < 0.2 ? 0 : y < 0.3 ? 2 : -1);
    counts.add({r0, r1});
    if (r0 >= 0) marginal[0][static_cast<std::size_t>(r0)] += 1.0 / positions;
    if (r1 >= 0) marginal[1][static_cast<std::size_t>(r1)] += 1.0 / positions;
  }
  EXPECT_EQ(counts.positions(), positions);
  std::vector<std::vector<int>> all;
  for (int r = 0; r < 3; ++r) {
    all.push_back({r});
    for (int s = 0; s < 3; ++s) all.push_back({r, s});
  }
  for (int k = 1; k <= 8; ++k) {
    double best = 0;
    for (unsigned mask = 0; mask < (1u << all.size()); ++mask) {
      if (__builtin_popcount(mask) != k) continue;
      Choices c;
      std::set<std::vector<int>> in;
      for (std::size_t i = 0; i < all.size(); ++i)
        if (mask & (1u << i)) c.push_back(all[i]), in.insert(all[i]);
      bool closed = true;
      for (const auto& p : c)
        if (p.size() == 2 && !in.count({p[0]})) closed = false;
      if (closed) best = std::max(best, expectedAccepted(c, counts));
    }
    const DesignedTree t = designTree(counts, k);
    EXPECT_NEAR(t.expectedAccepted, best, 1e-12) << k << " nodes";
    EXPECT_GE(t.expectedAccepted + 1e-12, expectedAccepted(designTree(marginal, k).choices, counts)) << k;
  }
  // A node's value is its path's counted rate: {0, 0} about 0.5 · 0.8.
  EXPECT_NEAR(counts.value({0, 0}), 0.4, 0.01);
  EXPECT_NEAR(counts.value({0}), 0.5, 0.01);
  EXPECT_THROW(counts.add({0}), std::invalid_argument);
}

}  // namespace
}  // namespace loupe::specdec

namespace loupe::specdec {
namespace {

// Walking by hand: tree {0}, {0, 0}, {1}; the sequence's ranks per position.
TEST(TreeDesign, WalkedAcceptedFollowsTheStepsDecodingTakes) {
  const Choices tree{{0}, {0, 0}, {1}};
  // t=0: [0,0] → 2 kept, next t=3; t=3: [1,0] → 1 kept ([1,0] not a node), next t=5; t=5: [2,0] → 0, next t=6: end.
  const std::vector<std::vector<int>> ranks{{0, 0}, {0, 0}, {0, 0}, {1, 0}, {0, 0}, {2, 0}};
  EXPECT_DOUBLE_EQ(walkedAccepted(tree, {ranks}), 3.0 / 3.0);
  // Every position counted once instead (PathCounts): {0}: 4/6, {0,0}: 4/6, {1}: 1/6.
  PathCounts counts(2, 3);
  for (const auto& r : ranks) counts.add(r);
  EXPECT_DOUBLE_EQ(expectedAccepted(tree, counts), 9.0 / 6.0);
  // Misses everywhere: every position a step, nothing kept.
  EXPECT_DOUBLE_EQ(walkedAccepted(tree, {{{-1, 0}, {2, 2}}}), 0.0);
}

}  // namespace
}  // namespace loupe::specdec
