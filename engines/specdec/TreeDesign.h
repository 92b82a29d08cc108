// Designing a Medusa tree from measured head accuracy (Cai et al. 2024,
// §3.3.1). accuracy[k][r] is the rate at which head k's rank-r guess is the
// token the model then produces (measured on calibration text). A node —
// a path of ranks (r₀, r₁, …) from the root — is accepted with probability
// Π accuracy[i][rᵢ] (heads treated as independent), and the expected
// number of accepted drafts of a tree is the sum of its nodes' values.
// Since a child's value never exceeds its parent's, the n nodes of highest
// value form a tree; growing it greedily by the best node whose parent is
// in it finds exactly those, so the design is optimal for the model.
#pragma once

#include <map>
#include <vector>

#include "engines/specdec/MedusaTree.h"

namespace loupe::specdec {

struct DesignedTree {
  Choices choices;                 // in the order added (medusaBuffers sorts them)
  std::vector<double> nodeValues;  // each added node's expected acceptance
  double expectedAccepted = 0;     // Σ nodeValues: drafts accepted a step
};

// Throws std::invalid_argument for an empty table, ragged rows or values outside [0, 1].
DesignedTree designTree(const std::vector<std::vector<double>>& accuracy, int nodes);

// The expected accepted drafts of any tree under the same model.
double expectedAccepted(const Choices& choices, const std::vector<std::vector<double>>& accuracy);

// The same design without assuming the heads independent: each calibration
// position contributes the ranks at which heads 0, 1, … hold the tokens the
// model goes on to produce (its own greedy continuation — what greedy
// acceptance compares with), and a node's value is the fraction of
// positions whose ranks start with the node's path: the rate at which
// greedy acceptance keeps that node, joint over its heads. Heads are far
// from independent (when head 0 is right, head 1 more often is), so the
// product above underestimates deep nodes; this does not.
class PathCounts {
 public:
  PathCounts(int depth, int ranks) : m_depth(depth), m_ranks(ranks) {}
  // ranks[k]: the rank of head k's hit (−1 or ≥ ranks: none within the ranks).
  void add(const std::vector<int>& ranks);
  double value(const std::vector<int>& path) const;
  long positions() const { return m_positions; }
  int depth() const { return m_depth; }
  int ranks() const { return m_ranks; }

 private:
  int m_depth, m_ranks;
  long m_positions = 0;
  std::map<std::vector<int>, long> m_counts;  // positions per path prefix
};

DesignedTree designTree(const PathCounts& counts, int nodes);
double expectedAccepted(const Choices& choices, const PathCounts& counts);

// The mean drafts accepted a step when greedy Medusa decoding with `tree`
// walks calibration sequences (sequences[s][t]: the heads' hit ranks at
// position t, as PathCounts::add takes them): a step at t keeps the deepest
// node whose path the ranks start with, and the next step starts after the
// tokens it emitted. Unlike the sum of node rates (every position counted
// once), this sees which positions decoding visits: easy stretches are
// crossed in long steps, so fewer steps start inside them — the
// difference between the two is largest for small trees.
double walkedAccepted(const Choices& tree, const std::vector<std::vector<std::vector<int>>>& sequences);

}  // namespace loupe::specdec
