#include "engines/ssm/Hippo.h"

#include <cmath>
#include <stdexcept>

namespace loupe::ssm {

Measure measureFromName(const std::string& name) {
  if (name == "legs") return Measure::LegS;
  if (name == "legt") return Measure::LegT;
  if (name == "lmu") return Measure::LMU;
  if (name == "lagt") return Measure::LagT;
  throw std::invalid_argument("unknown HiPPO measure \"" + name + "\" (legs, legt, lmu, lagt)");
}

std::string measureName(Measure m) {
  switch (m) {
    case Measure::LegS:
      return "legs";
    case Measure::LegT:
      return "legt";
    case Measure::LMU:
      return "lmu";
    case Measure::LagT:
      return "lagt";
  }
  return "?";
}

Hippo hippo(Measure measure, int n) {
  Hippo h{Eigen::MatrixXd::Zero(n, n), Eigen::VectorXd::Zero(n)};
  auto root = [](int i) { return std::sqrt(2.0 * i + 1.0); };
  auto sign = [](int p) { return (p % 2 == 0) ? 1.0 : -1.0; };  // (−1)^p for p of either sign
  for (int i = 0; i < n; ++i) {
    for (int k = 0; k < n; ++k) {
      switch (measure) {
        case Measure::LegS:
          h.A(i, k) = i > k ? -root(i) * root(k) : i == k ? -(i + 1.0) : 0.0;
          break;
        case Measure::LegT:
          h.A(i, k) = -0.5 * root(i) * root(k) * (i >= k ? 1.0 : sign(i - k));
          break;
        case Measure::LMU:
          h.A(i, k) = (2.0 * i + 1.0) * (i < k ? -1.0 : sign(i - k + 1));
          break;
        case Measure::LagT:
          h.A(i, k) = (i == k ? 0.5 : 0.0) - (i >= k ? 1.0 : 0.0);
          break;
      }
    }
    switch (measure) {
      case Measure::LegS:
        h.B(i) = root(i);
        break;
      case Measure::LegT:
        h.B(i) = 0.5 * root(i);
        break;
      case Measure::LMU:
        h.B(i) = (2.0 * i + 1.0) * sign(i);
        break;
      case Measure::LagT:
        h.B(i) = 1.0;
        break;
    }
  }
  return h;
}

Eigen::MatrixXd rankCorrection(Measure measure, int n) {
  switch (measure) {
    case Measure::LegS: {
      Eigen::MatrixXd p(n, 1);
      for (int i = 0; i < n; ++i) p(i, 0) = std::sqrt(i + 0.5);
      return p;
    }
    case Measure::LegT: {
      // √(2n+1) split into even and odd rows, times 2^−½.
      Eigen::MatrixXd p = Eigen::MatrixXd::Zero(n, 2);
      for (int i = 0; i < n; ++i) p(i, i % 2) = std::sqrt(2.0 * i + 1.0) / std::sqrt(2.0);
      return p;
    }
    case Measure::LagT: {
      Eigen::MatrixXd p(n, 1);
      for (int i = 0; i < n; ++i) p(i, 0) = std::sqrt(0.5);
      return p;
    }
    case Measure::LMU:
      break;
  }
  throw std::invalid_argument("no rank correction for measure " + measureName(measure));
}

}  // namespace loupe::ssm
