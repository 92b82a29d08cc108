// Eight-lane float vectors for the engines' fast paths, written with GCC
// vector extensions so one source compiles to AVX2/FMA, AVX-512 or SSE in
// whatever target a caller is built for (always_inline: they take on the
// caller's instruction set). No intrinsics, no third-party SIMD library.
#pragma once

#include <cstdint>

namespace loupe::simd {

typedef float F8 __attribute__((vector_size(32)));
typedef float F8Unaligned __attribute__((vector_size(32), aligned(4)));
typedef std::int32_t I8 __attribute__((vector_size(32)));

constexpr int kLanes = 8;

[[gnu::always_inline]] inline F8 load(const float* p) {
  return *reinterpret_cast<const F8Unaligned*>(p);
}
[[gnu::always_inline]] inline void store(float* p, F8 x) {
  *reinterpret_cast<F8Unaligned*>(p) = x;
}
[[gnu::always_inline]] inline F8 splat(float x) {
  return F8{} + x;
}

// e^x lane by lane: x = k·ln2 + r with |r| ≤ ln2/2 (Cody–Waite split of
// ln2), e^r by its Taylor series to r⁷/7! (relative error < 1e-8, below
// float rounding), 2^k built in the exponent bits. x is clamped to
// [−87, 88] (e^−87 ≈ 1.6e-38 is still a normal float, e^88 ≈ 1.7e38 the
// largest power that is), except that −inf gives exactly 0 (masked scores).
[[gnu::always_inline]] inline F8 exp8(F8 x) {
  F8 v = x < splat(-87.0f) ? splat(-87.0f) : x;
  v = v > splat(88.0f) ? splat(88.0f) : v;
  const F8 k = (v * 1.44269504088896341f + 12582912.0f) - 12582912.0f;  // round to nearest (1.5·2^23 trick)
  const F8 r = (v - k * 0.693145751953125f) - k * 1.428606765330187e-6f;
  F8 p = splat(1.0f / 5040);
  p = p * r + 1.0f / 720;
  p = p * r + 1.0f / 120;
  p = p * r + 1.0f / 24;
  p = p * r + 1.0f / 6;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  const I8 bits = (__builtin_convertvector(k, I8) + 127) << 23;
  const F8 result = p * __builtin_bit_cast(F8, bits);
  const I8 masked = x == splat(-__builtin_inff());  // all ones where x = −inf
  const I8 kept = __builtin_bit_cast(I8, result) & ~masked;
  return __builtin_bit_cast(F8, kept);
}

[[gnu::always_inline]] inline float horizontalSum(F8 x) {
  return ((x[0] + x[4]) + (x[1] + x[5])) + ((x[2] + x[6]) + (x[3] + x[7]));
}

}  // namespace loupe::simd
