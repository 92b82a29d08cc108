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

}  // namespace loupe::specdec
