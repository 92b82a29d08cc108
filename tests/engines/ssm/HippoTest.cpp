// HiPPO matrices against the S4 code's own transition() output (shared
// oracle), the rank corrections against their defining property (A + PPᵀ
// normal), and discretisation against the scalar check a = −1, Δ = 0.1 (bilinear 0.9047619 / 0.0952381, ZOH 0.9048374 / 0.0951626) and
// scipy.linalg.expm.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "engines/core/NumericCompare.h"
#include "engines/ssm/Discretize.h"
#include "engines/ssm/Hippo.h"
#include "tests/support/TestHelpers.h"

namespace loupe::ssm {
namespace {

TEST(Hippo, EqualsTheS4CodeForEveryMeasureAndSize) {
  std::ifstream in(std::filesystem::path(LOUPE_SHARED_DATA) / "oracles" / "hippo_transition_s4.json");
  ASSERT_TRUE(in) << "missing oracle";
  const auto oracle = nlohmann::json::parse(in);
  int checked = 0;
  for (const auto& [key, value] : oracle.at("matrices").items()) {
    const auto cut = key.find("_N");
    const Measure measure = measureFromName(key.substr(0, cut));
    const int n = std::stoi(key.substr(cut + 2));
    const Hippo h = hippo(measure, n);
    for (int i = 0; i < n; ++i) {
      EXPECT_NEAR(h.B(i), value.at("B")[i].get<double>(), 1e-12) << key << " B " << i;
      for (int k = 0; k < n; ++k)
        EXPECT_NEAR(h.A(i, k), value.at("A")[i][k].get<double>(), 1e-12) << key << " " << i << "," << k;
    }
    ++checked;
  }
  EXPECT_EQ(checked, 12);  // legs, legt, lmu, lagt × N = 4, 8, 16
}

TEST(Hippo, RankCorrectionMakesANormalMatrix) {
  for (Measure m : {Measure::LegS, Measure::LegT, Measure::LagT}) {
    for (int n : {4, 16, 64}) {
      const Hippo h = hippo(m, n);
      const Eigen::MatrixXd P = rankCorrection(m, n);
      const Eigen::MatrixXd S = h.A + P * P.transpose();
      EXPECT_LT((S * S.transpose() - S.transpose() * S).cwiseAbs().maxCoeff(), 1e-9 * n * n)
          << measureName(m) << " N=" << n;
    }
  }
}

TEST(Discretize, ScalarCheckFromScience) {
  // a = −1, Δ = 0.1: bilinear 0.9047619 / 0.0952381, ZOH 0.9048374 / 0.0951626.
  const Eigen::MatrixXd a = Eigen::MatrixXd::Constant(1, 1, -1.0);
  const Eigen::VectorXd b = Eigen::VectorXd::Constant(1, 1.0);
  const auto bil = discretize(a, b, 0.1, Discretization::Bilinear);
  EXPECT_NEAR(bil.A(0, 0), 0.9047619, 5e-8);
  EXPECT_NEAR(bil.B(0), 0.0952381, 5e-8);
  const auto zoh = discretize(a, b, 0.1, Discretization::Zoh);
  EXPECT_NEAR(zoh.A(0, 0), 0.9048374, 5e-8);
  EXPECT_NEAR(zoh.B(0), 0.0951626, 5e-8);
  const auto fwd = discretize(a, b, 0.1, Discretization::ForwardEuler);
  EXPECT_DOUBLE_EQ(fwd.A(0, 0), 0.9);
  const auto bwd = discretize(a, b, 0.1, Discretization::BackwardEuler);
  EXPECT_NEAR(bwd.A(0, 0), 1 / 1.1, 1e-15);
  EXPECT_NEAR(bwd.B(0), 0.1 / 1.1, 1e-15);
}

// ZOH of each HiPPO system against scipy: Ā = expm(ΔA), B̄ = A⁻¹(Ā − I)B.
TEST(Discretize, ZohEqualsScipyExpm) {
  testing::TempDir dir;
  for (const char* name : {"legs", "legt", "lagt"}) {
    const int n = 16;
    const double dt = 0.05;
    const Hippo h = hippo(measureFromName(name), n);
    std::ofstream out(dir / "a.txt");
    out.precision(17);
    for (int i = 0; i < n; ++i) {
      for (int k = 0; k < n; ++k) out << h.A(i, k) << (k + 1 < n ? " " : "\n");
    }
    out.close();
    std::ofstream outB(dir / "b.txt");
    outB.precision(17);
    for (int i = 0; i < n; ++i) outB << h.B(i) << "\n";
    outB.close();
    const auto r = testing::runPython(
        "import numpy as np, scipy.linalg as la, sys\n"
        "A = np.loadtxt(sys.argv[1]); B = np.loadtxt(sys.argv[2]); dt = float(sys.argv[3])\n"
        "E = la.expm(dt * A)\n"
        "Bd = np.linalg.solve(A, (E - np.eye(len(A))) @ B)\n"
        "np.savetxt(sys.argv[4], E, fmt='%.17g'); np.savetxt(sys.argv[5], Bd, fmt='%.17g')\n",
        {(dir / "a.txt").string(), (dir / "b.txt").string(), "0.05", (dir / "e.txt").string(),
         (dir / "bd.txt").string()});
    ASSERT_EQ(r.exitCode, 0) << r.err;
    const auto zoh = discretize(h.A, h.B, dt, Discretization::Zoh);
    std::ifstream e(dir / "e.txt"), bd(dir / "bd.txt");
    double worstA = 0, worstB = 0;
    for (int i = 0; i < n; ++i)
      for (int k = 0; k < n; ++k) {
        double v;
        e >> v;
        worstA = nanAwareMax(worstA, std::fabs(v - zoh.A(i, k)));
      }
    for (int i = 0; i < n; ++i) {
      double v;
      bd >> v;
      worstB = nanAwareMax(worstB, std::fabs(v - zoh.B(i)));
    }
    EXPECT_LT(worstA, 1e-12) << name;
    EXPECT_LT(worstB, 1e-10) << name;
  }
}

}  // namespace
}  // namespace loupe::ssm
