// The Linear Recurrent Unit (Orvieto et al. 2023, "Resurrecting Recurrent
// Neural Networks for Long Sequences"): a diagonal complex linear RNN
//   x_k = Λ x_{k−1} + γ ⊙ (B u_k),   y_k = Re(C x_k) + D ⊙ u_k,
// with the stable exponential parametrisation λ_j = exp(−exp(ν_j) + i·exp(θ_j))
// (|λ_j| = exp(−exp(ν_j)) < 1 for any real ν_j) and the normalisation
// γ_j = √(1 − |λ_j|²), which keeps a white-noise input's variance in the state.
//
// Initialisation (the paper's): |λ| uniform on the ring r_min ≤ |λ| ≤ r_max
// by area (|λ|² uniform), phase uniform on [0, max_phase]:
//   ν = log(−½·log(u₁(r_max² − r_min²) + r_min²)),  θ = log(max_phase·u₂);
// B's real and imaginary parts N(0, 1)/√(2H), C's N(0, 1)/√N, D N(0, 1).
//
// Two paths: the sequential recurrence, and the chunked associative scan
// (chunks from zero state in parallel, chunk starts carried across with
// Λ^len, chunks rescanned from their true starts) — equal to rounding.
#pragma once

#include <complex>
#include <cstdint>
#include <vector>

namespace loupe::ssm {

struct Lru {
  int state = 0;                                  // N, complex modes
  int width = 0;                                  // H, input and output channels
  std::vector<double> nuLog, thetaLog, gammaLog;  // N each
  std::vector<std::complex<double>> B;            // N × H, row-major
  std::vector<std::complex<double>> C;            // H × N, row-major
  std::vector<double> D;                          // H

  std::complex<double> lambda(int j) const;  // exp(−exp(ν_j) + i·exp(θ_j))
  double gamma(int j) const;                 // exp(γ_log_j)
};

struct LruInit {
  double rMin = 0.9, rMax = 0.999;
  double maxPhase = 6.283185307179586;
};

// Throws std::invalid_argument for sizes < 1 or a ring outside 0 ≤ r_min < r_max < 1.
Lru lruInit(int state, int width, const LruInit& init, std::uint64_t seed);

struct LruResult {
  std::vector<double> y;                        // L × H
  std::vector<std::complex<double>> lastState;  // N
};

// u: L × H (row-major, step by step).
LruResult lruScan(const Lru& lru, const std::vector<double>& u);
LruResult lruScanParallel(const Lru& lru, const std::vector<double>& u, int chunk);

// H = 1: the impulse response K_k = Re(Σ_j C_j γ_j λ_j^k B_j) (+ D at k = 0),
// so y = K ∗ u.
std::vector<double> lruKernel(const Lru& lru, int length);

}  // namespace loupe::ssm
