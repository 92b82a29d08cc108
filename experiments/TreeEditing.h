// Medusa candidate trees as the speculative-decoding panel edits them (load a
// tree spec, lay it out, add a child, remove a subtree, write it back), so
// that the panel needs no specdec engine: the engine's MedusaTree.h does the
// work behind these calls.
#pragma once

#include <string>
#include <vector>

namespace loupe {

// A tree as a list of paths, each a sequence of ranks: [0, 1] is "head 0's
// top guess, then head 1's second" (the engine's specdec::Choices).
using TreePaths = std::vector<std::vector<int>>;

// The tree a spec names, as the specdec kinds read their `tree` parameter:
// "chain:N", a JSON choice list, or the name of a published tree in
// medusa_choices.json (the file the kinds use). Throws std::invalid_argument
// saying what is wrong.
TreePaths treeFromSpec(const std::string& spec);

// The nodes as the kinds' buffers number them: node 0 is the root (the base
// model's token), node i ≥ 1 is the path sorted[i − 1] (paths sorted by
// length, then lexicographically); parents[i] is node i's parent, −1 for
// the root. Throws std::invalid_argument for a path that is empty, has a
// rank outside [0, 10), repeats another, or lacks its prefix.
struct TreeLayout {
  TreePaths sorted;          // N paths
  std::vector<int> parents;  // N + 1 nodes
};
TreeLayout treeLayout(const TreePaths& tree);

// A new child of `parent` (the root: {}) at the smallest rank its siblings
// leave free. Throws std::invalid_argument for a parent not in the tree or
// one whose 10 ranks are all taken.
TreePaths treeWithChild(const TreePaths& tree, const std::vector<int>& parent);

// The tree less `path` and everything below it. Throws
// std::invalid_argument for the root ({}).
TreePaths treeWithoutSubtree(const TreePaths& tree, const std::vector<int>& path);

// The tree as a JSON choice list ("[[0], [0, 0], [1]]"), which
// treeFromSpec() reads back.
std::string treeToJson(const TreePaths& tree);

}  // namespace loupe
