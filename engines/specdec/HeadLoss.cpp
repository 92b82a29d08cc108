#include "engines/specdec/HeadLoss.h"

#include <algorithm>
#include <cmath>
#include <cstddef>

namespace loupe::specdec {

RowLoss projectionLossReference(const std::vector<float>& P, int V, int H, const std::vector<double>& z, int y,
                                int rows, std::vector<double>& dz, std::vector<double>* dP) {
  std::vector<double> logits(static_cast<std::size_t>(V)), p(logits.size());
  double top = -INFINITY;
  for (int v = 0; v < V; ++v) {
    double acc = 0;
    for (int i = 0; i < H; ++i)
      acc += static_cast<double>(P[static_cast<std::size_t>(v) * H + i]) * z[static_cast<std::size_t>(i)];
    logits[static_cast<std::size_t>(v)] = acc;
    top = std::max(top, acc);
  }
  double sum = 0;
  for (int v = 0; v < V; ++v)
    sum += p[static_cast<std::size_t>(v)] = std::exp(logits[static_cast<std::size_t>(v)] - top);
  for (double& q : p) q /= sum;
  RowLoss r;
  r.loss = -std::log(p[static_cast<std::size_t>(y)]);
  r.top1 = static_cast<int>(std::max_element(logits.begin(), logits.end()) - logits.begin()) == y;
  std::fill(dz.begin(), dz.end(), 0.0);
  for (int v = 0; v < V; ++v) {
    const double dl = (p[static_cast<std::size_t>(v)] - (v == y ? 1.0 : 0.0)) / rows;
    for (int i = 0; i < H; ++i) {
      if (dP) (*dP)[static_cast<std::size_t>(v) * H + i] += dl * z[static_cast<std::size_t>(i)];
      dz[static_cast<std::size_t>(i)] += dl * P[static_cast<std::size_t>(v) * H + i];
    }
  }
  return r;
}

}  // namespace loupe::specdec
