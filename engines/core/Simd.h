// Eight-lane float vectors for the engines' fast paths, written with GCC
// vector extensions so one source compiles to AVX2/FMA, AVX-512 or SSE in
// whatever target a caller is built for (always_inline: they take on the
// caller's instruction set). No intrinsics, no third-party SIMD library.
#pragma once

#include <cstdint>

namespace loupe::simd {

typedef float F8 __attribute__((vector_size(32)));
typedef std::int32_t I8 __attribute__((vector_size(32)));
// Sixteen lanes, for paths built for AVX-512 (one instruction per 16 lanes).
typedef float F16 __attribute__((vector_size(64)));
typedef std::int32_t I16 __attribute__((vector_size(64)));

constexpr int kLanes = 8;

// The integer vector of a float vector's shape (what its comparisons give).
template <class V>
using IntOf = decltype(V{} < V{});
template <class V>
constexpr int lanesOf = static_cast<int>(sizeof(V) / sizeof(float));

template <class V>
[[gnu::always_inline]] inline V loadAs(const float* p) {
  typedef float U __attribute__((vector_size(sizeof(V)), aligned(4)));
  return *reinterpret_cast<const U*>(p);
}
template <class V>
[[gnu::always_inline]] inline void storeV(float* p, V x) {
  typedef float U __attribute__((vector_size(sizeof(V)), aligned(4)));
  *reinterpret_cast<U*>(p) = x;
}
// Lane 0 shuffled into all lanes: one vbroadcastss. (V{} + x costs a
// scalar add, since 0 + x is not x for x = −0; an all-lanes initialiser
// came out as a chain of inserts once inlined into an AVX2 function.)
template <class V>
[[gnu::always_inline]] inline V splatAs(float x) {
  return __builtin_shuffle(V{x}, IntOf<V>{});
}

[[gnu::always_inline]] inline F8 load(const float* p) {
  return loadAs<F8>(p);
}
[[gnu::always_inline]] inline void store(float* p, F8 x) {
  storeV(p, x);
}
[[gnu::always_inline]] inline F8 splat(float x) {
  return splatAs<F8>(x);
}

// e^x lane by lane: x = k·ln2 + r with |r| ≤ ln2/2 (Cody–Waite split of
// ln2), e^r by its Taylor series to r⁷/7! (relative error < 1e-8, below
// float rounding), 2^k built in the exponent bits. x is clamped to
// [−87, 88] (e^−87 ≈ 1.6e-38 is still a normal float, e^88 ≈ 1.7e38 the
// largest power that is), except that −inf gives exactly 0 (masked scores).
template <class V>
[[gnu::always_inline]] inline V expOf(V x) {
  using I = IntOf<V>;
  V v = x < splatAs<V>(-87.0f) ? splatAs<V>(-87.0f) : x;
  v = v > splatAs<V>(88.0f) ? splatAs<V>(88.0f) : v;
  const V k = (v * 1.44269504088896341f + 12582912.0f) - 12582912.0f;  // round to nearest (1.5·2^23 trick)
  const V r = (v - k * 0.693145751953125f) - k * 1.428606765330187e-6f;
  V p = splatAs<V>(1.0f / 5040);
  p = p * r + 1.0f / 720;
  p = p * r + 1.0f / 120;
  p = p * r + 1.0f / 24;
  p = p * r + 1.0f / 6;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  const I bits = (__builtin_convertvector(k, I) + 127) << 23;
  const V result = p * __builtin_bit_cast(V, bits);
  const I masked = x == splatAs<V>(-__builtin_inff());  // all ones where x = −inf
  const I kept = __builtin_bit_cast(I, result) & ~masked;
  return __builtin_bit_cast(V, kept);
}
[[gnu::always_inline]] inline F8 exp8(F8 x) {
  return expOf(x);
}

[[gnu::always_inline]] inline float horizontalSum(F8 x) {
  return ((x[0] + x[4]) + (x[1] + x[5])) + ((x[2] + x[6]) + (x[3] + x[7]));
}

}  // namespace loupe::simd
