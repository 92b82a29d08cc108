// Medusa's candidate tree (Cai et al. 2024): the buffers one target call
// needs to verify a tree of guesses. A tree is a list of paths ("choices"),
// each a sequence of ranks: [0, 1] is "head 0's top guess, then head 1's
// second". With the paths sorted by (length, lexicographic order) and node 0
// the root (the base model's own token):
// - attention mask: node i sees itself, the root and its ancestors;
// - tree index of node i: where its token sits in [base token, top-k of
//   head 0, top-k of head 1, …]: last rank + k·(depth − 1) + 1;
// - position id: the node's depth;
// - retrieve indices: one row per path that is no other's prefix, the node
//   indices from the root down, padded with −1 to the deepest length + 1.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace loupe::specdec {

using Choices = std::vector<std::vector<int>>;

struct MedusaBuffers {
  Choices sorted;                               // the paths as the buffers index them
  std::vector<std::vector<int>> attentionMask;  // (N + 1) × (N + 1), 0/1
  std::vector<int> treeIndices, positionIds;    // N + 1
  std::vector<int> parents;                     // N + 1: node i's parent, −1 for the root
  std::vector<std::vector<int>> retrieveIndices;
};

// Throws std::invalid_argument naming the path for an empty path, a rank
// outside [0, topk), a duplicate, or a path whose prefix is missing.
// The most nodes a tree may have (Medusa's published trees have at most 64;
// the mask of the largest allowed is 4 M entries).
inline constexpr int kMaxTreeNodes = 2048;
MedusaBuffers medusaBuffers(const Choices& choices, int topk = 10);

// Choice lists as JSON text ("[[0], [0, 0], [1]]"): parse (errors name
// `where` and the fault) and write.
Choices parseChoices(const std::string& json, const std::string& where);
std::string choicesToJson(const Choices& choices);
// The published trees of a file shaped like medusa_choices.json
// ({"choices": {name: list}}): their names, and one by name.
std::vector<std::string> choiceNames(const std::filesystem::path& file);
Choices namedChoices(const std::filesystem::path& file, const std::string& name);
// A chain of `depth` top-1 guesses: [[0], [0, 0], …].
Choices chainChoices(int depth);
// A tree as the kinds and the panel name it: "chain:N", a JSON choice list,
// or a published tree's name in `publishedFile`; checked by medusaBuffers.
// Throws std::invalid_argument with the fault.
Choices choicesFromSpec(const std::string& spec, const std::filesystem::path& publishedFile);

// Editing a tree (the panel's tree editor): a new child of `parent` (the
// root: {}) at the smallest rank its siblings leave free; and the tree less
// `path` and everything below it. Throw std::invalid_argument for a parent
// not in the tree, a parent whose `topk` ranks are all taken, or the root.
Choices withChild(const Choices& choices, const std::vector<int>& parent, int topk = 10);
Choices withoutSubtree(const Choices& choices, const std::vector<int>& path);

}  // namespace loupe::specdec
