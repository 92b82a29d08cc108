// Discretising x'(t) = A x(t) + B u(t) with step Δ (the forms the HiPPO and S4 papers use):
//   forward Euler:  Ā = I + ΔA,              B̄ = ΔB
//   backward Euler: Ā = (I − ΔA)⁻¹,          B̄ = (I − ΔA)⁻¹ΔB
//   bilinear:       Ā = (I − ΔA/2)⁻¹(I + ΔA/2), B̄ = (I − ΔA/2)⁻¹ΔB
//   zero-order hold: Ā = e^(ΔA), B̄ = A⁻¹(e^(ΔA) − I)B, computed without
//                   inverting A as the top-right block of
//                   exp(Δ·[[A, B], [0, 0]]) (Van Loan), so singular A works.
// The matrix exponential is Eigen's (unsupported/MatrixFunctions: Padé with
// scaling and squaring); tests check it against scipy.linalg.expm.
//
// LegS is time-varying: at step k ≥ 1 the system is (A/k, B/k) with Δ = 1
// (HiPPO-LegS's discrete update, bilinear as in the S4 code); legsStep()
// gives that step's Ā_k, B̄_k.
#pragma once

#include <Eigen/Dense>
#include <string>

namespace loupe::ssm {

enum class Discretization { ForwardEuler, BackwardEuler, Bilinear, Zoh };

// "forward_euler", "backward_euler", "bilinear", "zoh"; throws on others.
Discretization discretizationFromName(const std::string& name);

struct DiscreteSystem {
  Eigen::MatrixXd A;  // Ā
  Eigen::VectorXd B;  // B̄
};

DiscreteSystem discretize(const Eigen::MatrixXd& A, const Eigen::VectorXd& B, double dt, Discretization method);

Eigen::MatrixXd matrixExponential(const Eigen::MatrixXd& m);

// HiPPO-LegS at step k (1-based): (A/k, B/k) discretised with Δ = 1.
DiscreteSystem legsStep(const Eigen::MatrixXd& A, const Eigen::VectorXd& B, int k,
                        Discretization method = Discretization::Bilinear);

}  // namespace loupe::ssm
