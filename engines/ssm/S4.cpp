#include "engines/ssm/S4.h"

#include <cmath>
#include <numbers>
#include <random>
#include <stdexcept>

namespace loupe::ssm {

std::vector<double> ssmRecurrence(const DiscreteSystem& sys, const Eigen::VectorXd& C, const std::vector<double>& u) {
  Eigen::VectorXd x = Eigen::VectorXd::Zero(sys.A.rows());
  std::vector<double> y(u.size());
  for (std::size_t k = 0; k < u.size(); ++k) {
    x = sys.A * x + sys.B * u[k];
    y[k] = C.dot(x);
  }
  return y;
}

std::vector<double> ssmKernel(const DiscreteSystem& sys, const Eigen::VectorXd& C, int length) {
  std::vector<double> k(static_cast<std::size_t>(length));
  Eigen::VectorXd power = sys.B;  // Āᵏ B̄
  for (int i = 0; i < length; ++i) {
    k[static_cast<std::size_t>(i)] = C.dot(power);
    power = sys.A * power;
  }
  return k;
}

std::vector<double> causalConvolution(const std::vector<double>& kernel, const std::vector<double>& u) {
  std::vector<double> y(u.size(), 0.0);
  for (std::size_t i = 0; i < u.size(); ++i)
    for (std::size_t j = 0; j <= i && j < kernel.size(); ++j) y[i] += kernel[j] * u[i - j];
  return y;
}

S4DInit s4dInitFromName(const std::string& name) {
  if (name == "lin") return S4DInit::Lin;
  if (name == "inv") return S4DInit::Inv;
  throw std::invalid_argument("unknown S4D initialisation \"" + name + "\" (lin, inv)");
}

S4D s4dInit(int state, S4DInit init, std::uint64_t seed) {
  if (state < 2 || state % 2) throw std::invalid_argument("S4D state size must be even and ≥ 2");
  const int modes = state / 2;
  S4D s;
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> g(0.0, std::sqrt(0.5));
  for (int n = 0; n < modes; ++n) {
    const double imag = init == S4DInit::Lin
                            ? std::numbers::pi * n
                            : state / std::numbers::pi * (static_cast<double>(state) / (2 * n + 1) - 1);
    s.lambda.emplace_back(-0.5, imag);
    s.B.emplace_back(1.0, 0.0);
    const double re = g(rng), im = g(rng);
    s.C.emplace_back(re, im);
  }
  return s;
}

namespace {
struct DiagonalZoh {
  std::vector<std::complex<double>> a, b;  // Ā_n, B̄_n
};
DiagonalZoh zoh(const S4D& s, double dt) {
  DiagonalZoh d;
  for (std::size_t n = 0; n < s.lambda.size(); ++n) {
    const std::complex<double> a = std::exp(dt * s.lambda[n]);
    d.a.push_back(a);
    d.b.push_back((a - 1.0) / s.lambda[n] * s.B[n]);
  }
  return d;
}
}  // namespace

std::vector<double> s4dKernel(const S4D& s, double dt, int length) {
  const DiagonalZoh d = zoh(s, dt);
  std::vector<double> k(static_cast<std::size_t>(length), 0.0);
  for (std::size_t n = 0; n < s.lambda.size(); ++n) {
    std::complex<double> power = s.C[n] * d.b[n];  // C Āᵏ B̄ for this mode (a Vandermonde row)
    for (int i = 0; i < length; ++i) {
      k[static_cast<std::size_t>(i)] += 2.0 * power.real();
      power *= d.a[n];
    }
  }
  return k;
}

std::vector<double> s4dRecurrence(const S4D& s, double dt, const std::vector<double>& u) {
  const DiagonalZoh d = zoh(s, dt);
  std::vector<std::complex<double>> x(s.lambda.size(), 0.0);
  std::vector<double> y(u.size());
  for (std::size_t k = 0; k < u.size(); ++k) {
    double out = 0;
    for (std::size_t n = 0; n < x.size(); ++n) {
      x[n] = d.a[n] * x[n] + d.b[n] * u[k];
      out += 2.0 * (s.C[n] * x[n]).real();
    }
    y[k] = out;
  }
  return y;
}

std::vector<std::complex<double>> eigenvalues(const Eigen::MatrixXd& m) {
  // Triangular matrices (HiPPO-LegS and LagT, and their bilinear / Euler
  // discretisations): the diagonal, exactly. A general solver on LegS —
  // strongly non-normal — scatters −1 … −N into a ring of complex values
  // (at N = 32 some land 8 off the real axis), the very ill-conditioning
  // that made S4 avoid diagonalising it.
  const bool lower = m.isLowerTriangular(1e-13), upper = m.isUpperTriangular(1e-13);
  if (m.rows() == m.cols() && (lower || upper)) {
    std::vector<std::complex<double>> out;
    for (Eigen::Index i = 0; i < m.rows(); ++i) out.emplace_back(m(i, i), 0.0);
    return out;
  }
  const Eigen::EigenSolver<Eigen::MatrixXd> solver(m, false);
  std::vector<std::complex<double>> out;
  for (Eigen::Index i = 0; i < solver.eigenvalues().size(); ++i) out.push_back(solver.eigenvalues()(i));
  return out;
}

}  // namespace loupe::ssm
