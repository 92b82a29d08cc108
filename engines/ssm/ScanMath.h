// Vector pieces shared by the selective-scan paths (internal to engines/ssm).
#pragma once

#include "engines/core/Simd.h"
#include "engines/ssm/SelectiveScan.h"

namespace loupe::ssm::detail {

using simd::F8;
using simd::splatAs;

// log(1 + e) for e in [0, 1], lane by lane: 2·atanh(s) with s = e / (2 + e) ∈
// [0, ⅓], its series to s¹⁵ (error < 1e-9); s from e directly keeps the
// precision of tiny e.
template <class V>
[[gnu::always_inline]] inline V log1pUnit(V e) {
  const V s = e / (splatAs<V>(2.0f) + e), s2 = s * s;
  V p = splatAs<V>(1.0f / 15);
  p = p * s2 + 1.0f / 13;
  p = p * s2 + 1.0f / 11;
  p = p * s2 + 1.0f / 9;
  p = p * s2 + 1.0f / 7;
  p = p * s2 + 1.0f / 5;
  p = p * s2 + 1.0f / 3;
  p = p * s2 + 1.0f;
  return 2.0f * s * p;
}

// x clamped to [lo, hi] (lo < 0 < hi) with two integer minima on the bit
// patterns instead of float compare-and-select (GCC turns a vector select
// into neither vminps nor vmaxps, for their NaN and −0 rules): as unsigned,
// every float above lo sorts below lo's pattern and the more negative ones
// above it; as signed, every float below hi sorts below hi's pattern. On
// Zen 4 this takes a 16-lane exp2 from 11.3 to 9.6 cycles. NaN is not kept:
// it clamps to lo or hi. (In the scan a NaN Δ still poisons the state
// through the Δ·B·u term; a NaN A is refused before the loop.)
template <class V>
[[gnu::always_inline]] inline V clampBits(V x, float lo, float hi) {
  using I = simd::IntOf<V>;
  typedef unsigned int U __attribute__((vector_size(sizeof(V))));
  const U ux = __builtin_bit_cast(U, x), ulo = __builtin_bit_cast(U, splatAs<V>(lo));
  const I ix = __builtin_bit_cast(I, ux < ulo ? ux : ulo), ihi = __builtin_bit_cast(I, splatAs<V>(hi));
  return __builtin_bit_cast(V, ix < ihi ? ix : ihi);
}

// 2^f for |f| ≤ ½: the degree-6 Chebyshev interpolant (coefficients from
// numpy's chebinterpolate; approximation error 2.5e-9, ~1 ulp in float).
template <class V>
[[gnu::always_inline]] inline V exp2Fraction(V f) {
  V p = splatAs<V>(1.5461444854736328e-4f);
  p = p * f + 1.3400427997112274e-3f;
  p = p * f + 9.6180569380521774e-3f;
  p = p * f + 5.5503271520137787e-2f;
  p = p * f + 2.4022650718688965e-1f;
  p = p * f + 6.9314718246459961e-1f;
  p = p * f + 1.0f;
  return p;
}

// 2^x lane by lane, for the scan's decay factors exp(Δ·A) = 2^(Δ·A·log₂e):
// x = k + f with k = round(x) and |f| ≤ ½; 2^f by a degree-6 polynomial
// (the Chebyshev interpolant of 2^f on [−½, ½], coefficients from numpy's
// chebinterpolate: approximation error 2.5e-9, ~1e-7 = 1 ulp in float
// arithmetic); 2^k applied by adding k to the exponent bits (an integer
// add, which keeps the multiply ports for the polynomial). x is clamped to
// [−125, 127] so the exponent never wraps: below that the state's decay is
// complete anyway (2^−125 ≈ 2.4e-38).
template <class V>
[[gnu::always_inline]] inline V exp2Scan(V x) {
  using I = simd::IntOf<V>;
  x = clampBits(x, -125.0f, 127.0f);
  const V shifted = x + 12582912.0f;  // 1.5·2^23: the sum's low mantissa bits hold round(x)
  const V f = x - (shifted - 12582912.0f);
  const V p = exp2Fraction(f);
  // bits(shifted) = bits(1.5·2^23) + k, whose bits above the 9th are zero
  // after the shift: what remains is k·2^23, k added to p's exponent.
  const I bits = __builtin_bit_cast(I, p) + (__builtin_bit_cast(I, shifted) << 23);
  return __builtin_bit_cast(V, bits);
}

// softplus as torch computes it (threshold 20): max(x, 0) + log(1 + e^−|x|),
// and x itself above 20. e^−|x| through exp2Scan: the cheaper exp (integer
// clamp), as accurate here.
template <class V>
[[gnu::always_inline]] inline V softplusOf(V v) {
  const V absV = v < 0 ? -v : v;
  const V soft = (v > 0 ? v : splatAs<V>(0.0f)) + log1pUnit(exp2Scan(absV * -1.4426950408889634f));
  // NaN stays NaN, as in torch (the exp's clamp would turn it finite).
  return (v > 20.0f) | (v != v) ? v : soft;
}

// x·σ(x) = x / (1 + e^−x), Mamba's gate; e^−x through exp2Scan (its clamp
// at 2^127 still sends the gate to 0 for x ≪ 0).
template <class V>
[[gnu::always_inline]] inline V siluOf(V x) {
  return x / (1.0f + exp2Scan(x * -1.4426950408889634f));
}

constexpr int kMaxScanState = 256;

// Throws std::invalid_argument naming the bad size.
void checkScanShape(const ScanShape& s);

}  // namespace loupe::ssm::detail
