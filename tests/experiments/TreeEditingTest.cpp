// The tree editing the speculative-decoding panel does, through experiments/
// alone: load a spec, lay it out, add and remove nodes, write it back.
#include <gtest/gtest.h>

#include <stdexcept>

#include "experiments/TreeEditing.h"

namespace loupe {
namespace {

TEST(TreeEditing, LoadsEverySpecTheKindsRead) {
  EXPECT_EQ(treeFromSpec("chain:3"), (TreePaths{{0}, {0, 0}, {0, 0, 0}}));
  EXPECT_EQ(treeFromSpec("[[1], [0], [0, 2]]"), (TreePaths{{1}, {0}, {0, 2}}));
  EXPECT_EQ(treeFromSpec("mc_sim_7b_63").size(), 63u);  // a published tree, by name
  EXPECT_THROW(treeFromSpec("no_such_tree"), std::invalid_argument);
  EXPECT_THROW(treeFromSpec("[[0, 1]]"), std::invalid_argument);  // [0] is missing
}

TEST(TreeEditing, LayoutNumbersNodesAsTheBuffersDo) {
  const TreeLayout l = treeLayout({{1}, {0}, {0, 2}});
  EXPECT_EQ(l.sorted, (TreePaths{{0}, {1}, {0, 2}}));  // by length, then lexicographically
  EXPECT_EQ(l.parents, (std::vector<int>{-1, 0, 0, 1}));
  EXPECT_THROW(treeLayout({{0}, {0}}), std::invalid_argument);
}

TEST(TreeEditing, AddRemoveAndWriteBack) {
  TreePaths t = treeFromSpec("chain:2");
  t = treeWithChild(t, {});  // the root's next free rank
  EXPECT_EQ(t, (TreePaths{{0}, {0, 0}, {1}}));
  t = treeWithChild(t, {0});
  EXPECT_EQ(t.back(), (std::vector<int>{0, 1}));
  EXPECT_THROW(treeWithChild(t, {5}), std::invalid_argument);  // not in the tree
  t = treeWithoutSubtree(t, {0});
  EXPECT_EQ(t, (TreePaths{{1}}));
  EXPECT_THROW(treeWithoutSubtree(t, {}), std::invalid_argument);  // the root stays
  const TreePaths full = treeFromSpec("[[0], [1], [2], [3], [4], [5], [6], [7], [8], [9]]");
  EXPECT_THROW(treeWithChild(full, {}), std::invalid_argument);  // all 10 ranks taken
  EXPECT_EQ(treeFromSpec(treeToJson(treeFromSpec("mc_sim_7b_63"))), treeFromSpec("mc_sim_7b_63"));
}

}  // namespace
}  // namespace loupe
