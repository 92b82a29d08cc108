#include "engines/lm/Linear.h"

#include <cblas.h>
#include <immintrin.h>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <vector>

#include "engines/core/CpuFeatures.h"
#include "engines/core/DTypeConvert.h"
#include "engines/core/ThreadPool.h"

namespace loupe::lm {

namespace {

float weightAt(const Matrix& w, std::size_t i) {
  switch (w.dtype) {
    case DType::F16:
      return halfBitsToFloat(static_cast<const std::uint16_t*>(w.data)[i]);
    case DType::BF16:
      return bfloat16BitsToFloat(static_cast<const std::uint16_t*>(w.data)[i]);
    default:
      return static_cast<const float*>(w.data)[i];
  }
}

// Rows [r0, r1) of y for T ≤ kGemvRows x rows, portable: one weight row
// decoded into `row`, then dotted with each x row.
void gemvRowsPortable(const float* x, int T, const Matrix& w, float* y, int r0, int r1) {
  std::vector<float> row(static_cast<std::size_t>(w.cols));
  for (int r = r0; r < r1; ++r) {
    widenRow(w, r, row.data());
    for (int t = 0; t < T; ++t) {
      const float* xt = x + static_cast<std::size_t>(t) * w.cols;
      float acc = 0;
      for (int c = 0; c < w.cols; ++c) acc += xt[c] * row[c];
      y[static_cast<std::size_t>(t) * w.rows + r] = acc;
    }
  }
}

// Eight weights of row `p` at column c, as floats, whatever the dtype.
template <DType D>
[[gnu::target("avx2,fma,f16c"), gnu::always_inline]] inline __m256 load8(const void* p, int c) {
  if constexpr (D == DType::F32) {
    return _mm256_loadu_ps(static_cast<const float*>(p) + c);
  } else {
    const __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(static_cast<const std::uint16_t*>(p) + c));
    if constexpr (D == DType::F16) return _mm256_cvtph_ps(h);
    // bf16 is the top half of an f32: widen to 32 bits and shift into place.
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
  }
}

// One weight of row `p` at column c, as a float (the F16C scalar
// conversion, inlined, for the columns past the last full vector).
template <DType D>
[[gnu::target("avx2,fma,f16c"), gnu::always_inline]] inline float load1(const void* p, int c) {
  if constexpr (D == DType::F32) {
    return static_cast<const float*>(p)[c];
  } else {
    const std::uint16_t h = static_cast<const std::uint16_t*>(p)[c];
    if constexpr (D == DType::F16) return _cvtsh_ss(h);
    return std::bit_cast<float>(std::uint32_t{h} << 16);  // bf16: the top half of an f32
  }
}

// The sums of four vectors, lane k of the result the sum of v_k's lanes.
[[gnu::target("avx2,fma,f16c")]] inline __m128 sum8x4(__m256 v0, __m256 v1, __m256 v2, __m256 v3) {
  const __m256 h = _mm256_hadd_ps(_mm256_hadd_ps(v0, v1), _mm256_hadd_ps(v2, v3));
  return _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
}

// Weight rows r … r + R − 1 against T x rows, AVX2: each 8 weights decoded
// once and used for every x row, each x load used for every weight row;
// the R·T sums reduced four at a time (with short rows — Mamba's 192- and
// 384-wide projections — one reduction a row cost more than its FMAs), then
// the columns past the last multiple of 8 (a Δ projection is 12 wide) by
// the scalar conversion. R and T are template parameters so the R·T ≤ 8
// accumulators stay in registers.
template <DType D, int T, int R>
[[gnu::target("avx2,fma,f16c"), gnu::always_inline]] inline void gemvBlock(const float* x, const Matrix& w, float* y,
                                                                           int r) {
  const int cols = w.cols, body = cols / 8 * 8;
  const std::size_t elem = D == DType::F32 ? 4 : 2;
  const void* rows[R];
  for (int i = 0; i < R; ++i)
    rows[i] = static_cast<const char*>(w.data) + static_cast<std::size_t>(r + i) * cols * elem;
  __m256 a[R * T];
  for (__m256& v : a) v = _mm256_setzero_ps();
  for (int c = 0; c < body; c += 8) {
    __m256 wc[R];
    for (int i = 0; i < R; ++i) wc[i] = load8<D>(rows[i], c);
    for (int t = 0; t < T; ++t) {
      const __m256 xc = _mm256_loadu_ps(x + static_cast<std::size_t>(t) * cols + c);
      for (int i = 0; i < R; ++i) a[i * T + t] = _mm256_fmadd_ps(wc[i], xc, a[i * T + t]);
    }
  }
  constexpr int kSums = (R * T + 3) / 4 * 4;
  alignas(16) float sums[kSums];
  for (int k = 0; k < R * T; k += 4) {
    const __m256 z = _mm256_setzero_ps();
    const int n = R * T - k;
    _mm_store_ps(sums + k, sum8x4(a[k], n > 1 ? a[k + 1] : z, n > 2 ? a[k + 2] : z, n > 3 ? a[k + 3] : z));
  }
  for (int i = 0; i < R; ++i)
    for (int t = 0; t < T; ++t) {
      const float* xt = x + static_cast<std::size_t>(t) * cols;
      float acc = sums[i * T + t];
      for (int c = body; c < cols; ++c) acc += xt[c] * load1<D>(rows[i], c);
      y[static_cast<std::size_t>(t) * w.rows + r + i] = acc;
    }
}

// Rows [r0, r1) of y for T x rows: blocks of four weight rows for one
// token, of two for a draft chain's 2–4 rows in verification, then single rows.
template <DType D, int T>
[[gnu::target("avx2,fma,f16c")]] void gemvTAvx2(const float* x, const Matrix& w, float* y, int r0, int r1) {
  constexpr int R = T == 1 ? 4 : 2;
  int r = r0;
  for (; r + R <= r1; r += R) gemvBlock<D, T, R>(x, w, y, r);
  for (; r < r1; ++r) gemvBlock<D, T, 1>(x, w, y, r);
}

template <DType D>
[[gnu::target("avx2,fma,f16c")]] void gemvRowsAvx2(const float* x, int T, const Matrix& w, float* y, int r0, int r1) {
  static_assert(kGemvRows == 4, "one kernel for each T up to kGemvRows");
  switch (T) {
    case 1:
      return gemvTAvx2<D, 1>(x, w, y, r0, r1);
    case 2:
      return gemvTAvx2<D, 2>(x, w, y, r0, r1);
    case 3:
      return gemvTAvx2<D, 3>(x, w, y, r0, r1);
    default:
      return gemvTAvx2<D, 4>(x, w, y, r0, r1);
  }
}

using GemvFn = void (*)(const float*, int, const Matrix&, float*, int, int);

GemvFn pickGemv(DType d, bool portable) {
  if (portable || !cpuHasAvx2FmaF16c()) return gemvRowsPortable;
  if (d == DType::F16) return gemvRowsAvx2<DType::F16>;
  if (d == DType::BF16) return gemvRowsAvx2<DType::BF16>;
  return gemvRowsAvx2<DType::F32>;
}

void gemv(const float* x, int T, const Matrix& w, float* y, bool portable) {
  const GemvFn fn = pickGemv(w.dtype, portable);
  // About 64 KB of weights per chunk: enough work to outweigh a hand-off
  // (with 32 KB, two threads ran Mamba's 295 KB in-projection slower than one).
  const std::int64_t grain = std::max<std::int64_t>(1, (std::int64_t{64} << 10) / (std::int64_t{w.cols} * 2));
  ThreadPool::shared().parallelFor(0, w.rows, grain, [&](std::int64_t a, std::int64_t b) {
    fn(x, T, w, y, static_cast<int>(a), static_cast<int>(b));
  });
}

// T > kGemvRows: W widened to f32 a block of rows at a time (at most ~32 MB),
// each block one SGEMM writing its columns of y.
void gemm(const float* x, int T, const Matrix& w, float* y) {
  if (w.dtype == DType::F32) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, T, w.rows, w.cols, 1.0f, x, w.cols,
                static_cast<const float*>(w.data), w.cols, 0.0f, y, w.rows);
    return;
  }
  const int block = std::max(1, std::min(w.rows, (8 << 20) / std::max(1, w.cols)));
  std::vector<float> wide(static_cast<std::size_t>(block) * w.cols);
  for (int r0 = 0; r0 < w.rows; r0 += block) {
    const int rows = std::min(block, w.rows - r0);
    ThreadPool::shared().parallelFor(0, rows, 16, [&](std::int64_t a, std::int64_t b) {
      for (std::int64_t r = a; r < b; ++r)
        widenRow(w, r0 + static_cast<int>(r), &wide[static_cast<std::size_t>(r) * w.cols]);
    });
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, T, rows, w.cols, 1.0f, x, w.cols, wide.data(), w.cols, 0.0f,
                y + r0, w.rows);
  }
}

}  // namespace

void widenRow(const Matrix& w, int r, float* out) {
  const std::size_t base = static_cast<std::size_t>(r) * w.cols;
  if (w.dtype == DType::F32) {
    std::copy_n(static_cast<const float*>(w.data) + base, w.cols, out);
    return;
  }
  for (int c = 0; c < w.cols; ++c) out[c] = weightAt(w, base + c);
}

void linearReference(const float* x, int T, const Matrix& w, float* y) {
  for (int t = 0; t < T; ++t)
    for (int r = 0; r < w.rows; ++r) {
      double acc = 0;
      for (int c = 0; c < w.cols; ++c)
        acc += static_cast<double>(x[static_cast<std::size_t>(t) * w.cols + c]) *
               weightAt(w, static_cast<std::size_t>(r) * w.cols + c);
      y[static_cast<std::size_t>(t) * w.rows + r] = static_cast<float>(acc);
    }
}

void linear(const float* x, int T, const Matrix& w, float* y) {
  if (T <= kGemvRows)
    gemv(x, T, w, y, false);
  else
    gemm(x, T, w, y);
}

void linearPortable(const float* x, int T, const Matrix& w, float* y) {
  for (int t0 = 0; t0 < T; t0 += kGemvRows)
    gemv(x + static_cast<std::size_t>(t0) * w.cols, std::min(kGemvRows, T - t0), w,
         y + static_cast<std::size_t>(t0) * w.rows, true);
}

}  // namespace loupe::lm
