// The recurrent step (SelectiveScanStep.h) against the float64 reference
// scan: a prompt's scan (its last state carried) followed by single steps
// gives the whole sequence's outputs and final state — what a Mamba model's
// token-by-token decoding relies on.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <stdexcept>
#include <vector>

#include "engines/ssm/SelectiveScan.h"
#include "engines/ssm/SelectiveScanStep.h"

namespace loupe::ssm {
namespace {

TEST(SelectiveScanStep, PromptScanThenStepsEqualsTheWholeScan) {
  const int D = 24, N = 16, L = 37, prompt = 20;
  std::mt19937 rng(3);
  std::normal_distribution<float> g(0.0f, 1.0f);
  auto fill = [&](std::size_t n, float scale, float shift = 0.0f) {
    std::vector<float> v(n);
    for (float& x : v) x = shift + scale * g(rng);
    return v;
  };
  // Mamba's layout: u, Δ, z [dim][L]; B, C [N][L]; A [dim][N] negative.
  const std::vector<float> u = fill(D * L, 1.0f), delta = fill(D * L, 0.5f, -1.0f), z = fill(D * L, 1.0f),
                           B = fill(N * L, 1.0f), C = fill(N * L, 1.0f), Dskip = fill(D, 0.5f), bias = fill(D, 0.3f);
  std::vector<float> A = fill(D * N, 0.5f);
  for (float& a : A) a = -std::exp(a);
  auto widen = [](const std::vector<float>& v) { return std::vector<double>(v.begin(), v.end()); };
  const auto ud = widen(u), dd = widen(delta), zd = widen(z), Bd = widen(B), Cd = widen(C), Ad = widen(A),
             Dd = widen(Dskip), biasd = widen(bias);
  const ScanShape whole{1, D, L, N, true, true};
  const ScanResult<double> ref = selectiveScanReference<double>(
      whole, {ud.data(), dd.data(), Ad.data(), Bd.data(), Cd.data(), Dd.data(), zd.data(), biasd.data(), true});

  // The prompt: the first 20 tokens through the fast scan (its own [dim][prompt] layout).
  auto cut = [&](const std::vector<float>& v, int rows) {
    std::vector<float> out;
    for (int r = 0; r < rows; ++r) out.insert(out.end(), v.begin() + r * L, v.begin() + r * L + prompt);
    return out;
  };
  const auto up = cut(u, D), dp = cut(delta, D), zp = cut(z, D), Bp = cut(B, N), Cp = cut(C, N);
  const ScanShape head{1, D, prompt, N, true, true};
  ScanResult<float> first = selectiveScan(
      head, {up.data(), dp.data(), A.data(), Bp.data(), Cp.data(), Dskip.data(), zp.data(), bias.data(), true});
  double worst = 0;
  for (int d = 0; d < D; ++d)
    for (int t = 0; t < prompt; ++t) worst = std::max(worst, std::abs(first.out[d * prompt + t] - ref.out[d * L + t]));
  // Then one step a token from the carried state.
  std::vector<float> state = first.lastState, out(D), ut(D), dt(D), zt(D), Bt(N), Ct(N);
  for (int t = prompt; t < L; ++t) {
    for (int d = 0; d < D; ++d) ut[d] = u[d * L + t], dt[d] = delta[d * L + t], zt[d] = z[d * L + t];
    for (int n = 0; n < N; ++n) Bt[n] = B[n * L + t], Ct[n] = C[n * L + t];
    ScanStep s;
    s.dim = D, s.state = N, s.u = ut.data(), s.delta = dt.data(), s.A = A.data(), s.B = Bt.data(), s.C = Ct.data();
    s.D = Dskip.data(), s.z = zt.data(), s.deltaBias = bias.data(), s.deltaSoftplus = true;
    selectiveScanStep(s, state.data(), out.data());
    for (int d = 0; d < D; ++d) worst = std::max(worst, std::abs(out[d] - ref.out[d * L + t]));
  }
  EXPECT_LT(worst, 1e-4);
  for (std::size_t i = 0; i < state.size(); ++i) EXPECT_NEAR(state[i], ref.lastState[i], 1e-4) << i;
}

// The vectorised step (and its baseline build) against the reference step on
// the same inputs, 40 steps, each from the reference's state: every shape Mamba and the
// tests use, channel counts that are not a multiple of the vector width,
// state sizes that are (the vector path) and are not (its scalar tail), each
// optional input on and off. The reference is libm's exp and log1p channel
// by channel; the fast path uses the scan's polynomials.
TEST(SelectiveScanStep, TheVectorPathEqualsTheReferenceStep) {
  std::mt19937 rng(11);
  std::normal_distribution<float> g(0.0f, 1.0f);
  int cases = 0;
  for (int D : {1, 7, 8, 24, 37})
    for (int N : {1, 5, 8, 16, 24})
      for (int options = 0; options < 4; ++options) {
        const bool full = options & 1, softplus = options & 2;
        auto fill = [&](int n, float scale, float shift = 0.0f) {
          std::vector<float> v(static_cast<std::size_t>(n));
          for (float& x : v) x = shift + scale * g(rng);
          return v;
        };
        std::vector<float> A = fill(D * N, 0.5f);
        for (float& a : A) a = -std::exp(a);
        const std::vector<float> Dskip = fill(D, 0.5f), bias = fill(D, 0.3f);
        std::vector<float> ref(static_cast<std::size_t>(D) * N, 0.0f), fast = ref, base = ref;
        for (int t = 0; t < 40; ++t) {
          // Δ around −1 before softplus, around 0.4 when used as it is; some large, to cross softplus's threshold.
          std::vector<float> u = fill(D, 1.0f), delta = softplus ? fill(D, 2.0f, -1.0f) : fill(D, 0.1f, 0.4f),
                             z = fill(D, 2.0f), B = fill(N, 1.0f), C = fill(N, 1.0f);
          if (softplus && D > 3) delta[3] = 25.0f;
          ScanStep s;
          s.dim = D, s.state = N, s.u = u.data(), s.delta = delta.data(), s.A = A.data(), s.B = B.data();
          s.C = C.data(), s.deltaSoftplus = softplus;
          if (full) s.D = Dskip.data(), s.z = z.data(), s.deltaBias = bias.data();
          // Every step from the same state (the reference's), so one step's rounding is what is compared.
          fast = ref, base = ref;
          std::vector<float> outRef(D), outFast(D), outBase(D), dtRef(D), dtFast(D);
          s.deltaOut = dtRef.data();
          selectiveScanStepReference(s, ref.data(), outRef.data());
          s.deltaOut = dtFast.data();
          selectiveScanStep(s, fast.data(), outFast.data());
          s.deltaOut = nullptr;
          selectiveScanStepBaseline(s, base.data(), outBase.data());
          for (int d = 0; d < D; ++d) {
            // Float rounding of y = Σ x_n·C_n + D·u grows with the terms, not with their (cancelling) sum.
            double scale = full ? std::abs(Dskip[d] * u[d]) : 0.0;
            for (int n = 0; n < N; ++n) scale += std::abs(ref[static_cast<std::size_t>(d) * N + n] * C[n]);
            if (full) scale *= std::abs(z[d]);
            const float tol = static_cast<float>(2e-6 * (1.0 + scale));
            ASSERT_NEAR(outFast[d], outRef[d], tol) << "D=" << D << " N=" << N << " options=" << options << " t=" << t;
            ASSERT_NEAR(outBase[d], outRef[d], tol) << "D=" << D << " N=" << N << " options=" << options << " t=" << t;
            ASSERT_NEAR(dtFast[d], dtRef[d], 1e-6f * (1.0f + dtRef[d])) << d;
          }
          for (std::size_t i = 0; i < ref.size(); ++i) {
            ASSERT_NEAR(fast[i], ref[i], 2e-6f * (1.0f + std::abs(ref[i]))) << i;
            ASSERT_NEAR(base[i], ref[i], 2e-6f * (1.0f + std::abs(ref[i]))) << i;
          }
        }
        ++cases;
      }
  EXPECT_EQ(cases, 100);
}

// NaN: a NaN Δ reaches the output on every path (as in torch); a NaN in A,
// which the fast path's exp would clamp into a finite decay, is refused.
TEST(SelectiveScanStep, NaNIsKeptOrRefusedNeverHidden) {
  const int D = 9, N = 16;
  std::vector<float> A(D * N, -1.0f), u(D, 1.0f), delta(D, 0.5f), B(N, 1.0f), C(N, 1.0f), state(D * N, 0.0f), out(D);
  delta[4] = std::nanf("");
  ScanStep s;
  s.dim = D, s.state = N, s.u = u.data(), s.delta = delta.data(), s.A = A.data(), s.B = B.data(), s.C = C.data();
  s.deltaSoftplus = true;
  selectiveScanStep(s, state.data(), out.data());
  EXPECT_TRUE(std::isnan(out[4]));
  EXPECT_FALSE(std::isnan(out[3]));
  delta[4] = 0.5f;
  A[5 * N + 7] = std::nanf("");
  const std::vector<float> before = state;
  EXPECT_THROW(selectiveScanStep(s, state.data(), out.data()), std::invalid_argument);
  EXPECT_THROW(selectiveScanStepBaseline(s, state.data(), out.data()), std::invalid_argument);
  EXPECT_EQ(std::memcmp(state.data(), before.data(), state.size() * sizeof(float)), 0)
      << "a refused step left its state";
}

}  // namespace
}  // namespace loupe::ssm
