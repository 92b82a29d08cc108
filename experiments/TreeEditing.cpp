#include "experiments/TreeEditing.h"

#include "engines/specdec/MedusaTree.h"
#include "experiments/kinds/SpecdecKinds.h"

namespace loupe {

TreePaths treeFromSpec(const std::string& spec) {
  return specdec::choicesFromSpec(spec, medusaChoicesFile());
}

TreeLayout treeLayout(const TreePaths& tree) {
  specdec::MedusaBuffers b = specdec::medusaBuffers(tree);
  return {std::move(b.sorted), std::move(b.parents)};
}

TreePaths treeWithChild(const TreePaths& tree, const std::vector<int>& parent) {
  return specdec::withChild(tree, parent);
}

TreePaths treeWithoutSubtree(const TreePaths& tree, const std::vector<int>& path) {
  return specdec::withoutSubtree(tree, path);
}

std::string treeToJson(const TreePaths& tree) {
  return specdec::choicesToJson(tree);
}

}  // namespace loupe
