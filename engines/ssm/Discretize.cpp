#include "engines/ssm/Discretize.h"

#include <stdexcept>
#include <unsupported/Eigen/MatrixFunctions>

namespace loupe::ssm {

Discretization discretizationFromName(const std::string& name) {
  if (name == "forward_euler") return Discretization::ForwardEuler;
  if (name == "backward_euler") return Discretization::BackwardEuler;
  if (name == "bilinear") return Discretization::Bilinear;
  if (name == "zoh") return Discretization::Zoh;
  throw std::invalid_argument("unknown discretisation \"" + name + "\" (forward_euler, backward_euler, bilinear, zoh)");
}

Eigen::MatrixXd matrixExponential(const Eigen::MatrixXd& m) {
  return m.exp();
}

DiscreteSystem discretize(const Eigen::MatrixXd& A, const Eigen::VectorXd& B, double dt, Discretization method) {
  const auto n = A.rows();
  const Eigen::MatrixXd I = Eigen::MatrixXd::Identity(n, n);
  switch (method) {
    case Discretization::ForwardEuler:
      return {I + dt * A, dt * B};
    case Discretization::BackwardEuler: {
      const auto lu = (I - dt * A).partialPivLu();
      return {lu.inverse(), lu.solve(dt * B)};
    }
    case Discretization::Bilinear: {
      const auto lu = (I - dt / 2 * A).partialPivLu();
      return {lu.solve(I + dt / 2 * A), lu.solve(dt * B)};
    }
    case Discretization::Zoh: {
      Eigen::MatrixXd block = Eigen::MatrixXd::Zero(n + 1, n + 1);
      block.topLeftCorner(n, n) = dt * A;
      block.topRightCorner(n, 1) = dt * B;
      const Eigen::MatrixXd e = matrixExponential(block);
      return {e.topLeftCorner(n, n), e.topRightCorner(n, 1)};
    }
  }
  throw std::logic_error("discretize: unknown method");
}

DiscreteSystem legsStep(const Eigen::MatrixXd& A, const Eigen::VectorXd& B, int k, Discretization method) {
  return discretize(A / k, B / k, 1.0, method);
}

}  // namespace loupe::ssm
