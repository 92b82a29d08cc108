// The part every head's reference gradient shares (plain loops in double):
// one row's vocabulary projection ℓ = P·z, its softmax cross-entropy
// against y, and the gradient back through P:
//   ∂L/∂ℓ = (softmax(ℓ) − onehot(y)) / rows,  ∂L/∂z = Pᵀ·∂L/∂ℓ,
//   ∂L/∂P += ∂L/∂ℓ · zᵀ (when the projection is trained).
#pragma once

#include <vector>

namespace loupe::specdec {

struct RowLoss {
  double loss = 0;  // −log softmax(ℓ)[y]
  bool top1 = false;
};

// P is V × H (row-major f32); z and dz have H entries (dz is overwritten);
// dP, when given, has V × H and is added to.
RowLoss projectionLossReference(const std::vector<float>& P, int V, int H, const std::vector<double>& z, int y,
                                int rows, std::vector<double>& dz, std::vector<double>* dP);

}  // namespace loupe::specdec
