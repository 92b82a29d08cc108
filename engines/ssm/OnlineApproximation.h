// HiPPO's online function approximation: feed a signal f_1 … f_L and keep
// the state c_k — the coefficients of the signal's history in the measure's
// polynomial basis — then rebuild that history from c.
//
// LegS (scaled Legendre, the whole history [0, t]): dc/dt = (A c + B f)/t.
// Bilinear (the default) steps it in log-time τ = ln t, where it is
// time-invariant — first step exact (the steady state −A⁻¹B f₁), then
// substeps of Δτ·N ≤ 1 while k < N — which removes the early-step error of
// the plain (A/k, B/k) bilinear update (RMS 7e-3 → 1e-5 at N = 64, L = 2000).
// Other methods use legsStep(): (A/k, B/k) at Δ = 1. The history is
//   f(s) ≈ Σ_n c_n √(2n+1) P_n(2s/t − 1),  s ∈ [0, t].
// Other measures use a fixed step: c_k = Ā c_{k−1} + B̄ f_k with (A, B)
// discretised at Δ = dt.
#pragma once

#include <Eigen/Dense>
#include <vector>

#include "engines/ssm/Discretize.h"
#include "engines/ssm/Hippo.h"

namespace loupe::ssm {

// N × L: column k is the state after f_{k+1}.
Eigen::MatrixXd hippoStates(Measure measure, int n, const std::vector<double>& f, double dt = 1.0,
                            Discretization method = Discretization::Bilinear);

// LegS: the history [0, t] at `points` evenly spaced s_j = t·(j + ½)/points
// (cell centres), from the state c.
std::vector<double> reconstructLegs(const Eigen::VectorXd& c, int points);
// LegS's reconstruction at one x ∈ [−1, 1] of the history mapped onto
// [−1, 1]: Σ c_n √(2n+1) P_n(x).
double legsValue(const Eigen::VectorXd& c, double x);

// Legendre P_0 … P_{n−1} at x ∈ [−1, 1] (three-term recurrence).
std::vector<double> legendre(int n, double x);

}  // namespace loupe::ssm
