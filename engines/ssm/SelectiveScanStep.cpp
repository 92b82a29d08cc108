#include "engines/ssm/SelectiveScanStep.h"

#include <cmath>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <vector>

#include "engines/core/CpuFeatures.h"
#include "engines/core/Simd.h"
#include "engines/ssm/ScanMath.h"
#include "engines/ssm/SelectiveScan.h"

namespace loupe::ssm {

void selectiveScanStepReference(const ScanStep& s, float* state, float* out) {
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

namespace {

using simd::F8, simd::loadAs, simd::storeV, simd::splatAs;

// Eight lanes of p from lane 0, the lanes at or past `valid` zero.
[[gnu::always_inline]] inline F8 loadPartial(const float* p, int valid) {
  F8 v{};
  for (int c = 0; c < valid; ++c) v[c] = p[c];
  return v;
}

// The fast step, in two passes over the channels.
// 1. Eight channels a vector: Δ' (softplus by the parallel scan's vector
//    exp and log series) and the gate SiLU(z) — two libm calls a channel
//    in the reference, the larger part of its time.
// 2. A channel at a time, its N states in the lanes: the decay
//    exp(Δ'·A) = 2^(Δ'·log₂e·A) by the scan's exp2Scan, the input Δ'·B·u,
//    and ⟨x, C⟩ summed across lanes once.
// A NaN in A would be clamped away by exp2Scan (ScanMath.h), so it is
// refused before the state is touched, as the parallel scan refuses it.
[[gnu::always_inline]] inline void stepLanes(const ScanStep& s, float* state, float* out) {
  const int dim = s.dim, N = s.state;
  std::vector<float> dt(static_cast<std::size_t>(dim)), gate(s.z ? dim : 0);
  for (int d0 = 0; d0 < dim; d0 += 8) {
    const int valid = std::min(8, dim - d0);
    auto in = [&](const float* p) { return valid == 8 ? loadAs<F8>(p + d0) : loadPartial(p + d0, valid); };
    auto put = [&](std::vector<float>& to, F8 v) {
      for (int c = 0; c < valid; ++c) to[static_cast<std::size_t>(d0 + c)] = v[c];
    };
    F8 v = in(s.delta);
    if (s.deltaBias) v += in(s.deltaBias);
    put(dt, s.deltaSoftplus ? detail::softplusOf(v) : v);
    if (s.z) put(gate, detail::siluOf(in(s.z)));
  }
  // One branch-free pass (it vectorises), then the first NaN's place only when there is one.
  const std::size_t cells = static_cast<std::size_t>(dim) * N;
  bool nan = false;
  for (std::size_t i = 0; i < cells; ++i) nan |= s.A[i] != s.A[i];
  if (nan) {
    std::size_t i = 0;
    while (!std::isnan(s.A[i])) ++i;
    throw std::invalid_argument("selective scan step: A[" + std::to_string(i / N) + "][" + std::to_string(i % N) +
                                "] is NaN");
  }
  for (int d = 0; d < dim; ++d) {
    const float delta = dt[static_cast<std::size_t>(d)], u = s.u[d], dtu = delta * u;
    float* x = state + static_cast<std::size_t>(d) * N;
    const float* a = s.A + static_cast<std::size_t>(d) * N;
    float y = 0.0f;
    int n = 0;
    if (N % 8 == 0) {
      const F8 scale = splatAs<F8>(delta * 1.4426950408889634f), input = splatAs<F8>(dtu);
      F8 acc{};
      for (; n < N; n += 8) {
        const F8 xn = detail::exp2Scan(scale * loadAs<F8>(a + n)) * loadAs<F8>(x + n) + input * loadAs<F8>(s.B + n);
        storeV(x + n, xn);
        acc += xn * loadAs<F8>(s.C + n);
      }
      for (int c = 0; c < 8; ++c) y += acc[c];
    }
    for (; n < N; ++n) {
      x[n] = std::exp(delta * a[n]) * x[n] + dtu * s.B[n];
      y += x[n] * s.C[n];
    }
    if (s.D) y += s.D[d] * u;
    if (s.z) y *= gate[static_cast<std::size_t>(d)];
    out[d] = y;
  }
  if (s.deltaOut) std::copy(dt.begin(), dt.end(), s.deltaOut);
}

[[gnu::target("avx2,fma")]] void stepAvx2(const ScanStep& s, float* state, float* out) {
  stepLanes(s, state, out);
}
void stepBaseline(const ScanStep& s, float* state, float* out) {
  stepLanes(s, state, out);
}

}  // namespace

void selectiveScanStep(const ScanStep& s, float* state, float* out) {
  static const bool avx2 = cpuHasAvx2Fma();
  (avx2 ? stepAvx2 : stepBaseline)(s, state, out);
}

void selectiveScanStepBaseline(const ScanStep& s, float* state, float* out) {
  stepBaseline(s, state, out);
}

}  // namespace loupe::ssm
