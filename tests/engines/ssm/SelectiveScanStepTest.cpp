// The recurrent step (SelectiveScanStep.h) against the float64 reference
// scan: a prompt's scan (its last state carried) followed by single steps
// gives the whole sequence's outputs and final state — what a Mamba model's
// token-by-token decoding relies on.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
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

}  // namespace
}  // namespace loupe::ssm
