// fp16 statistics, vectorised. The outcome of each value comes from integer
// compares on |x|'s bit pattern against the format's thresholds, the rounded
// value from vcvtps2ph / vcvtph2ps (round to nearest even), the counts from
// vector lanes.
//
// The relative error is |q − x| / |x| in float32. The difference is exact
// (q and x lie within a factor of two, or both are multiples of x's ulp near
// the subnormal range), so the quotient is the exact error rounded once to
// float32: within 2⁻²⁴ of it, and never rounded across a power of two (a
// quotient below 2ᵏ is at most 2ᵏ(1 − 2⁻²⁴) less a little), so its binary
// exponent — the histogram bin — is exact. Every changed value's error lies in
// (2⁻²⁴, 1) — at least x's ulp over x, less than |x| since 0 is a candidate —
// so bins −24 … −1, inside a window of 32 error bins. The slot is clamped to
// the window all the same, so no input can index outside the table (the
// tests compare every bin with the reference loop over random bit patterns).
//
// Both histograms come from one joint table indexed by (exponent bin, error
// slot): one scalar increment per value instead of two, spread over enough
// cells that consecutive increments rarely wait on each other. (The error
// bins alone cluster in two or three cells, and a run of increments to one
// cell is a store-to-load chain: it took half the time.)
#include "engines/precision/Fp16Stats.h"

#include <immintrin.h>
#include <algorithm>
#include <bit>
#include <cstdint>
#include <vector>

namespace loupe::precision::detail {
namespace {

// |x| bit patterns: ≥ 65520 rounds to inf; ≤ 2⁻²⁵ (a tie with 0, which is
// even) rounds to 0; below (2047/2048)·2⁻¹⁴ (the tie between the largest
// subnormal, odd, and 2⁻¹⁴) stays subnormal.
constexpr std::uint32_t kOverflow = std::bit_cast<std::uint32_t>(65520.0f),
                        kUnderflowMax = std::bit_cast<std::uint32_t>(0x1p-25f),
                        kSubnormalEnd = std::bit_cast<std::uint32_t>(0x1.ffcp-15f);  // (2047/2048)·2⁻¹⁴

// The joint table: one row per exponent bin and a spare row; in a row, the
// slot says what became of the value.
constexpr int kWindowLow = 32, kWindowSlots = 32;  // slots 0 … 31: changed, error bin 32 … 63
constexpr int kExactSlot = 32;                     // kept, unchanged
constexpr int kLostSlot = 33;                      // finite, non-zero, not kept: underflow or overflow by row
constexpr int kRowCells = 34, kSpareRow = TensorStats::kExponentBins, kRows = kSpareRow + 1;
// In the spare row: zeros, infinities, NaN.
constexpr int kZeroSlot = 0, kInfSlot = 1, kNanSlot = 2;
// Cells and lane counts are 32-bit: a chunk keeps them from overflowing.
constexpr std::size_t kChunk = std::size_t(1) << 24;

// floor(log2|x|) of a float32 subnormal, as an exponent-histogram row.
int subnormalRow(std::uint32_t absBits) {
  return 31 - __builtin_clz(absBits) - 149 - TensorStats::kMinExponent;
}

// The table into the statistics: rows are the exponent histogram, slots the
// error histogram and the counts. subnormal: the kernel's own count.
void addCells(TensorStats& s, const std::uint32_t* cells, std::int64_t subnormal) {
  std::int64_t kept = 0, exact = 0;
  for (int r = 0; r < kSpareRow; ++r) {
    const std::uint32_t* row = cells + r * kRowCells;
    std::int64_t total = 0;
    for (int j = 0; j < kRowCells; ++j) total += row[j];
    s.exponentHistogram[static_cast<std::size_t>(r)] += total;
    for (int j = 0; j < kWindowSlots; ++j) s.errorHistogram[static_cast<std::size_t>(kWindowLow + j)] += row[j];
    exact += row[kExactSlot];
    kept += total - row[kLostSlot];
    (r + TensorStats::kMinExponent < 0 ? s.underflow : s.overflow) += row[kLostSlot];
  }
  const std::uint32_t* spare = cells + kSpareRow * kRowCells;
  s.zeros += spare[kZeroSlot], s.infinities += spare[kInfSlot], s.nans += spare[kNanSlot];
  s.exact += exact, s.rounded += kept - exact;
  s.subnormal += subnormal, s.normal += kept - subnormal;
}

// Cell indices wait in a batch and are counted in one tight loop. Increments
// interleaved with the AVX-512 vector work took 18 ms of a 40 ms pass on one
// core, batched 10 ms (a likely cause: loads of one lane's cell issued ahead
// of another lane's store to the same cell, and replayed).
class CellBatch {
 public:
  explicit CellBatch(std::uint32_t* cells) : m_cells(cells) {}
  ~CellBatch() { flush(); }
  std::uint16_t* slots(std::size_t lanes) {
    if (m_filled + lanes > kSize) flush();
    std::uint16_t* at = m_batch + m_filled;
    m_filled += lanes;
    return at;
  }
  void flush() {
    for (std::size_t k = 0; k < m_filled; ++k) ++m_cells[m_batch[k]];
    m_filled = 0;
  }

 private:
  static constexpr std::size_t kSize = 4096;
  static_assert(kRows * kRowCells <= 65536, "cell indices are 16-bit");
  alignas(64) std::uint16_t m_batch[kSize];
  std::uint32_t* m_cells;
  std::size_t m_filled = 0;
};

// What a kernel gathers besides the table.
struct LaneTotals {
  std::int64_t subnormal = 0;
  double sumRelative = 0, maxRelative = 0;
};

template <class Kernel>
std::size_t inChunks(const float* x, std::size_t n, TensorStats& s, std::size_t width, Kernel kernel) {
  const std::size_t whole = n / width * width;
  std::vector<std::uint32_t> cells(kRows * kRowCells);
  for (std::size_t done = 0; done < whole; done += kChunk) {
    std::fill(cells.begin(), cells.end(), 0u);
    const std::size_t count = std::min(kChunk, whole - done);
    const LaneTotals t = kernel(x + done, count, cells.data());
    addCells(s, cells.data(), t.subnormal);
    s.count += static_cast<std::int64_t>(count);
    s.sumRelativeError += t.sumRelative;
    s.maxRelativeError = std::max(s.maxRelativeError, t.maxRelative);
  }
  return whole;
}

// n is a multiple of 8.
[[gnu::target("avx2,fma,f16c")]] LaneTotals avx2Chunk(const float* x, std::size_t n, std::uint32_t* cells) {
  const __m256i absMask = _mm256_set1_epi32(0x7fffffff), infBelow = _mm256_set1_epi32(0x7f800000 - 1);
  // Signed compares are safe: |x| patterns are non-negative as int32.
  const __m256i overflow = _mm256_set1_epi32(static_cast<int>(kOverflow)),
                underflowMax = _mm256_set1_epi32(static_cast<int>(kUnderflowMax)),
                subEnd = _mm256_set1_epi32(static_cast<int>(kSubnormalEnd)), zero = _mm256_setzero_si256(),
                smallestNormal = _mm256_set1_epi32(0x00800000);
  const __m256i expOffset = _mm256_set1_epi32(127 + TensorStats::kMinExponent),
                errOffset = _mm256_set1_epi32(127 + TensorStats::kMinErrorExponent + kWindowLow),
                spareRow = _mm256_set1_epi32(kSpareRow), lastWindowSlot = _mm256_set1_epi32(kWindowSlots - 1),
                exactSlot = _mm256_set1_epi32(kExactSlot), lostSlot = _mm256_set1_epi32(kLostSlot),
                nanSlot = _mm256_set1_epi32(kNanSlot), rowCells = _mm256_set1_epi32(kRowCells);
  __m256i subnormals = zero;
  __m256d sum = _mm256_setzero_pd();
  __m256 max = _mm256_setzero_ps();
  CellBatch batch(cells);
  for (std::size_t i = 0; i < n; i += 8) {
    const __m256 v = _mm256_loadu_ps(x + i);
    const __m256i a = _mm256_and_si256(_mm256_castps_si256(v), absMask);
    const __m256i isZero = _mm256_cmpeq_epi32(a, zero);
    const __m256i special = _mm256_or_si256(isZero, _mm256_cmpgt_epi32(a, infBelow));  // 0, inf, NaN
    const __m256i kept = _mm256_and_si256(_mm256_cmpgt_epi32(a, underflowMax), _mm256_cmpgt_epi32(overflow, a));
    // A compare mask is −1 per set lane: subtracting it counts.
    subnormals = _mm256_sub_epi32(subnormals, _mm256_and_si256(kept, _mm256_cmpgt_epi32(subEnd, a)));
    // The rounded value and the relative error on the kept lanes (0 elsewhere).
    const __m256 q = _mm256_cvtph_ps(_mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
    const __m256 diff = _mm256_andnot_ps(_mm256_set1_ps(-0.0f), _mm256_sub_ps(q, v));
    const __m256 rel = _mm256_and_ps(_mm256_div_ps(diff, _mm256_castsi256_ps(a)), _mm256_castsi256_ps(kept));
    const __m256i relBits = _mm256_castps_si256(rel);
    const __m256i changed = _mm256_cmpgt_epi32(relBits, zero);
    sum = _mm256_add_pd(sum, _mm256_add_pd(_mm256_cvtps_pd(_mm256_castps256_ps128(rel)),
                                           _mm256_cvtps_pd(_mm256_extractf128_ps(rel, 1))));
    max = _mm256_max_ps(max, rel);
    // Row: the exponent bin (float32 subnormals fixed up apart), or spare.
    __m256i row = _mm256_blendv_epi8(_mm256_sub_epi32(_mm256_srli_epi32(a, 23), expOffset), spareRow, special);
    // Slot: lost, a special's (0 zero, 1 inf, 2 NaN), exact, or the error bin.
    const __m256i errSlot = _mm256_min_epi32(
        _mm256_max_epi32(_mm256_sub_epi32(_mm256_srli_epi32(relBits, 23), errOffset), zero), lastWindowSlot);
    const __m256i specialSlot = _mm256_max_epi32(_mm256_min_epi32(_mm256_sub_epi32(a, infBelow), nanSlot), zero);
    __m256i slot = _mm256_blendv_epi8(lostSlot, specialSlot, special);
    slot = _mm256_blendv_epi8(slot, exactSlot, kept);
    slot = _mm256_blendv_epi8(slot, errSlot, changed);
    const unsigned tiny = static_cast<unsigned>(
        _mm256_movemask_ps(_mm256_castsi256_ps(_mm256_andnot_si256(isZero, _mm256_cmpgt_epi32(smallestNormal, a)))));
    if (tiny) [[unlikely]] {
      alignas(32) std::int32_t rows[8];
      alignas(32) std::uint32_t absBits[8];
      _mm256_store_si256(reinterpret_cast<__m256i*>(rows), row);
      _mm256_store_si256(reinterpret_cast<__m256i*>(absBits), a);
      for (int k = 0; k < 8; ++k)
        if (tiny >> k & 1) rows[k] = subnormalRow(absBits[k]);
      row = _mm256_load_si256(reinterpret_cast<const __m256i*>(rows));
    }
    const __m256i index = _mm256_add_epi32(_mm256_mullo_epi32(row, rowCells), slot);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(batch.slots(8)),
                     _mm_packus_epi32(_mm256_castsi256_si128(index), _mm256_extracti128_si256(index, 1)));
  }
  LaneTotals t;
  alignas(32) std::int32_t lanes[8];
  _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), subnormals);
  for (std::int32_t lane : lanes) t.subnormal += lane;
  alignas(32) double sums[4];
  _mm256_store_pd(sums, sum);
  t.sumRelative = (sums[0] + sums[1]) + (sums[2] + sums[3]);
  alignas(32) float maxima[8];
  _mm256_store_ps(maxima, max);
  t.maxRelative = *std::max_element(maxima, maxima + 8);
  return t;
}

#define LOUPE_AVX512 "avx512f,avx512vl,avx512bw,avx512dq,avx2,fma,f16c"

// GCC 12's AVX-512 intrinsics pass _mm512_undefined_*() as the unused merge
// operand, which -Wmaybe-uninitialized reports once inlined here.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"

// The same with 16 lanes and compares into mask registers. n is a multiple
// of 16.
[[gnu::target(LOUPE_AVX512)]] LaneTotals avx512Chunk(const float* x, std::size_t n, std::uint32_t* cells) {
  const __m512i absMask = _mm512_set1_epi32(0x7fffffff), infBelow = _mm512_set1_epi32(0x7f800000 - 1);
  const __m512i overflow = _mm512_set1_epi32(static_cast<int>(kOverflow)),
                underflowMax = _mm512_set1_epi32(static_cast<int>(kUnderflowMax)),
                subEnd = _mm512_set1_epi32(static_cast<int>(kSubnormalEnd)), zero = _mm512_setzero_si512(),
                one = _mm512_set1_epi32(1), smallestNormal = _mm512_set1_epi32(0x00800000);
  const __m512i expOffset = _mm512_set1_epi32(127 + TensorStats::kMinExponent),
                errOffset = _mm512_set1_epi32(127 + TensorStats::kMinErrorExponent + kWindowLow),
                spareRow = _mm512_set1_epi32(kSpareRow), lastWindowSlot = _mm512_set1_epi32(kWindowSlots - 1),
                exactSlot = _mm512_set1_epi32(kExactSlot), lostSlot = _mm512_set1_epi32(kLostSlot),
                nanSlot = _mm512_set1_epi32(kNanSlot), rowCells = _mm512_set1_epi32(kRowCells);
  __m512i subnormals = zero;
  __m512d sum = _mm512_setzero_pd();
  __m512 max = _mm512_setzero_ps();
  CellBatch batch(cells);
  for (std::size_t i = 0; i < n; i += 16) {
    const __m512 v = _mm512_loadu_ps(x + i);
    const __m512i a = _mm512_and_si512(_mm512_castps_si512(v), absMask);
    const __mmask16 special = _mm512_cmpeq_epi32_mask(a, zero) | _mm512_cmpgt_epi32_mask(a, infBelow);
    const __mmask16 kept = _mm512_cmpgt_epi32_mask(a, underflowMax) & _mm512_cmplt_epi32_mask(a, overflow);
    subnormals = _mm512_mask_add_epi32(subnormals, _mm512_mask_cmplt_epi32_mask(kept, a, subEnd), subnormals, one);
    const __m512 q = _mm512_cvtph_ps(_mm512_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
    const __m512 diff = _mm512_abs_ps(_mm512_sub_ps(q, v));
    const __m512 rel = _mm512_maskz_div_ps(kept, diff, _mm512_castsi512_ps(a));
    const __m512i relBits = _mm512_castps_si512(rel);
    const __mmask16 changed = _mm512_cmpgt_epi32_mask(relBits, zero);
    sum = _mm512_add_pd(sum, _mm512_add_pd(_mm512_cvtps_pd(_mm512_castps512_ps256(rel)),
                                           _mm512_cvtps_pd(_mm512_extractf32x8_ps(rel, 1))));
    max = _mm512_max_ps(max, rel);
    __m512i row = _mm512_mask_mov_epi32(_mm512_sub_epi32(_mm512_srli_epi32(a, 23), expOffset), special, spareRow);
    const __m512i errSlot = _mm512_min_epi32(
        _mm512_max_epi32(_mm512_sub_epi32(_mm512_srli_epi32(relBits, 23), errOffset), zero), lastWindowSlot);
    const __m512i specialSlot = _mm512_max_epi32(_mm512_min_epi32(_mm512_sub_epi32(a, infBelow), nanSlot), zero);
    __m512i slot = _mm512_mask_mov_epi32(lostSlot, special, specialSlot);
    slot = _mm512_mask_mov_epi32(slot, kept, exactSlot);
    slot = _mm512_mask_mov_epi32(slot, changed, errSlot);
    const __mmask16 tiny = _mm512_mask_cmplt_epi32_mask(static_cast<__mmask16>(~special), a, smallestNormal);
    if (tiny) [[unlikely]] {
      alignas(64) std::int32_t rows[16];
      alignas(64) std::uint32_t absBits[16];
      _mm512_store_si512(rows, row);
      _mm512_store_si512(absBits, a);
      for (int k = 0; k < 16; ++k)
        if (tiny >> k & 1) rows[k] = subnormalRow(absBits[k]);
      row = _mm512_load_si512(rows);
    }
    const __m512i index = _mm512_add_epi32(_mm512_mullo_epi32(row, rowCells), slot);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(batch.slots(16)), _mm512_cvtepi32_epi16(index));
  }
  LaneTotals t;
  t.subnormal = _mm512_reduce_add_epi32(subnormals);
  t.sumRelative = _mm512_reduce_add_pd(sum);
  t.maxRelative = _mm512_reduce_max_ps(max);
  return t;
}

#pragma GCC diagnostic pop

}  // namespace

std::size_t fp16StatsAvx2(const float* x, std::size_t n, TensorStats& s) {
  return inChunks(x, n, s, 8, avx2Chunk);
}

std::size_t fp16StatsAvx512(const float* x, std::size_t n, TensorStats& s) {
  return inChunks(x, n, s, 16, avx512Chunk);
}

}  // namespace loupe::precision::detail
