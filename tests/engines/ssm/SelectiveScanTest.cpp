// The selective scan against Mamba's own selective_scan_ref outputs (three
// shared reference cases, Mamba's fp32 tolerance rtol 6e-4 atol 2e-3), and
// the fast and chunked (parallel) paths against an independent float64 loop
// on random shapes.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "engines/core/NumericCompare.h"
#include "engines/ssm/SelectiveScan.h"
#include "tests/engines/ssm/ScanTestCases.h"

namespace loupe::ssm {
namespace {

TEST(SelectiveScan, ReproducesMambaReferenceCases) {
  const auto cases = mambaReferenceCases();
  ASSERT_EQ(cases.size(), 3u);
  for (const MambaCase& c : cases) {
    const ScanInputs<float> x = c.inputs();
    for (const auto& [path, result] : {std::pair{"reference", selectiveScanReference(c.shape, x)},
                                       {"fast", selectiveScan(c.shape, x)},
                                       {"chunked", selectiveScanChunked(c.shape, x, 5)}}) {
      expectClose(result.out, c.out, 6e-4, 2e-3, c.name + " " + path + " out");
      expectClose(result.lastState, c.lastState, 6e-4, 2e-3, c.name + " " + path + " last state");
    }
  }
}

TEST(SelectiveScan, FastAndChunkedMatchAFloat64LoopOnRandomShapes) {
  const ScanShape shapes[] = {{1, 5, 100, 16, true, true},
                              {2, 3, 257, 7, true, false},
                              {1, 9, 64, 33, false, true},
                              {3, 2, 1000, 1, false, false},
                              {2, 37, 130, 16, true, true}};  // several 8- and 16-channel groups, the last partial
  std::uint32_t seed = 1;
  for (const ScanShape& s : shapes) {
    const Random r = randomCase(s, seed++);
    for (bool softplus : {false, true}) {
      const auto u = as<double>(r.u), delta = as<double>(r.delta), A = as<double>(r.A), B = as<double>(r.B),
                 C = as<double>(r.C), D = as<double>(r.D), z = as<double>(r.z), bias = as<double>(r.bias);
      ScanInputs<double> x64{u.data(), delta.data(), A.data(),    B.data(), C.data(),
                             D.data(), z.data(),     bias.data(), softplus};
      ScanInputs<float> x32{r.u.data(), r.delta.data(), r.A.data(),    r.B.data(), r.C.data(),
                            r.D.data(), r.z.data(),     r.bias.data(), softplus};
      if (!softplus) x64.deltaBias = nullptr, x32.deltaBias = nullptr;  // Δ used as it is: keep it positive
      const auto ref = selectiveScanReference(s, x64);
      const std::string what = "B=" + std::to_string(s.batch) + " D=" + std::to_string(s.dim) +
                               " L=" + std::to_string(s.length) + " N=" + std::to_string(s.state) +
                               (softplus ? " softplus" : "");
      const auto ref32 = as<float>(ref.out), last32 = as<float>(ref.lastState);
      std::vector<std::pair<std::string, ScanResult<float>>> results = {
          {"chunked 16", selectiveScanChunked(s, x32, 16)}, {"chunked 100", selectiveScanChunked(s, x32, 100)}};
      // Every instruction-set build of the fast path this CPU can run.
      for (const auto& [isa, name] : {std::pair{ScanIsa::Avx512, "fast avx512"},
                                      {ScanIsa::Avx2, "fast avx2"},
                                      {ScanIsa::Baseline, "fast baseline"}})
        if (scanIsaAvailable(isa)) results.emplace_back(name, selectiveScan(s, x32, isa));
      for (const auto& [path, result] : results) {
        expectClose(result.out, ref32, 1e-4, 1e-5, what + " " + path);
        expectClose(result.lastState, last32, 1e-4, 1e-5, what + " " + path + " last state");
      }
    }
  }
}

// The parallel scan is the sequential one: same outputs to float rounding
// for every chunk size, including 1 and more than L.
TEST(SelectiveScan, ChunkedEqualsSequentialForEveryChunkSize) {
  const ScanShape s{1, 4, 300, 16, true, true};
  const Random r = randomCase(s, 77);
  ScanInputs<float> x{r.u.data(), r.delta.data(), r.A.data(),    r.B.data(), r.C.data(),
                      r.D.data(), r.z.data(),     r.bias.data(), true};
  const auto seq = selectiveScan(s, x);
  for (ScanIsa isa : {ScanIsa::Avx2, ScanIsa::Baseline}) {  // both builds of the chunked scan
    if (!scanIsaAvailable(isa)) continue;
    for (int chunk : {1, 7, 64, 299, 300, 1000}) {
      const auto par = selectiveScanChunked(s, x, chunk, isa);
      const std::string what = "chunk " + std::to_string(chunk) + (isa == ScanIsa::Baseline ? " baseline" : " avx2");
      expectClose(par.out, seq.out, 1e-5, 1e-6, what);
      expectClose(par.lastState, seq.lastState, 1e-5, 1e-6, what + " last state");
    }
  }
  EXPECT_THROW(selectiveScanChunked(s, x, 16, ScanIsa::Avx512), std::invalid_argument);
  EXPECT_THROW(selectiveScanChunked(s, x, 0), std::invalid_argument);
  EXPECT_THROW(selectiveScan(ScanShape{1, 1, 4, 300, true, true}, x), std::invalid_argument);
}

}  // namespace
}  // namespace loupe::ssm

#include "engines/ssm/ScanMath.h"

namespace loupe::ssm {
namespace {

// The scan's decay 2^x against std::exp2 (float64) on [−125, 127], and its
// clamp outside: never a wrapped exponent, whatever the input.
TEST(ScanMath, Exp2MatchesExp2WithinTwoUlpAndClampsOutside) {
  std::vector<float> xs;
  for (double x = -125.0; x <= 127.0; x += 0.0137) xs.push_back(static_cast<float>(x));
  for (float x : {-0.0f, 0.0f, 1e-30f, -1e-30f, 0.5f, -0.5f, 126.99f}) xs.push_back(x);
  while (xs.size() % simd::kLanes) xs.push_back(1.0f);  // whole vectors: every value above is checked
  double worst = 0;
  for (std::size_t i = 0; i + simd::kLanes <= xs.size(); i += simd::kLanes) {
    const simd::F8 y = detail::exp2Scan(simd::load(&xs[i]));
    for (int k = 0; k < simd::kLanes; ++k) {
      const double ref = std::exp2(static_cast<double>(xs[i + k]));
      worst = nanAwareMax(worst, std::fabs(y[k] - ref) / ref);
    }
  }
  EXPECT_LT(worst, tolerance::kFloat32TwoUlpRel);
  const float outside[8] = {-1e30f, -1000.0f, -125.5f, -126.0f, 127.5f, 200.0f, 1e30f, 128.0f};
  const simd::F8 y = detail::exp2Scan(simd::load(outside));
  for (int k = 0; k < 4; ++k) EXPECT_EQ(y[k], std::exp2f(-125.0f)) << outside[k];
  for (int k = 4; k < 8; ++k) EXPECT_EQ(y[k], std::exp2f(127.0f)) << outside[k];
}

// Decays from 1 down to underflow: A over six decades, Δ' up to ~3, so Δ'·A
// reaches −10⁴ (2^x far below the float range) — every ISA build against
// the float64 loop.
TEST(SelectiveScan, DecaysDownToUnderflowMatchFloat64) {
  const ScanShape s{1, 21, 80, 16, true, true};
  Random r = randomCase(s, 12);
  for (int d = 0; d < s.dim; ++d)
    for (int n = 0; n < s.state; ++n) r.A[static_cast<std::size_t>(d) * s.state + n] = -std::pow(10.0f, n / 2.5f - 2);
  const ScanInputs<float> x32{r.u.data(), r.delta.data(), r.A.data(),    r.B.data(), r.C.data(),
                              r.D.data(), r.z.data(),     r.bias.data(), true};
  const auto u = as<double>(r.u), delta = as<double>(r.delta), A = as<double>(r.A), B = as<double>(r.B),
             C = as<double>(r.C), D = as<double>(r.D), z = as<double>(r.z), bias = as<double>(r.bias);
  const ScanInputs<double> x64{u.data(), delta.data(), A.data(),    B.data(), C.data(),
                               D.data(), z.data(),     bias.data(), true};
  const auto ref = selectiveScanReference(s, x64);
  for (ScanIsa isa : {ScanIsa::Avx512, ScanIsa::Avx2, ScanIsa::Baseline}) {
    if (!scanIsaAvailable(isa)) continue;
    const auto got = selectiveScan(s, x32, isa);
    expectClose(got.out, as<float>(ref.out), 1e-4, 1e-5, "isa " + std::to_string(static_cast<int>(isa)));
    expectClose(got.lastState, as<float>(ref.lastState), 1e-4, 1e-5, "last state");
  }
}

TEST(SelectiveScan, NanInARefusedByTheFastPath) {
  const ScanShape s{1, 3, 20, 4, true, true};
  const Random r = randomCase(s, 5);
  std::vector<float> A = r.A;
  A[1 * 4 + 2] = std::nanf("");
  const ScanInputs<float> x{r.u.data(), r.delta.data(), A.data(), r.B.data(), r.C.data()};
  try {
    (void)selectiveScan(s, x);
    FAIL() << "no error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("A[1][2] is NaN"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace loupe::ssm
