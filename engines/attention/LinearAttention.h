// Linear attention (Katharopoulos et al. 2020): drop the softmax, use a
// positive feature map φ, and associativity:
//   O_i = φ(q_i)ᵀ·(Σ_j φ(k_j) v_jᵀ) / (φ(q_i)ᵀ·Σ_j φ(k_j))       — O(N·d·dv)
// Causal: S_i = S_{i−1} + φ(k_i) v_iᵀ, z_i = z_{i−1} + φ(k_i) (prefix sums),
// computed chunk by chunk: quadratic inside a chunk, the running S and z
// across chunks (the fast form; chunk = 1 is the plain recurrence).
// φ = elu(x) + 1 (the paper's) or ReLU. Rows whose normaliser is 0 (ReLU
// can give that) output 0. Accumulation in float64 for the state (the fp16
// normaliser φ(q)ᵀz grows with the sequence and can overflow in fp16; not in f32/f64 here).
#pragma once

#include <vector>

#include "engines/attention/Attention.h"

namespace loupe::attention {

enum class FeatureMap { EluPlusOne, Relu };

double featureMap(FeatureMap map, double x);

// Same layout as Attention.h; n must equal m when causal.
std::vector<float> linearAttention(const float* q, const float* k, const float* v, const AttentionShape& shape,
                                   FeatureMap map, bool causal, int chunk = 64);

}  // namespace loupe::attention
