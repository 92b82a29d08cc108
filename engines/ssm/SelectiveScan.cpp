#include "engines/ssm/SelectiveScan.h"

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "engines/core/Cancellation.h"
#include "engines/core/CpuFeatures.h"
#include "engines/core/Simd.h"
#include "engines/core/ThreadPool.h"
#include "engines/ssm/ScanMath.h"

namespace loupe::ssm {

template <class T>
T softplus(T x) {
  return x > T(20) ? x : std::log1p(std::exp(x));
}
template float softplus(float);
template double softplus(double);

namespace {

// The recurrence for channel (b, d) in arithmetic Acc, inputs of type T;
// visit(t, Δ', gate, y, x) sees every step (y already gated).
template <class Acc, class T, class Visit>
void referenceChannel(const ScanShape& s, const ScanInputs<T>& in, std::size_t b, std::size_t d, Visit&& visit) {
  const std::size_t L = static_cast<std::size_t>(s.length), N = static_cast<std::size_t>(s.state);
  std::vector<Acc> x(N, Acc(0));
  for (std::size_t t = 0; t < L; ++t) {
    const std::size_t i = (b * s.dim + d) * L + t;
    Acc dt = Acc(in.delta[i]) + (in.deltaBias ? Acc(in.deltaBias[d]) : Acc(0));
    if (in.deltaSoftplus) dt = softplus(dt);
    const Acc ut = in.u[i];
    Acc y = 0;
    for (std::size_t n = 0; n < N; ++n) {
      const Acc bn = s.varyingB ? in.B[(b * N + n) * L + t] : in.B[d * N + n];
      const Acc cn = s.varyingC ? in.C[(b * N + n) * L + t] : in.C[d * N + n];
      x[n] = std::exp(dt * Acc(in.A[d * N + n])) * x[n] + dt * bn * ut;
      y += x[n] * cn;
    }
    if (in.D) y += Acc(in.D[d]) * ut;
    const Acc gate = in.z ? Acc(in.z[i]) / (Acc(1) + std::exp(-Acc(in.z[i]))) : Acc(1);
    visit(t, dt, gate, y * gate, x);
  }
}

}  // namespace

template <class T>
ScanResult<T> selectiveScanReference(const ScanShape& s, const ScanInputs<T>& in) {
  const std::size_t L = static_cast<std::size_t>(s.length), N = static_cast<std::size_t>(s.state);
  ScanResult<T> r;
  r.out.assign(static_cast<std::size_t>(s.batch) * s.dim * L, T(0));
  r.lastState.assign(static_cast<std::size_t>(s.batch) * s.dim * N, T(0));
  for (std::size_t b = 0; b < static_cast<std::size_t>(s.batch); ++b) {
    for (std::size_t d = 0; d < static_cast<std::size_t>(s.dim); ++d) {
      pollCancel();  // a channel's whole sequence: tens of ms at L = 65536, N = 256
      const std::size_t row = b * s.dim + d;
      referenceChannel<T>(s, in, b, d, [&](std::size_t t, T, T, T y, const std::vector<T>& x) {
        r.out[row * L + t] = y;
        if (t + 1 == L) std::copy(x.begin(), x.end(), r.lastState.begin() + static_cast<std::ptrdiff_t>(row * N));
      });
    }
  }
  return r;
}
template ScanResult<float> selectiveScanReference(const ScanShape&, const ScanInputs<float>&);
template ScanResult<double> selectiveScanReference(const ScanShape&, const ScanInputs<double>&);

ScanTrace selectiveScanTrace(const ScanShape& s, const ScanInputs<float>& in, int b, int d) {
  if (b < 0 || b >= s.batch || d < 0 || d >= s.dim)
    throw std::invalid_argument("selective scan trace: channel (" + std::to_string(b) + ", " + std::to_string(d) +
                                ") is outside " + std::to_string(s.batch) + " × " + std::to_string(s.dim));
  const std::size_t L = static_cast<std::size_t>(s.length), N = static_cast<std::size_t>(s.state);
  ScanTrace tr;
  tr.delta.resize(L), tr.gate.resize(L), tr.y.resize(L), tr.state.resize(N * L);
  referenceChannel<double>(s, in, static_cast<std::size_t>(b), static_cast<std::size_t>(d),
                           [&](std::size_t t, double dt, double gate, double y, const std::vector<double>& x) {
                             tr.delta[t] = dt, tr.gate[t] = gate, tr.y[t] = y;
                             for (std::size_t n = 0; n < N; ++n) tr.state[n * L + t] = x[n];
                           });
  return tr;
}

namespace detail {

void checkScanShape(const ScanShape& s) {
  if (s.batch < 1 || s.dim < 1 || s.length < 1)
    throw std::invalid_argument("selective scan: batch, dim and length must be ≥ 1, got " + std::to_string(s.batch) +
                                ", " + std::to_string(s.dim) + ", " + std::to_string(s.length));
  if (s.state < 1 || s.state > kMaxScanState)
    throw std::invalid_argument("selective scan: state size N must be 1 … " + std::to_string(kMaxScanState) + ", got " +
                                std::to_string(s.state));
}

}  // namespace detail

namespace {

using simd::F8;
using simd::I8;
using simd::kLanes;

// The fast path puts 8 *channels* in the lanes: at each step every lane
// advances its own channel's N states, so Δ, u and z load as one vector per
// step, B_t and C_t broadcast (they are shared by the channels of a batch
// entry), and y needs no horizontal sum. The [channel][L] rows of u, Δ, z
// and out are turned time-major ([L][8]) and back with 8 × 8 transposes.

// Rows r[0..7] become columns (three stages of the classic
// unpack / shuffle / 128-bit-permute pattern, which GCC maps onto them).
[[gnu::always_inline]] inline void transpose8(F8 r[8]) {
  const I8 lo{0, 8, 1, 9, 4, 12, 5, 13}, hi{2, 10, 3, 11, 6, 14, 7, 15};
  const I8 pairsLo{0, 1, 8, 9, 4, 5, 12, 13}, pairsHi{2, 3, 10, 11, 6, 7, 14, 15};
  const I8 halvesLo{0, 1, 2, 3, 8, 9, 10, 11}, halvesHi{4, 5, 6, 7, 12, 13, 14, 15};
  F8 t[8], u[8];
  for (int i = 0; i < 8; i += 2) {
    t[i] = __builtin_shuffle(r[i], r[i + 1], lo);
    t[i + 1] = __builtin_shuffle(r[i], r[i + 1], hi);
  }
  for (int i = 0; i < 8; i += 4) {
    u[i] = __builtin_shuffle(t[i], t[i + 2], pairsLo);
    u[i + 1] = __builtin_shuffle(t[i], t[i + 2], pairsHi);
    u[i + 2] = __builtin_shuffle(t[i + 1], t[i + 3], pairsLo);
    u[i + 3] = __builtin_shuffle(t[i + 1], t[i + 3], pairsHi);
  }
  for (int i = 0; i < 4; ++i) {
    r[i] = __builtin_shuffle(u[i], u[i + 4], halvesLo);
    r[i + 4] = __builtin_shuffle(u[i], u[i + 4], halvesHi);
  }
}

// rows[c][t] → dst[t·stride + c], c < 8: 8 × 8 blocks transposed, two at a
// time so each row's 64-byte line is read whole. (The rows lie L floats
// apart — for L a multiple of 1024 all in one L1 set — so a line left half
// read was evicted before its second half was wanted.)
[[gnu::always_inline]] inline void toTimeMajor(const float* const rows[kLanes], int length, int stride, float* dst) {
  int t = 0;
  for (; t + 2 * kLanes <= length; t += 2 * kLanes) {
    F8 r[kLanes], r2[kLanes];
    for (int c = 0; c < kLanes; ++c) r[c] = simd::load(rows[c] + t), r2[c] = simd::load(rows[c] + t + kLanes);
    transpose8(r);
    transpose8(r2);
    for (int k = 0; k < kLanes; ++k)
      simd::store(dst + (t + k) * stride, r[k]), simd::store(dst + (t + kLanes + k) * stride, r2[k]);
  }
  for (; t < length; ++t)
    for (int c = 0; c < kLanes; ++c) dst[t * stride + c] = rows[c][t];
}

// src[t·stride + c] → rows[c][t], c < 8, a whole line of each row at a time.
[[gnu::always_inline]] inline void fromTimeMajor(const float* src, int length, int stride, float* const rows[kLanes]) {
  int t = 0;
  for (; t + 2 * kLanes <= length; t += 2 * kLanes) {
    F8 r[kLanes], r2[kLanes];
    for (int k = 0; k < kLanes; ++k)
      r[k] = simd::load(src + (t + k) * stride), r2[k] = simd::load(src + (t + kLanes + k) * stride);
    transpose8(r);
    transpose8(r2);
    for (int c = 0; c < kLanes; ++c) simd::store(rows[c] + t, r[c]), simd::store(rows[c] + t + kLanes, r2[c]);
  }
  for (; t < length; ++t)
    for (int c = 0; c < kLanes; ++c) rows[c][t] = src[t * stride + c];
}

// Per-thread buffers for one group of W channels (W = 8 or 16 lanes).
struct GroupWork {
  std::vector<float> u, delta, z, y;  // time-major, L × W
  std::vector<float> zeros, sink;     // stand-in rows for the lanes past the last channel
  // Constant B and C per state n, W lanes each. (Plain floats: std::vector
  // of a vector type would drop its alignment.)
  std::vector<float> Bc, Cc;
  void size(int length, int state, int lanes) {
    const std::size_t tm = static_cast<std::size_t>(length) * lanes;
    u.resize(tm), delta.resize(tm), z.resize(tm), y.resize(tm);
    zeros.assign(static_cast<std::size_t>(length), 0.0f), sink.resize(static_cast<std::size_t>(length));
    Bc.resize(static_cast<std::size_t>(state) * lanes), Cc.resize(Bc.size());
  }
};

// Channels d0 … d0+W−1 of batch entry b, W the lanes of V. Bt/Ct: B and C
// time-major for this batch entry ([L][N]) when they vary.
// scanGroup, once for the portable and AVX2 builds and once compiled for
// AVX-512 (its decay then uses AVX-512 instructions; see ScanGroup.inc).
namespace portable {
#include "engines/ssm/ScanGroup.inc"
}  // namespace portable
#pragma GCC push_options
#pragma GCC target("avx512f,avx512vl,avx2,fma")
#define LOUPE_SCAN_GROUP_AVX512 1  // GCC's target pragma defines no __AVX512F__ in C++
// GCC 12's AVX-512 intrinsics pass _mm512_undefined_*() as the unused merge
// operand, which -Wmaybe-uninitialized reports once inlined here.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
namespace avx512 {
#include "engines/ssm/ScanGroup.inc"
}  // namespace avx512
#pragma GCC diagnostic pop
#undef LOUPE_SCAN_GROUP_AVX512
#pragma GCC pop_options

using GroupFn = void (*)(const ScanShape&, const ScanInputs<float>&, const float*, const float*, int, int, GroupWork&,
                         ScanResult<float>&);

// One body, three instruction sets, picked at run time: AVX-512 (16
// channels a group: each instruction does twice the work, which matters
// because the exp's dependency chains, not the FMA ports, bound the loop),
// AVX2 + FMA (8), and the portable baseline (8).
template <bool VB, bool VC, int FixedN = 0>
[[gnu::target("avx512f,avx512vl,avx2,fma")]] void groupAvx512(const ScanShape& s, const ScanInputs<float>& in,
                                                              const float* Bt, const float* Ct, int b, int d0,
                                                              GroupWork& w, ScanResult<float>& r) {
  avx512::scanGroup<simd::F16, VB, VC, FixedN>(s, in, Bt, Ct, b, d0, w, r);
}
template <bool VB, bool VC, int FixedN = 0>
[[gnu::target("avx2,fma")]] void groupAvx2(const ScanShape& s, const ScanInputs<float>& in, const float* Bt,
                                           const float* Ct, int b, int d0, GroupWork& w, ScanResult<float>& r) {
  portable::scanGroup<F8, VB, VC, FixedN>(s, in, Bt, Ct, b, d0, w, r);
}
template <bool VB, bool VC>
void groupBaseline(const ScanShape& s, const ScanInputs<float>& in, const float* Bt, const float* Ct, int b, int d0,
                   GroupWork& w, ScanResult<float>& r) {
  portable::scanGroup<F8, VB, VC>(s, in, Bt, Ct, b, d0, w, r);
}

struct GroupKernel {
  GroupFn fn;
  int lanes;
};

// Mamba's own setting (selective B and C, N = 16) also has a build with N
// fixed at compile time.
template <bool VB, bool VC>
GroupKernel pickFor(ScanIsa isa, int state) {
  static const bool avx512 = cpuHasAvx512(), avx2 = cpuHasAvx2Fma();
  if (isa == ScanIsa::Auto) isa = avx512 ? ScanIsa::Avx512 : avx2 ? ScanIsa::Avx2 : ScanIsa::Baseline;
  if (!scanIsaAvailable(isa))
    throw std::invalid_argument("selective scan: this CPU lacks the instruction set asked for");
  constexpr bool mamba = VB && VC;
  if (isa == ScanIsa::Avx512) return {mamba && state == 16 ? groupAvx512<VB, VC, 16> : groupAvx512<VB, VC>, 16};
  if (isa == ScanIsa::Avx2) return {mamba && state == 16 ? groupAvx2<VB, VC, 16> : groupAvx2<VB, VC>, 8};
  return {groupBaseline<VB, VC>, 8};
}

GroupKernel pickGroup(bool varyingB, bool varyingC, ScanIsa isa, int state) {
  if (varyingB) return varyingC ? pickFor<true, true>(isa, state) : pickFor<true, false>(isa, state);
  return varyingC ? pickFor<false, true>(isa, state) : pickFor<false, false>(isa, state);
}

// [batch][N][L] → [batch][L][N], so one step's N values are contiguous;
// into dst, reused when it already has the size.
void timeMajorStates(const float* src, const ScanShape& s, std::vector<float>& dst) {
  const std::size_t L = static_cast<std::size_t>(s.length), N = static_cast<std::size_t>(s.state);
  dst.resize(static_cast<std::size_t>(s.batch) * L * N);
  for (std::size_t b = 0; b < static_cast<std::size_t>(s.batch); ++b)
    for (std::size_t n = 0; n < N; ++n)
      for (std::size_t t = 0; t < L; ++t) dst[(b * L + t) * N + n] = src[(b * N + n) * L + t];
}

}  // namespace

bool scanIsaAvailable(ScanIsa isa) {
  switch (isa) {
    case ScanIsa::Avx512:
      return cpuHasAvx512();
    case ScanIsa::Avx2:
      return cpuHasAvx2Fma();
    default:
      return true;
  }
}

ScanResult<float> selectiveScan(const ScanShape& s, const ScanInputs<float>& in, ScanIsa isa) {
  ScanResult<float> r;
  selectiveScanInto(s, in, r, isa);
  return r;
}

void selectiveScanInto(const ScanShape& s, const ScanInputs<float>& in, ScanResult<float>& r, ScanIsa isa) {
  detail::checkScanShape(s);
  // Every element is written below: resizing keeps a reused buffer as it is.
  r.out.resize(static_cast<std::size_t>(s.batch) * s.dim * s.length);
  r.lastState.resize(static_cast<std::size_t>(s.batch) * s.dim * s.state);
  // B and C time-major, in the calling thread's scratch (kept across calls
  // of the same shape, like the result: no allocation in a forward loop).
  // (Pointers, not the vectors, go to the workers: a thread_local named in
  // the lambda would be each worker's own.)
  thread_local std::vector<float> scratchB, scratchC;
  if (s.varyingB) timeMajorStates(in.B, s, scratchB);
  if (s.varyingC) timeMajorStates(in.C, s, scratchC);
  const float* const Bt = s.varyingB ? scratchB.data() : nullptr;
  const float* const Ct = s.varyingC ? scratchC.data() : nullptr;
  const std::size_t perBatch = static_cast<std::size_t>(s.length) * s.state;
  const GroupKernel kernel = pickGroup(s.varyingB, s.varyingC, isa, s.state);
  const int groups = (s.dim + kernel.lanes - 1) / kernel.lanes;
  ThreadPool::shared().parallelFor(
      0, static_cast<std::int64_t>(s.batch) * groups, 1, [&](std::int64_t j0, std::int64_t j1) {
        // One per thread, kept: fresh buffers per chunk cost page faults.
        thread_local GroupWork w;
        w.size(s.length, s.state, kernel.lanes);
        for (std::int64_t j = j0; j < j1; ++j) {
          const int b = static_cast<int>(j / groups);
          const int d0 = static_cast<int>(j % groups) * kernel.lanes;
          kernel.fn(s, in, Bt ? Bt + b * perBatch : nullptr, Ct ? Ct + b * perBatch : nullptr, b, d0, w, r);
        }
      });
}

}  // namespace loupe::ssm
