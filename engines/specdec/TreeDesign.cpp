#include "engines/specdec/TreeDesign.h"

#include <set>
#include <stdexcept>
#include <string>

namespace loupe::specdec {

namespace {

void check(const std::vector<std::vector<double>>& a) {
  if (a.empty() || a[0].empty()) throw std::invalid_argument("designTree: no accuracy measured");
  for (const auto& row : a) {
    if (row.size() != a[0].size()) throw std::invalid_argument("designTree: every head needs the same ranks");
    for (double x : row)
      if (!(x >= 0 && x <= 1)) throw std::invalid_argument("designTree: an accuracy outside [0, 1]");
  }
}

double valueOf(const std::vector<int>& path, const std::vector<std::vector<double>>& a) {
  double v = 1;
  for (std::size_t i = 0; i < path.size(); ++i) v *= a[i][static_cast<std::size_t>(path[i])];
  return v;
}

// Greedy growth by the best node whose parent is in the tree, for any
// value that never grows from a node to its child.
template <typename Value>
DesignedTree grow(int depth, int ranks, int nodes, Value value) {
  DesignedTree t;
  // Candidates: every child (any rank) of the root or of a node in the tree.
  std::set<std::vector<int>> frontier;
  for (int r = 0; r < ranks; ++r) frontier.insert({r});
  while (static_cast<int>(t.choices.size()) < nodes && !frontier.empty()) {
    auto best = frontier.begin();
    double bestValue = -1;
    for (auto it = frontier.begin(); it != frontier.end(); ++it) {
      const double v = value(*it);
      if (v > bestValue) {  // ties: the first in (length, lexicographic) order, as std::set keeps them
        bestValue = v;
        best = it;
      }
    }
    const std::vector<int> node = *best;
    frontier.erase(best);
    t.choices.push_back(node);
    t.nodeValues.push_back(bestValue);
    t.expectedAccepted += bestValue;
    if (static_cast<int>(node.size()) < depth)
      for (int r = 0; r < ranks; ++r) {
        std::vector<int> child = node;
        child.push_back(r);
        frontier.insert(child);
      }
  }
  return t;
}

}  // namespace

DesignedTree designTree(const std::vector<std::vector<double>>& accuracy, int nodes) {
  check(accuracy);
  return grow(static_cast<int>(accuracy.size()), static_cast<int>(accuracy[0].size()), nodes,
              [&](const std::vector<int>& path) { return valueOf(path, accuracy); });
}

void PathCounts::add(const std::vector<int>& ranks) {
  if (static_cast<int>(ranks.size()) != m_depth)
    throw std::invalid_argument("PathCounts: a position with " + std::to_string(ranks.size()) + " heads' ranks, not " +
                                std::to_string(m_depth));
  ++m_positions;
  std::vector<int> prefix;
  for (int r : ranks) {
    if (r < 0 || r >= m_ranks) break;  // beyond the ranks a tree may use: no deeper node can hold it
    prefix.push_back(r);
    ++m_counts[prefix];
  }
}

double PathCounts::value(const std::vector<int>& path) const {
  if (m_positions == 0) return 0.0;
  const auto it = m_counts.find(path);
  return it == m_counts.end() ? 0.0 : static_cast<double>(it->second) / static_cast<double>(m_positions);
}

DesignedTree designTree(const PathCounts& counts, int nodes) {
  if (counts.positions() == 0) throw std::invalid_argument("designTree: no calibration positions");
  return grow(counts.depth(), counts.ranks(), nodes, [&](const std::vector<int>& path) { return counts.value(path); });
}

double expectedAccepted(const Choices& choices, const PathCounts& counts) {
  double sum = 0;
  for (const auto& path : choices) sum += counts.value(path);
  return sum;
}

double expectedAccepted(const Choices& choices, const std::vector<std::vector<double>>& accuracy) {
  check(accuracy);
  double sum = 0;
  for (const auto& path : choices) {
    if (path.size() > accuracy.size())
      throw std::invalid_argument("expectedAccepted: a path deeper than the heads measured");
    for (int r : path)
      if (r < 0 || r >= static_cast<int>(accuracy[0].size()))
        throw std::invalid_argument("expectedAccepted: a rank beyond those measured");
    sum += valueOf(path, accuracy);
  }
  return sum;
}

double walkedAccepted(const Choices& tree, const std::vector<std::vector<std::vector<int>>>& sequences) {
  const std::set<std::vector<int>> nodes(tree.begin(), tree.end());
  long steps = 0, accepted = 0;
  for (const auto& ranks : sequences)
    for (std::size_t t = 0; t < ranks.size();) {
      // The drafts kept: how far the ranks stay on the tree's paths.
      std::size_t kept = 0;
      std::vector<int> path;
      for (int r : ranks[t]) {
        path.push_back(r);
        if (!nodes.count(path)) break;
        ++kept;
      }
      ++steps;
      accepted += static_cast<long>(kept);
      t += kept + 1;
    }
  return steps ? static_cast<double>(accepted) / static_cast<double>(steps) : 0.0;
}

}  // namespace loupe::specdec
