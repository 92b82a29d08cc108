// The chunked (parallel, associative) selective scan: the sequence is cut
// into chunks, each scanned from zero state with the N states of one
// channel 8 lanes wide; chunk-end states are combined along the chunks with
// (a₁, b₁)∘(a₂, b₂) = (a₁a₂, a₂b₁ + b₂); then every chunk is rescanned from
// its true start. Work is ~2× the sequential scan's; what it buys is
// parallelism along L when there are fewer channels than threads.
#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "engines/core/CpuFeatures.h"
#include "engines/core/Simd.h"
#include "engines/core/ThreadPool.h"
#include "engines/ssm/ScanMath.h"
#include "engines/ssm/SelectiveScan.h"

namespace loupe::ssm {

namespace {

using simd::F8;
using simd::kLanes;

// The inputs rearranged for the vector loop: B and C as [batch][L][Np] (or
// [dim][Np] when constant) and A as [dim][Np], Np = N rounded up to whole
// vectors; the padding lanes are zero (their state stays 0).
struct Packed {
  int np = 0;  // padded state
  std::vector<float> A, B, C;
};

Packed pack(const ScanShape& s, const ScanInputs<float>& in) {
  Packed p;
  p.np = (s.state + kLanes - 1) / kLanes * kLanes;
  const std::size_t L = static_cast<std::size_t>(s.length), N = static_cast<std::size_t>(s.state), np = p.np;
  p.A.assign(static_cast<std::size_t>(s.dim) * np, 0.0f);
  for (std::size_t d = 0; d < static_cast<std::size_t>(s.dim); ++d)
    for (std::size_t n = 0; n < N; ++n) p.A[d * np + n] = in.A[d * N + n];
  auto packBC = [&](const float* src, bool varying, std::vector<float>& dst) {
    if (varying) {
      dst.assign(static_cast<std::size_t>(s.batch) * L * np, 0.0f);
      for (std::size_t b = 0; b < static_cast<std::size_t>(s.batch); ++b)
        for (std::size_t n = 0; n < N; ++n)
          for (std::size_t t = 0; t < L; ++t) dst[(b * L + t) * np + n] = src[(b * N + n) * L + t];
    } else {
      dst.assign(static_cast<std::size_t>(s.dim) * np, 0.0f);
      for (std::size_t d = 0; d < static_cast<std::size_t>(s.dim); ++d)
        for (std::size_t n = 0; n < N; ++n) dst[d * np + n] = src[d * N + n];
    }
  };
  packBC(in.B, s.varyingB, p.B);
  packBC(in.C, s.varyingC, p.C);
  return p;
}

// Per-thread scratch: Δ' and the gate for one span of one channel.
struct Scratch {
  std::vector<float> dt, gate, y;
};

// Scans t ∈ [t0, t1) of channel (b, d) from state x (updated in place) and
// returns ΣΔ' over the span, for the chunk combination. WithOutput: also
// writes out[t] for the span; without, only the state moves (no C·x).
template <bool WithOutput>
[[gnu::always_inline]] inline float scanSpan(const ScanShape& s, const ScanInputs<float>& in, const Packed& p, int b,
                                             int d, int t0, int t1, F8* x, float* out, Scratch& w) {
  const std::size_t L = static_cast<std::size_t>(s.length), np = static_cast<std::size_t>(p.np);
  const std::size_t row = (static_cast<std::size_t>(b) * s.dim + d) * L;
  const int span = t1 - t0;
  w.dt.resize(static_cast<std::size_t>(span) + kLanes);
  w.y.resize(static_cast<std::size_t>(span) + kLanes);
  // Δ' for the span, 8 at a time.
  const float bias = in.deltaBias ? in.deltaBias[d] : 0.0f;
  const float* delta = in.delta + row + t0;
  int t = 0;
  for (; t + kLanes <= span; t += kLanes) {
    F8 v = simd::load(delta + t) + bias;
    if (in.deltaSoftplus) v = detail::softplusOf(v);
    simd::store(&w.dt[static_cast<std::size_t>(t)], v);
  }
  for (; t < span; ++t) {
    const float v = delta[t] + bias;
    w.dt[static_cast<std::size_t>(t)] = in.deltaSoftplus ? softplus(v) : v;
  }
  float dtSum = 0;
  const float* A = &p.A[static_cast<std::size_t>(d) * np];
  const int nv = p.np / kLanes;
  const float* u = in.u + row + t0;
  for (int k = 0; k < span; ++k) {
    const float dt = w.dt[static_cast<std::size_t>(k)];
    dtSum += dt;
    const std::size_t tt = static_cast<std::size_t>(t0 + k);
    const float* Bt =
        s.varyingB ? &p.B[(static_cast<std::size_t>(b) * L + tt) * np] : &p.B[static_cast<std::size_t>(d) * np];
    const float* Ct =
        s.varyingC ? &p.C[(static_cast<std::size_t>(b) * L + tt) * np] : &p.C[static_cast<std::size_t>(d) * np];
    const F8 dtv = simd::splat(dt);
    const float dtu = dt * u[k];
    F8 acc{};
    for (int v = 0; v < nv; ++v) {
      const F8 a = simd::exp8(dtv * simd::load(A + v * kLanes));
      x[v] = a * x[v] + dtu * simd::load(Bt + v * kLanes);
      if constexpr (WithOutput) acc += x[v] * simd::load(Ct + v * kLanes);
    }
    if constexpr (WithOutput) w.y[static_cast<std::size_t>(k)] = simd::horizontalSum(acc);
  }
  if constexpr (!WithOutput) return dtSum;
  // out = (y + D·u)·SiLU(z), 8 at a time.
  const float D = in.D ? in.D[d] : 0.0f;
  const float* z = in.z ? in.z + row + t0 : nullptr;
  t = 0;
  for (; t + kLanes <= span; t += kLanes) {
    F8 y = simd::load(&w.y[static_cast<std::size_t>(t)]) + D * simd::load(u + t);
    if (z) {
      const F8 zv = simd::load(z + t);
      y = y * zv / (1.0f + simd::exp8(-zv));
    }
    simd::store(out + t, y);
  }
  for (; t < span; ++t) {
    float y = w.y[static_cast<std::size_t>(t)] + D * u[t];
    if (z) y *= z[t] / (1.0f + std::exp(-z[t]));
    out[t] = y;
  }
  return dtSum;
}

constexpr int kMaxVectors = detail::kMaxScanState / kLanes;

// One span of one channel for the chunked scan: from the given start state,
// writing outputs or only the end state.
[[gnu::always_inline]] inline float spanBody(const ScanShape& s, const ScanInputs<float>& in, const Packed& p,
                                             std::int64_t job, int t0, int t1, float* state, float* out) {
  thread_local Scratch w;
  F8 x[kMaxVectors];
  const int nv = p.np / kLanes;
  for (int v = 0; v < nv; ++v) x[v] = simd::load(state + v * kLanes);
  const int b = static_cast<int>(job / s.dim), d = static_cast<int>(job % s.dim);
  const float dtSum =
      out ? scanSpan<true>(s, in, p, b, d, t0, t1, x, out, w) : scanSpan<false>(s, in, p, b, d, t0, t1, x, nullptr, w);
  for (int v = 0; v < nv; ++v) simd::store(state + v * kLanes, x[v]);
  return dtSum;
}
[[gnu::target("avx2,fma")]] float spanAvx2(const ScanShape& s, const ScanInputs<float>& in, const Packed& p,
                                           std::int64_t job, int t0, int t1, float* state, float* out) {
  return spanBody(s, in, p, job, t0, t1, state, out);
}
float spanBaseline(const ScanShape& s, const ScanInputs<float>& in, const Packed& p, std::int64_t job, int t0, int t1,
                   float* state, float* out) {
  return spanBody(s, in, p, job, t0, t1, state, out);
}

}  // namespace

ScanResult<float> selectiveScanChunked(const ScanShape& s, const ScanInputs<float>& in, int chunk, ScanIsa isa) {
  detail::checkScanShape(s);
  if (chunk < 1) throw std::invalid_argument("selective scan: chunk must be ≥ 1");
  if (isa == ScanIsa::Avx512) throw std::invalid_argument("selective scan: the chunked scan has no AVX-512 build");
  if (!scanIsaAvailable(isa))
    throw std::invalid_argument("selective scan: this CPU lacks the instruction set asked for");
  const Packed p = pack(s, in);
  const std::int64_t channels = static_cast<std::int64_t>(s.batch) * s.dim;
  const int chunks = (s.length + chunk - 1) / chunk;
  const std::size_t np = static_cast<std::size_t>(p.np);
  ScanResult<float> r;
  r.out.assign(static_cast<std::size_t>(channels) * s.length, 0.0f);
  r.lastState.assign(static_cast<std::size_t>(channels) * s.state, 0.0f);
  static const bool avx2 = cpuHasAvx2Fma();
  auto span = avx2 && isa != ScanIsa::Baseline ? spanAvx2 : spanBaseline;
  // Phase 1, all (channel, chunk) pairs in parallel: each chunk from zero
  // state. Chunk 0's start is the true one, so its outputs are final here;
  // the last chunk's end feeds nothing, so it waits for phase 3.
  std::vector<float> ends(static_cast<std::size_t>(channels) * chunks * np, 0.0f);
  std::vector<float> dtSums(static_cast<std::size_t>(channels) * chunks, 0.0f);
  ThreadPool::shared().parallelFor(0, channels * chunks, 4, [&](std::int64_t a, std::int64_t b) {
    for (std::int64_t i = a; i < b; ++i) {
      const std::int64_t job = i / chunks;
      const int c = static_cast<int>(i % chunks);
      if (c == chunks - 1 && c > 0) continue;
      float* out = c == 0 ? &r.out[static_cast<std::size_t>(job) * s.length] : nullptr;
      dtSums[static_cast<std::size_t>(i)] = span(s, in, p, job, c * chunk, std::min(s.length, (c + 1) * chunk),
                                                 &ends[static_cast<std::size_t>(i) * np], out);
    }
  });
  // Phase 2, per channel along the chunks: start_c = exp(A·ΣΔ'_{c−1}) ⊙ start_{c−1} + end_{c−1}.
  std::vector<float> starts(ends.size(), 0.0f);
  ThreadPool::shared().parallelFor(0, channels, 16, [&](std::int64_t a, std::int64_t b) {
    for (std::int64_t job = a; job < b; ++job) {
      const float* A = &p.A[static_cast<std::size_t>(job % s.dim) * np];
      for (int c = 1; c < chunks; ++c) {
        const std::size_t prev = static_cast<std::size_t>(job * chunks + c - 1), cur = prev + 1;
        for (std::size_t n = 0; n < np; ++n)
          starts[cur * np + n] = std::exp(A[n] * dtSums[prev]) * starts[prev * np + n] + ends[prev * np + n];
      }
    }
  });
  // Phase 3, the other pairs in parallel again: each chunk from its true
  // start, with outputs (chunk 0's are done; with one chunk, so is its end).
  ThreadPool::shared().parallelFor(0, channels * chunks, 4, [&](std::int64_t a, std::int64_t b) {
    for (std::int64_t i = a; i < b; ++i) {
      const std::int64_t job = i / chunks;
      const int c = static_cast<int>(i % chunks);
      const int t0 = c * chunk;
      float* state = c == 0 ? &ends[static_cast<std::size_t>(i) * np] : &starts[static_cast<std::size_t>(i) * np];
      if (c > 0)
        span(s, in, p, job, t0, std::min(s.length, t0 + chunk), state,
             &r.out[static_cast<std::size_t>(job) * s.length + t0]);
      if (c == chunks - 1)
        for (int n = 0; n < s.state; ++n) r.lastState[static_cast<std::size_t>(job) * s.state + n] = state[n];
    }
  });
  return r;
}

}  // namespace loupe::ssm
