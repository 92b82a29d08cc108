#include "engines/ssm/OnlineApproximation.h"

#include <algorithm>
#include <cmath>

#include "engines/core/Cancellation.h"

namespace loupe::ssm {

std::vector<double> legendre(int n, double x) {
  std::vector<double> p(static_cast<std::size_t>(n));
  if (n > 0) p[0] = 1;
  if (n > 1) p[1] = x;
  for (int k = 2; k < n; ++k) p[k] = ((2.0 * k - 1) * x * p[k - 1] - (k - 1.0) * p[k - 2]) / k;
  return p;
}

Eigen::MatrixXd hippoStates(Measure measure, int n, const std::vector<double>& f, double dt, Discretization method) {
  const Hippo h = hippo(measure, n);
  const int length = static_cast<int>(f.size());
  Eigen::MatrixXd states(n, length);
  Eigen::VectorXd c = Eigen::VectorXd::Zero(n);
  if (measure == Measure::LegS && method == Discretization::Bilinear) {
    // In log-time τ = ln t LegS is time-invariant: dc/dτ = A c + B f. Step k
    // spans Δτ = ln(k/(k−1)). The first step, from t = 0, is exact for a
    // constant input: the steady state c = −A⁻¹B f₁. Later steps are bilinear
    // in τ, cut into substeps with Δτ·N ≤ 1 so the fast modes (eigenvalues
    // down to −N) stay resolved — only while k < N, about N·ln N substeps in
    // all. Each substep is a triangular solve: O(N²).
    const Eigen::MatrixXd I = Eigen::MatrixXd::Identity(n, n);
    for (int k = 1; k <= length; ++k) {
      pollCancel();  // O(N²) a step, N up to 256 over 200k steps: seconds (Cancellation.h)
      const double fk = f[static_cast<std::size_t>(k - 1)];
      if (k == 1) {
        c = -h.A.triangularView<Eigen::Lower>().solve(h.B * fk);
      } else {
        const double dtau = std::log(static_cast<double>(k) / (k - 1));
        const int substeps = std::max(1, static_cast<int>(std::ceil(dtau * n)));
        const double h2 = dtau / substeps / 2;
        const Eigen::MatrixXd lhs = I - h2 * h.A;
        for (int sub = 0; sub < substeps; ++sub) {
          const Eigen::VectorXd rhs = c + h2 * (h.A * c) + 2 * h2 * h.B * fk;
          c = lhs.triangularView<Eigen::Lower>().solve(rhs);
        }
      }
      states.col(k - 1) = c;
    }
    return states;
  }
  if (measure == Measure::LegS) {
    for (int k = 1; k <= length; ++k) {
      pollCancel();  // a discretisation (a matrix exponential for ZOH) a step
      const DiscreteSystem d = legsStep(h.A, h.B, k, method);
      c = d.A * c + d.B * f[static_cast<std::size_t>(k - 1)];
      states.col(k - 1) = c;
    }
    return states;
  }
  const DiscreteSystem d = discretize(h.A, h.B, dt, method);
  for (int k = 0; k < length; ++k) {
    if (k % 256 == 0) pollCancel();
    c = d.A * c + d.B * f[static_cast<std::size_t>(k)];
    states.col(k) = c;
  }
  return states;
}

double legsValue(const Eigen::VectorXd& c, double x) {
  const int n = static_cast<int>(c.size());
  const auto p = legendre(n, x);
  double v = 0;
  for (int i = 0; i < n; ++i) v += c(i) * std::sqrt(2.0 * i + 1.0) * p[static_cast<std::size_t>(i)];
  return v;
}

std::vector<double> reconstructLegs(const Eigen::VectorXd& c, int points) {
  std::vector<double> out(static_cast<std::size_t>(points));
  for (int j = 0; j < points; ++j) out[static_cast<std::size_t>(j)] = legsValue(c, 2.0 * (j + 0.5) / points - 1.0);
  return out;
}

}  // namespace loupe::ssm
