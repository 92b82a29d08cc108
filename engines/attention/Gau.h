// Gated attention unit and mixed chunk attention (Hua et al. 2022,
// "Transformer Quality in Linear Time", FLASH), from the shared base Z
// (n × s) and the value/gate streams U, V (n × e):
//   Q = Z ⊙ γ_q + β_q,  K = Z ⊙ γ_k + β_k            (per-dimension scale and offset)
//   quadratic:  A = relu²(Q·Kᵀ / n),  O = U ⊙ (A·V)
//   mixed chunk (chunks of C rows):
//     inside a chunk:   relu²(Q_c·K_cᵀ / C)·V_c       (causal: lower triangle)
//     linear:           Q_lin·(Σ_h K_lin,hᵀ·V_h) / n  (all chunks h; causal: h before g)
//     O = U ⊙ (both), with Q_lin, K_lin their own scale/offset of Z.
// The projections from the model input (and W_o) are ordinary linear layers
// and stay outside; this is the attention part the paper changes.
// One head; row-major buffers.
#pragma once

#include <vector>

namespace loupe::attention {

struct GauInputs {
  int n = 0, s = 0, e = 0;
  std::vector<float> z, u, v;                                   // n × s, n × e, n × e
  std::vector<float> gammaQ, betaQ, gammaK, betaK;              // s each (quadratic part)
  std::vector<float> gammaQLin, betaQLin, gammaKLin, betaKLin;  // s each (linear part)
};

std::vector<float> gauQuadratic(const GauInputs& in, bool causal);

// The fast chunked form: O(n·C·s + n·s·e).
std::vector<float> gauMixedChunk(const GauInputs& in, int chunk, bool causal);

// The same mixed-chunk model with its n × n attention matrix written out,
// in float64: the reference the chunked form is tested against.
std::vector<double> gauMixedChunkReference(const GauInputs& in, int chunk, bool causal);

}  // namespace loupe::attention
