// HiPPO transition matrices (Gu et al. 2020) in the convention of the S4
// code (state-spaces/s4, src/models/hippo/hippo.py::transition): the
// continuous system x'(t) = A x(t) + B u(t), A N × N, B N × 1.
//   LegS: A_nk = −√(2n+1)√(2k+1) (n > k), −(n+1) (n = k), 0 (n < k);
//         B_n = √(2n+1); used with the 1/t scaling (A/t, B/t).
//   LegT: S4's halved form, A_nk = −½√(2n+1)√(2k+1)·(1 if n ≥ k else (−1)^(n−k)),
//         B_n = ½√(2n+1).
//   LMU:  the paper's LegT (Voelker's LMU), A_nk = (2n+1)·(−1 if n < k else
//         (−1)^(n−k+1)), B_n = (2n+1)(−1)^n.
//   LagT: A = ½I − lower-triangular ones (diagonal included), B = 1.
// rankCorrection(): the low-rank P with A + P Pᵀ normal (S4's NPLR form):
// LegS rank 1, P_n = √(n + ½); LegT rank 2.
#pragma once

#include <Eigen/Dense>
#include <string>

namespace loupe::ssm {

enum class Measure { LegS, LegT, LMU, LagT };

// "legs", "legt", "lmu", "lagt" (the S4 code's names); throws on others.
Measure measureFromName(const std::string& name);
std::string measureName(Measure m);

struct Hippo {
  Eigen::MatrixXd A;
  Eigen::VectorXd B;
};

Hippo hippo(Measure measure, int n);

// N × rank.
Eigen::MatrixXd rankCorrection(Measure measure, int n);

}  // namespace loupe::ssm
