// The LRU against its published definition: the initialisation's ring and
// phase, γ's variance normalisation on white noise, the recurrence against
// the closed form x_k = Σ_{i≤k} λ^(k−i) γ B u_i in float64, the parallel
// scan against the sequential one, and the kernel against the recurrence.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "engines/core/NumericCompare.h"
#include "engines/ssm/Lru.h"
#include "engines/ssm/S4.h"
#include "tests/support/RandomFill.h"

namespace loupe::ssm {
namespace {

using cd = std::complex<double>;

std::vector<double> noise(std::size_t n, std::uint64_t seed) {
  return testing::normalVector<double, std::mt19937_64>(n, seed);
}

TEST(Lru, InitialisationFillsTheRingByArea) {
  const LruInit init{0.4, 0.95, std::numbers::pi / 10};
  const Lru l = lruInit(20000, 1, init, 3);
  double meanR2 = 0;
  for (int j = 0; j < l.state; ++j) {
    const cd lambda = l.lambda(j);
    const double r = std::abs(lambda), phase = std::arg(lambda);
    ASSERT_GE(r, init.rMin - 1e-12);
    ASSERT_LE(r, init.rMax + 1e-12);
    ASSERT_GT(phase, 0.0);
    ASSERT_LE(phase, init.maxPhase + 1e-12);
    EXPECT_NEAR(l.gamma(j), std::sqrt(1 - r * r), 1e-12);
    meanR2 += r * r / l.state;
  }
  // |λ|² uniform on [r_min², r_max²]: mean (r_min² + r_max²)/2, sd of the mean ~0.0013.
  EXPECT_NEAR(meanR2, (0.4 * 0.4 + 0.95 * 0.95) / 2, 0.006);
  EXPECT_THROW(lruInit(4, 1, LruInit{0.9, 1.0, 1.0}, 1), std::invalid_argument);
  EXPECT_THROW(lruInit(4, 1, LruInit{0.5, 0.4, 1.0}, 1), std::invalid_argument);
}

TEST(Lru, RecurrenceEqualsTheClosedFormInFloat64) {
  const Lru l = lruInit(6, 3, LruInit{}, 11);
  const int L = 150, H = 3, N = 6;
  const auto u = noise(static_cast<std::size_t>(L) * H, 4);
  const LruResult r = lruScan(l, u);
  for (int k : {0, 1, 17, L - 1}) {
    for (int h = 0; h < H; ++h) {
      double y = l.D[h] * u[static_cast<std::size_t>(k) * H + h];
      for (int j = 0; j < N; ++j) {
        cd x = 0;
        for (int i = 0; i <= k; ++i) {
          cd bu = 0;
          for (int g = 0; g < H; ++g)
            bu += l.B[static_cast<std::size_t>(j) * H + g] * u[static_cast<std::size_t>(i) * H + g];
          x += std::pow(l.lambda(j), k - i) * l.gamma(j) * bu;
        }
        y += (l.C[static_cast<std::size_t>(h) * N + j] * x).real();
        if (k == L - 1 && h == 0) EXPECT_LT(std::abs(x - r.lastState[static_cast<std::size_t>(j)]), 1e-10);
      }
      EXPECT_NEAR(r.y[static_cast<std::size_t>(k) * H + h], y, 1e-10) << "k=" << k << " h=" << h;
    }
  }
}

TEST(Lru, ParallelScanEqualsSequentialForEveryChunk) {
  const Lru l = lruInit(16, 2, LruInit{0.5, 0.999, 6.28}, 5);
  const auto u = noise(2 * 1000, 6);
  const LruResult seq = lruScan(l, u);
  for (int chunk : {1, 7, 64, 999, 1000, 5000}) {
    const LruResult par = lruScanParallel(l, u, chunk);
    EXPECT_LT(maxAbsError(par.y, seq.y), 1e-11) << "chunk " << chunk;
    for (int j = 0; j < 16; ++j)
      EXPECT_LT(std::abs(par.lastState[static_cast<std::size_t>(j)] - seq.lastState[static_cast<std::size_t>(j)]),
                1e-11);
  }
}

// γ = √(1 − |λ|²) makes E|x_j|² = E|B_j u|² = |B_j|² for unit white noise:
// Σ_k |λ|^2k = 1/(1 − |λ|²) cancels γ².
TEST(Lru, GammaKeepsTheVarianceOfWhiteNoise) {
  const Lru l = lruInit(32, 1, LruInit{0.5, 0.99, 6.28}, 8);
  const int L = 200000;
  const auto u = noise(L, 9);
  std::vector<cd> x(32, cd(0));
  std::vector<double> power(32, 0.0);
  for (int t = 0; t < L; ++t)
    for (int j = 0; j < 32; ++j) {
      x[static_cast<std::size_t>(j)] = l.lambda(j) * x[static_cast<std::size_t>(j)] +
                                       l.gamma(j) * l.B[static_cast<std::size_t>(j)] * u[static_cast<std::size_t>(t)];
      if (t >= 5000) power[static_cast<std::size_t>(j)] += std::norm(x[static_cast<std::size_t>(j)]) / (L - 5000);
    }
  double ratio = 0;
  for (int j = 0; j < 32; ++j)
    ratio += power[static_cast<std::size_t>(j)] / std::norm(l.B[static_cast<std::size_t>(j)]) / 32;
  EXPECT_NEAR(ratio, 1.0, 0.05);
  // The engine's state agrees with this loop (same recurrence, end state).
  const LruResult r = lruScan(l, u);
  for (int j = 0; j < 32; ++j)
    EXPECT_LT(std::abs(r.lastState[static_cast<std::size_t>(j)] - x[static_cast<std::size_t>(j)]), 1e-9);
}

TEST(Lru, KernelConvolutionEqualsTheRecurrence) {
  const Lru l = lruInit(8, 1, LruInit{0.8, 0.99, 3.0}, 2);
  const auto u = noise(400, 3);
  const auto viaKernel = causalConvolution(lruKernel(l, 400), u);
  const LruResult r = lruScan(l, u);
  for (std::size_t i = 0; i < u.size(); ++i) EXPECT_NEAR(viaKernel[i], r.y[i], 1e-10) << i;
}

}  // namespace
}  // namespace loupe::ssm
