#include "engines/precision/TensorStats.h"

#include <immintrin.h>
#include <algorithm>
#include <cmath>
#include <cstring>

#include "engines/core/ThreadPool.h"

namespace loupe::precision {

void TensorStats::merge(const TensorStats& o) {
  count += o.count, zeros += o.zeros, nans += o.nans, infinities += o.infinities;
  overflow += o.overflow, underflow += o.underflow, subnormal += o.subnormal, normal += o.normal;
  rounded += o.rounded, exact += o.exact;
  maxRelativeError = std::max(maxRelativeError, o.maxRelativeError);
  sumRelativeError += o.sumRelativeError;
  for (int i = 0; i < kExponentBins; ++i)
    exponentHistogram[static_cast<std::size_t>(i)] += o.exponentHistogram[static_cast<std::size_t>(i)];
  for (int i = 0; i < kErrorBins; ++i)
    errorHistogram[static_cast<std::size_t>(i)] += o.errorHistogram[static_cast<std::size_t>(i)];
}

namespace {

// One value into the statistics; q is its value in the format.
inline void account(TensorStats& s, float x, double q, double minNormal) {
  ++s.count;
  if (std::isnan(x)) {
    ++s.nans;
    return;
  }
  if (std::isinf(x)) {
    ++s.infinities;
    return;
  }
  if (x == 0) {
    ++s.zeros;
    return;
  }
  int e;
  std::frexp(x, &e);  // |x| = f·2^e, f ∈ [½, 1): floor(log2|x|) = e − 1
  ++s.exponentHistogram[static_cast<std::size_t>(e - 1 - TensorStats::kMinExponent)];
  if (!std::isfinite(q)) {
    ++s.overflow;
    return;
  }
  if (q == 0) {
    ++s.underflow;
    return;
  }
  ++(std::fabs(q) < minNormal ? s.subnormal : s.normal);
  const double rel = std::fabs(q - static_cast<double>(x)) / std::fabs(static_cast<double>(x));
  s.sumRelativeError += rel;
  s.maxRelativeError = std::max(s.maxRelativeError, rel);
  if (rel == 0) {
    ++s.exact;
    return;
  }
  ++s.rounded;
  int re;
  std::frexp(rel, &re);
  const int bin = std::clamp(re - 1 - TensorStats::kMinErrorExponent, 0, TensorStats::kErrorBins - 1);
  ++s.errorHistogram[static_cast<std::size_t>(bin)];
}

// fp16, 8 values at a time with F16C: the outcome from integer compares on
// |x|'s bit pattern against the format's thresholds, the rounded value by
// vcvtps2ph / vcvtph2ps (round to nearest even), the relative error in
// float64 as account() computes it, the histograms by scalar increments —
// the same statistics as account() on every value (the test compares both
// paths with numpy).
struct Fp16Thresholds {
  std::uint32_t overflow, underflowMax, subnormalEnd;  // |x| bit patterns
};

Fp16Thresholds fp16Thresholds() {
  auto bitsOf = [](float f) {
    std::uint32_t b;
    std::memcpy(&b, &f, 4);
    return b;
  };
  // ≥ 65520 rounds to inf; ≤ 2^−25 (a tie with 0, which is even) rounds to 0;
  // below (2047/2048)·2^−14 (the tie between the largest subnormal, odd, and
  // 2^−14) stays subnormal.
  return {bitsOf(65520.0f), bitsOf(std::ldexp(1.0f, -25)), bitsOf(std::ldexp(2047.0f / 2048.0f, -14))};
}

// Lanes set in a compare mask (a lambda would not inherit the target).
[[gnu::target("avx2"), gnu::always_inline]] inline int pop(__m256i mask) {
  return __builtin_popcount(static_cast<unsigned>(_mm256_movemask_ps(_mm256_castsi256_ps(mask))));
}

[[gnu::target("avx2,fma,f16c")]] void fp16Block(const float* x, std::size_t n, TensorStats& s,
                                                const Fp16Thresholds& th) {
  const __m256i absMask = _mm256_set1_epi32(0x7fffffff), inf = _mm256_set1_epi32(0x7f800000);
  // Signed compares are safe: |x| patterns are non-negative as int32.
  const __m256i over = _mm256_set1_epi32(static_cast<int>(th.overflow) - 1),
                underEnd = _mm256_set1_epi32(static_cast<int>(th.underflowMax) + 1),
                subEnd = _mm256_set1_epi32(static_cast<int>(th.subnormalEnd)), zero = _mm256_setzero_si256();
  const __m256d signMask = _mm256_set1_pd(-0.0);
  __m256d sum = _mm256_setzero_pd(), max = _mm256_setzero_pd();
  std::int64_t counts[8] = {};  // nan, inf, zero, overflow, underflow, subnormal, normal, exact
  std::size_t i = 0;
  alignas(32) std::uint32_t absBits[8];
  alignas(32) std::int32_t expBins[8];
  alignas(32) std::int64_t errBins[8];
  alignas(32) double rel[8];
  std::int64_t exponents[TensorStats::kExponentBins + 1] = {}, errors[TensorStats::kErrorBins + 1] = {};
  for (; i + 8 <= n; i += 8) {
    const __m256 v = _mm256_loadu_ps(x + i);
    const __m256i a = _mm256_and_si256(_mm256_castps_si256(v), absMask);
    const __m256i isNan = _mm256_cmpgt_epi32(a, inf), isInf = _mm256_cmpeq_epi32(a, inf);
    const __m256i isZero = _mm256_cmpeq_epi32(a, zero);
    const __m256i finite = _mm256_cmpgt_epi32(inf, a);
    const __m256i isOver = _mm256_andnot_si256(_mm256_cmpgt_epi32(over, a), finite);  // finite, ≥ the threshold
    const __m256i isUnder = _mm256_andnot_si256(isZero, _mm256_cmpgt_epi32(underEnd, a));
    const __m256i isSub = _mm256_andnot_si256(isUnder, _mm256_andnot_si256(isZero, _mm256_cmpgt_epi32(subEnd, a)));
    const __m256i kept = _mm256_andnot_si256(_mm256_or_si256(_mm256_or_si256(isZero, isUnder), isOver), finite);
    counts[0] += pop(isNan), counts[1] += pop(isInf), counts[2] += pop(isZero), counts[3] += pop(isOver);
    counts[4] += pop(isUnder), counts[5] += pop(isSub), counts[6] += pop(_mm256_andnot_si256(isSub, kept));
    // The rounded value and the relative error (float64), on the kept lanes.
    const __m256 q = _mm256_cvtph_ps(_mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
    const __m256 keptF = _mm256_castsi256_ps(kept);
    for (int h = 0; h < 2; ++h) {
      const __m128 vh = h ? _mm256_extractf128_ps(v, 1) : _mm256_castps256_ps128(v);
      const __m128 qh = h ? _mm256_extractf128_ps(q, 1) : _mm256_castps256_ps128(q);
      const __m128 kh = h ? _mm256_extractf128_ps(keptF, 1) : _mm256_castps256_ps128(keptF);
      const __m256d xd = _mm256_cvtps_pd(vh), qd = _mm256_cvtps_pd(qh);
      __m256d r = _mm256_div_pd(_mm256_andnot_pd(signMask, _mm256_sub_pd(qd, xd)), _mm256_andnot_pd(signMask, xd));
      r = _mm256_and_pd(r, _mm256_castsi256_pd(_mm256_cvtepi32_epi64(_mm_castps_si128(kh))));  // 0 where not kept
      sum = _mm256_add_pd(sum, r);
      max = _mm256_max_pd(max, r);
      _mm256_store_pd(rel + 4 * h, r);
    }
    // Histogram bins for all lanes at once, branch-free: lanes that do not
    // count go to a spare last bin. Exponent: (bits >> 23) − 127 for normal
    // floats; float32 subnormal inputs (exponent field 0) are fixed up apart.
    const __m256i finiteNonzero = _mm256_andnot_si256(isZero, finite);
    const __m256i bins = _mm256_blendv_epi8(
        _mm256_set1_epi32(TensorStats::kExponentBins),
        _mm256_sub_epi32(_mm256_srli_epi32(a, 23), _mm256_set1_epi32(127 + TensorStats::kMinExponent)), finiteNonzero);
    _mm256_store_si256(reinterpret_cast<__m256i*>(expBins), bins);
    const unsigned tiny = static_cast<unsigned>(_mm256_movemask_ps(
        _mm256_castsi256_ps(_mm256_andnot_si256(isZero, _mm256_cmpgt_epi32(_mm256_set1_epi32(0x00800000), a)))));
    if (tiny) {
      _mm256_store_si256(reinterpret_cast<__m256i*>(absBits), a);
      for (int k = 0; k < 8; ++k)
        if (tiny >> k & 1) expBins[k] = 31 - __builtin_clz(absBits[k]) - 149 - TensorStats::kMinExponent;
    }
    for (int k = 0; k < 8; ++k) ++exponents[expBins[k]];
    // Relative-error bins from the float64 exponent, clamped; exact (rel = 0)
    // and not-kept lanes to the spare bin, the exact ones counted by mask.
    for (int h = 0; h < 2; ++h) {
      const __m256d r = _mm256_load_pd(rel + 4 * h);
      const __m256i e64 = _mm256_sub_epi64(_mm256_srli_epi64(_mm256_castpd_si256(r), 52),
                                           _mm256_set1_epi64x(1023 + TensorStats::kMinErrorExponent));
      const __m256i lo = _mm256_setzero_si256(), hi = _mm256_set1_epi64x(TensorStats::kErrorBins - 1);
      __m256i b = _mm256_blendv_epi8(e64, lo, _mm256_cmpgt_epi64(lo, e64));
      b = _mm256_blendv_epi8(b, hi, _mm256_cmpgt_epi64(b, hi));
      const __m256i isExact = _mm256_castpd_si256(_mm256_cmp_pd(r, _mm256_setzero_pd(), _CMP_EQ_OQ));
      b = _mm256_blendv_epi8(b, _mm256_set1_epi64x(TensorStats::kErrorBins), isExact);  // rel 0: exact or not kept
      _mm256_store_si256(reinterpret_cast<__m256i*>(errBins + 4 * h), b);
    }
    const unsigned exactBits = static_cast<unsigned>(
        _mm256_movemask_pd(_mm256_cmp_pd(_mm256_load_pd(rel), _mm256_setzero_pd(), _CMP_EQ_OQ)) |
        (_mm256_movemask_pd(_mm256_cmp_pd(_mm256_load_pd(rel + 4), _mm256_setzero_pd(), _CMP_EQ_OQ)) << 4));
    counts[7] += __builtin_popcount(exactBits & static_cast<unsigned>(_mm256_movemask_ps(keptF)));
    for (int k = 0; k < 8; ++k) ++errors[errBins[k]];
  }
  for (int b = 0; b < TensorStats::kExponentBins; ++b) s.exponentHistogram[static_cast<std::size_t>(b)] += exponents[b];
  for (int b = 0; b < TensorStats::kErrorBins; ++b) s.errorHistogram[static_cast<std::size_t>(b)] += errors[b];
  alignas(32) double lanes[4];
  _mm256_store_pd(lanes, sum);
  s.sumRelativeError += (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
  _mm256_store_pd(lanes, max);
  s.maxRelativeError = std::max({s.maxRelativeError, lanes[0], lanes[1], lanes[2], lanes[3]});
  const std::int64_t keptCount = counts[5] + counts[6];
  s.count += static_cast<std::int64_t>(i);
  s.nans += counts[0], s.infinities += counts[1], s.zeros += counts[2], s.overflow += counts[3];
  s.underflow += counts[4], s.subnormal += counts[5], s.normal += counts[6];
  s.exact += counts[7], s.rounded += keptCount - counts[7];
  // The tail, value by value.
  const double minNormal = limits(Format::F16).minNormal;
  for (; i < n; ++i) account(s, x[i], decode(Format::F16, encode(Format::F16, x[i])), minNormal);
}

bool haveF16c() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
}

TensorStats statsOf(const float* values, std::size_t count, std::size_t stride, Format format) {
  TensorStats s;
  s.format = format;
  static const bool f16c = haveF16c();
  if (format == Format::F16 && stride == 1 && f16c) {
    static const Fp16Thresholds th = fp16Thresholds();
    fp16Block(values, count, s, th);
    return s;
  }
  const double minNormal = limits(format).minNormal;
  for (std::size_t i = 0; i < count; ++i) {
    const float x = values[i * stride];
    account(s, x, decode(format, encode(format, x)), minNormal);
  }
  return s;
}

}  // namespace

TensorStats tensorStatsReference(const float* values, std::size_t count, Format format) {
  TensorStats s;
  s.format = format;
  const double minNormal = limits(format).minNormal;
  for (std::size_t i = 0; i < count; ++i)
    account(s, values[i], decode(format, encodeReference(format, values[i])), minNormal);
  return s;
}

TensorStats tensorStats(const float* values, std::size_t count, Format format) {
  const std::int64_t blocks = static_cast<std::int64_t>((count + 65535) / 65536);
  std::vector<TensorStats> parts(static_cast<std::size_t>(std::max<std::int64_t>(blocks, 1)));
  ThreadPool::shared().parallelFor(0, blocks, 1, [&](std::int64_t a, std::int64_t b) {
    for (std::int64_t k = a; k < b; ++k) {
      const std::size_t begin = static_cast<std::size_t>(k) * 65536;
      parts[static_cast<std::size_t>(k)] =
          statsOf(values + begin, std::min<std::size_t>(65536, count - begin), 1, format);
    }
  });
  TensorStats total;
  total.format = format;
  for (const auto& p : parts) total.merge(p);
  return total;
}

std::vector<TensorStats> perChannelStats(const float* values, std::size_t rows, std::size_t channels, Format format) {
  std::vector<TensorStats> out(channels);
  ThreadPool::shared().parallelFor(0, static_cast<std::int64_t>(channels), 1, [&](std::int64_t a, std::int64_t b) {
    for (std::int64_t c = a; c < b; ++c) out[static_cast<std::size_t>(c)] = statsOf(values + c, rows, channels, format);
  });
  return out;
}

}  // namespace loupe::precision
