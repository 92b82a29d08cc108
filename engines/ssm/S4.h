// Linear state-space layers two ways (S4, Gu et al. 2022; S4D, Gu et al.
// 2022b): as a recurrence x_k = Ā x_{k−1} + B̄ u_k, y_k = C x_k, and as one
// long causal convolution y = K ∗ u with K = (CB̄, CĀB̄, CĀ²B̄, …). The two
// must agree — the test that lets S4 train as a convolution and run as an RNN.
//
// Dense real systems (any discretised HiPPO matrix) and diagonal complex
// ones (S4D: N/2 modes λ_n with their conjugates implied, y = 2·Re Σ …,
// discretised by ZOH: Ā = e^(Δλ), B̄ = (e^(Δλ) − 1)/λ · B). Initialisations
// S4D-Lin λ_n = −½ + iπn and S4D-Inv λ_n = −½ + i·N/π·(N/(2n+1) − 1).
#pragma once

#include <complex>
#include <cstdint>
#include <string>
#include <vector>

#include "engines/ssm/Discretize.h"

namespace loupe::ssm {

std::vector<double> ssmRecurrence(const DiscreteSystem& sys, const Eigen::VectorXd& C, const std::vector<double>& u);
std::vector<double> ssmKernel(const DiscreteSystem& sys, const Eigen::VectorXd& C, int length);

// y_k = Σ_{j ≤ k} K_j u_{k−j} (direct; O(L²)).
std::vector<double> causalConvolution(const std::vector<double>& kernel, const std::vector<double>& u);

enum class S4DInit { Lin, Inv };
S4DInit s4dInitFromName(const std::string& name);  // "lin", "inv"

struct S4D {
  std::vector<std::complex<double>> lambda, B, C;  // N/2 modes
};

// `state` is N (even); B = 1, C seeded standard complex normal (variance ½ per part).
S4D s4dInit(int state, S4DInit init, std::uint64_t seed);

std::vector<double> s4dKernel(const S4D& s, double dt, int length);
std::vector<double> s4dRecurrence(const S4D& s, double dt, const std::vector<double>& u);

// The discretised Ā's eigenvalues of a dense system (complex plane: |z| < 1 is stable);
// a triangular matrix's are its diagonal, taken exactly.
std::vector<std::complex<double>> eigenvalues(const Eigen::MatrixXd& m);

}  // namespace loupe::ssm
