// S4 as a convolution equals S4 as a recurrence (dense HiPPO systems and
// diagonal S4D), and HiPPO-LegS remembers: the reconstruction error of a
// fixed smooth signal falls as the state grows.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "engines/core/NumericCompare.h"
#include "engines/ssm/OnlineApproximation.h"
#include "engines/ssm/S4.h"
#include "tests/support/RandomFill.h"

namespace loupe::ssm {
namespace {

std::vector<double> noise(int n, std::uint32_t seed) {
  return testing::normalVector<double>(static_cast<std::size_t>(n), seed);
}

double maxDiff(const std::vector<double>& a, const std::vector<double>& b) {
  return maxAbsError(a, b);
}

TEST(S4, ConvolutionEqualsRecurrenceForDenseHippoSystems) {
  const int length = 1000;
  const auto u = noise(length, 3);
  for (Measure m : {Measure::LegS, Measure::LegT, Measure::LagT}) {
    for (Discretization method : {Discretization::Bilinear, Discretization::Zoh}) {
      const Hippo h = hippo(m, 32);
      const DiscreteSystem sys = discretize(h.A, h.B, 0.01, method);
      const Eigen::VectorXd C = Eigen::VectorXd::Map(noise(32, 4).data(), 32);
      const auto rec = ssmRecurrence(sys, C, u);
      const auto conv = causalConvolution(ssmKernel(sys, C, length), u);
      EXPECT_LT(maxDiff(rec, conv), 1e-5) << measureName(m);
      // Stable: every discretised eigenvalue inside the unit circle.
      for (const auto& z : eigenvalues(sys.A)) EXPECT_LT(std::abs(z), 1.0) << measureName(m);
    }
  }
}

TEST(S4, DiagonalKernelEqualsDiagonalRecurrence) {
  const auto u = noise(2000, 5);
  for (S4DInit init : {S4DInit::Lin, S4DInit::Inv}) {
    const S4D s = s4dInit(64, init, 9);
    for (double dt : {0.001, 0.01, 0.1}) {
      const auto rec = s4dRecurrence(s, dt, u);
      const auto conv = causalConvolution(s4dKernel(s, dt, 2000), u);
      EXPECT_LT(maxDiff(rec, conv), 1e-5) << "dt " << dt;
    }
  }
  // The diagonal form is the dense one with A = diag(λ): a kernel from the
  // dense real 2×2 block of one conjugate pair must agree.
  S4D one;
  one.lambda = {{-0.5, 3.0}};
  one.B = {{1.0, 0.0}};
  one.C = {{0.7, -0.2}};
  Eigen::MatrixXd A(2, 2);
  A << -0.5, -3.0, 3.0, -0.5;                           // rotation-scaling block: eigenvalues −½ ± 3i
  const Eigen::VectorXd B = Eigen::Vector2d(2.0, 0.0);  // 2·Re(C x) with x = (re, im)
  const Eigen::VectorXd C = Eigen::Vector2d(0.7, 0.2);  // Re(C x) = 0.7·re + 0.2·im
  const DiscreteSystem sys = discretize(A, B, 0.05, Discretization::Zoh);
  EXPECT_LT(maxDiff(ssmKernel(sys, C, 200), s4dKernel(one, 0.05, 200)), 1e-12);
}

// f(s) = sin(2πs)·e^(−s) + ½cos(6πs) on [0, 1], sampled at L = 2000 steps,
// rebuilt from the LegS state at the end; RMS error against the signal.
// The error is the projection's (it falls fast with N) until it meets the
// floor of feeding a sampled, piecewise-constant signal (≈ 1e-5 here): it
// must fall from N = 4 to 32 and stay below 1e-4 at N = 64.
TEST(HippoLegS, ReconstructionErrorFallsWithNAndIsSmallAtN64) {
  const int length = 2000;
  std::vector<double> f(length);
  for (int k = 0; k < length; ++k) {
    const double s = (k + 0.5) / length;
    f[static_cast<std::size_t>(k)] =
        std::sin(2 * std::numbers::pi * s) * std::exp(-s) + 0.5 * std::cos(6 * std::numbers::pi * s);
  }
  double previous = 1e9;
  for (int n : {4, 8, 16, 32, 64}) {
    const Eigen::MatrixXd states = hippoStates(Measure::LegS, n, f);
    const auto rebuilt = reconstructLegs(states.col(length - 1), length);
    double sq = 0;
    for (int k = 0; k < length; ++k)
      sq += std::pow(rebuilt[static_cast<std::size_t>(k)] - f[static_cast<std::size_t>(k)], 2);
    const double rms = std::sqrt(sq / length);
    std::printf("LegS N=%d: RMS reconstruction error %.3g\n", n, rms);
    if (n <= 32) {
      EXPECT_LT(rms, previous) << "N=" << n;
    } else {
      EXPECT_LT(rms, 1e-4) << "N=" << n;
    }
    previous = rms;
  }
  EXPECT_LT(previous, 1e-4);
}

}  // namespace
}  // namespace loupe::ssm

namespace loupe::ssm {
namespace {

// LegS is lower triangular with diagonal −(n+1): its eigenvalues are
// −1 … −N, and the bilinear step maps each λ to (1 + λ/2k)/(1 − λ/2k) —
// not the ring of complex values a general eigensolver returns for this
// strongly non-normal matrix.
TEST(Eigenvalues, LegSAndItsBilinearStepAreExactlyTheDiagonal) {
  const int n = 64, k = 10;
  const Hippo h = hippo(Measure::LegS, n);
  const auto cont = eigenvalues(h.A);
  const auto disc = eigenvalues(legsStep(h.A, h.B, k).A);
  ASSERT_EQ(cont.size(), static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    const double lambda = -(i + 1.0);
    EXPECT_EQ(cont[static_cast<std::size_t>(i)], std::complex<double>(lambda, 0.0));
    EXPECT_NEAR(disc[static_cast<std::size_t>(i)].real(), (1 + lambda / (2 * k)) / (1 - lambda / (2 * k)), 1e-12);
    EXPECT_EQ(disc[static_cast<std::size_t>(i)].imag(), 0.0);
  }
  // A non-triangular matrix still goes through the solver: LegT's are complex and stable.
  for (const auto& z : eigenvalues(hippo(Measure::LegT, 16).A)) EXPECT_LT(z.real(), 0.0);
}

}  // namespace
}  // namespace loupe::ssm
