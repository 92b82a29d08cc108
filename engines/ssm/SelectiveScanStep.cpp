#include "engines/ssm/SelectiveScanStep.h"

#include <cmath>
#include <cstddef>

#include "engines/ssm/SelectiveScan.h"

namespace loupe::ssm {

void selectiveScanStep(const ScanStep& s, float* state, float* out) {
  const std::size_t N = static_cast<std::size_t>(s.state);
  for (std::size_t d = 0; d < static_cast<std::size_t>(s.dim); ++d) {
    float dt = s.delta[d] + (s.deltaBias ? s.deltaBias[d] : 0.0f);
    if (s.deltaSoftplus) dt = softplus(dt);
    if (s.deltaOut) s.deltaOut[d] = dt;
    const float u = s.u[d];
    float* x = state + d * N;
    const float* a = s.A + d * N;
    float y = 0.0f;
    for (std::size_t n = 0; n < N; ++n) {
      x[n] = std::exp(dt * a[n]) * x[n] + dt * s.B[n] * u;
      y += x[n] * s.C[n];
    }
    if (s.D) y += s.D[d] * u;
    if (s.z) y *= s.z[d] / (1.0f + std::exp(-s.z[d]));
    out[d] = y;
  }
}

}  // namespace loupe::ssm
