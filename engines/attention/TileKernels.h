// Register-blocked micro-kernels for one FlashAttention tile (internal to
// FlashAttention.cpp). Written with GCC vector extensions, 8 floats wide, so
// that the same source compiles to AVX2/FMA or to the portable baseline in
// each of the query-block loop's two builds.
//
// Why blocked: a row of scores built by axpy loads and stores the row for
// every element of q (memory bound, ~¼ of the FMA peak). Here a 6 × 16 block
// of S (or a 6 × 16 block of O) stays in 12 vector registers while the inner
// dimension streams past, so each loaded vector feeds six FMAs.
#pragma once

#include "engines/core/Simd.h"

namespace loupe::attention::kernels {

using simd::exp8;
using simd::F8;
using simd::horizontalSum;
using simd::kLanes;
using simd::load;
using simd::splat;
using simd::store;
constexpr int kRows = 6;           // rows of a micro tile
constexpr int kCols = 2 * kLanes;  // columns of a micro tile

[[gnu::always_inline]] inline float horizontalMax(F8 x) {
  float m = x[0];
  for (int i = 1; i < kLanes; ++i) m = m > x[i] ? m : x[i];
  return m;
}

// Largest of s[0..n), n a multiple of 8 (−inf if all are −inf).
[[gnu::always_inline]] inline float rowMax(const float* s, int n) {
  F8 m = splat(-__builtin_inff());
  for (int c = 0; c < n; c += kLanes) {
    const F8 x = load(s + c);
    m = x > m ? x : m;
  }
  return horizontalMax(m);
}

// s[c] ← e^(s[c] − shift) for c < n (a multiple of 8); returns Σ s[c].
[[gnu::always_inline]] inline float expShiftedRow(float* s, int n, float shift) {
  F8 sum{};
  for (int c = 0; c < n; c += kLanes) {
    const F8 p = exp8(load(s + c) - shift);
    store(s + c, p);
    sum += p;
  }
  return horizontalSum(sum);
}

// s[r][c0..c0+16) = Σ_e qs[r][e] · kT[e][c0..c0+16) for r < R.
// qs: R × d (stride d); kT: d × ldk; s: stride lds.
template <int R>
[[gnu::always_inline]] inline void scoresMicro(const float* qs, int d, const float* kT, int ldk, float* s, int lds) {
  F8 acc[R][2] = {};
  for (int e = 0; e < d; ++e) {
    const F8 b0 = load(kT + e * ldk), b1 = load(kT + e * ldk + kLanes);
    for (int r = 0; r < R; ++r) {
      const float a = qs[r * d + e];
      acc[r][0] += a * b0;
      acc[r][1] += a * b1;
    }
  }
  for (int r = 0; r < R; ++r) {
    store(s + r * lds, acc[r][0]);
    store(s + r * lds + kLanes, acc[r][1]);
  }
}

template <int R>
[[gnu::always_inline]] inline void scoresRows(const float* qs, int d, const float* kT, int ldk, int colsPadded,
                                              float* s, int lds) {
  for (int c = 0; c < colsPadded; c += kCols) scoresMicro<R>(qs, d, kT + c, ldk, s + c, lds);
}

// S (rows × colsPadded, stride lds) = Qs (rows × d) · Kᵀ (d × colsPadded,
// stride ldk). colsPadded is a multiple of 16; the padding columns of kT are
// zero and their scores are never read.
[[gnu::always_inline]] inline void scoresTile(const float* qs, int rows, int d, const float* kT, int ldk,
                                              int colsPadded, float* s, int lds) {
  int r = 0;
  for (; r + kRows <= rows; r += kRows) scoresRows<kRows>(qs + r * d, d, kT, ldk, colsPadded, s + r * lds, lds);
  const float* q = qs + r * d;
  float* sr = s + r * lds;
  switch (rows - r) {
    case 5:
      scoresRows<5>(q, d, kT, ldk, colsPadded, sr, lds);
      break;
    case 4:
      scoresRows<4>(q, d, kT, ldk, colsPadded, sr, lds);
      break;
    case 3:
      scoresRows<3>(q, d, kT, ldk, colsPadded, sr, lds);
      break;
    case 2:
      scoresRows<2>(q, d, kT, ldk, colsPadded, sr, lds);
      break;
    case 1:
      scoresRows<1>(q, d, kT, ldk, colsPadded, sr, lds);
      break;
    default:
      break;
  }
}

// o[r][e0..e0+16) += Σ_c p[r][c] · v[c][e0..e0+16) for r < R.
template <int R>
[[gnu::always_inline]] inline void pvMicro(const float* p, int lds, int cols, const float* v, int ldv, float* o,
                                           int ldo) {
  F8 acc[R][2];
  for (int r = 0; r < R; ++r) {
    acc[r][0] = load(o + r * ldo);
    acc[r][1] = load(o + r * ldo + kLanes);
  }
  for (int c = 0; c < cols; ++c) {
    const F8 b0 = load(v + c * ldv), b1 = load(v + c * ldv + kLanes);
    for (int r = 0; r < R; ++r) {
      const float a = p[r * lds + c];
      acc[r][0] += a * b0;
      acc[r][1] += a * b1;
    }
  }
  for (int r = 0; r < R; ++r) {
    store(o + r * ldo, acc[r][0]);
    store(o + r * ldo + kLanes, acc[r][1]);
  }
}

// The last 8 columns when the width is 8 mod 16.
template <int R>
[[gnu::always_inline]] inline void pvMicroHalf(const float* p, int lds, int cols, const float* v, int ldv, float* o,
                                               int ldo) {
  F8 acc[R];
  for (int r = 0; r < R; ++r) acc[r] = load(o + r * ldo);
  for (int c = 0; c < cols; ++c) {
    const F8 b = load(v + c * ldv);
    for (int r = 0; r < R; ++r) acc[r] += p[r * lds + c] * b;
  }
  for (int r = 0; r < R; ++r) store(o + r * ldo, acc[r]);
}

template <int R>
[[gnu::always_inline]] inline void pvRows(const float* p, int lds, int cols, const float* v, int ldv, int dvPadded,
                                          float* o, int ldo) {
  int e = 0;
  for (; e + kCols <= dvPadded; e += kCols) pvMicro<R>(p, lds, cols, v + e, ldv, o + e, ldo);
  if (e < dvPadded) pvMicroHalf<R>(p, lds, cols, v + e, ldv, o + e, ldo);
}

// O (rows × dvPadded, stride ldo) += P (rows × cols, stride lds) ·
// V (cols × dvPadded, stride ldv). dvPadded is a multiple of 8.
[[gnu::always_inline]] inline void pvTile(const float* p, int lds, int rows, int cols, const float* v, int ldv,
                                          int dvPadded, float* o, int ldo) {
  int r = 0;
  for (; r + kRows <= rows; r += kRows) pvRows<kRows>(p + r * lds, lds, cols, v, ldv, dvPadded, o + r * ldo, ldo);
  const float* pr = p + r * lds;
  float* orow = o + r * ldo;
  switch (rows - r) {
    case 5:
      pvRows<5>(pr, lds, cols, v, ldv, dvPadded, orow, ldo);
      break;
    case 4:
      pvRows<4>(pr, lds, cols, v, ldv, dvPadded, orow, ldo);
      break;
    case 3:
      pvRows<3>(pr, lds, cols, v, ldv, dvPadded, orow, ldo);
      break;
    case 2:
      pvRows<2>(pr, lds, cols, v, ldv, dvPadded, orow, ldo);
      break;
    case 1:
      pvRows<1>(pr, lds, cols, v, ldv, dvPadded, orow, ldo);
      break;
    default:
      break;
  }
}

}  // namespace loupe::attention::kernels
