// What a tensor would go through in a narrower format: for float32 values
// converted to fp16, bf16, E4M3 or E5M2 (round to nearest even, the format's
// own overflow), the counts of exact zeros, NaN and ±inf already present,
// overflows (finite values rounding past max), underflows (non-zero values
// becoming ±0), subnormal and normal results; the histogram of the inputs'
// binary exponents floor(log2|x|); and the relative rounding error
// |q − x|/|x| of the values that stay finite and non-zero — its maximum,
// mean and a histogram by binary exponent (exact integer bins, so results
// compare exactly against numpy's frexp).
//
// tensorStatsReference() is the readable loop; tensorStats() splits the
// tensor over threads and merges; perChannelStats() does it per slice.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "engines/precision/Format.h"

namespace loupe::precision {

struct TensorStats {
  // floor(log2|x|) of finite non-zero float32 values lies in [−149, 127].
  static constexpr int kMinExponent = -149, kExponentBins = 277;
  // floor(log2 of the relative error) in [−64, 0]; bin 0 also takes larger.
  static constexpr int kMinErrorExponent = -64, kErrorBins = 65;

  Format format = Format::F16;
  std::int64_t count = 0, zeros = 0, nans = 0, infinities = 0;
  std::int64_t overflow = 0, underflow = 0, subnormal = 0, normal = 0;
  std::vector<std::int64_t> exponentHistogram = std::vector<std::int64_t>(kExponentBins, 0);
  // Values that stay finite and non-zero: their rounding error.
  std::int64_t rounded = 0, exact = 0;  // of them, how many changed / did not
  double maxRelativeError = 0, sumRelativeError = 0;
  std::vector<std::int64_t> errorHistogram = std::vector<std::int64_t>(kErrorBins, 0);  // changed values only

  double meanRelativeError() const {
    return rounded + exact ? sumRelativeError / static_cast<double>(rounded + exact) : 0.0;
  }
  // Adds another part's counts (a thread's share, another tensor).
  void merge(const TensorStats& other);
};

TensorStats tensorStatsReference(const float* values, std::size_t count, Format format);

// Which fast path computes fp16 statistics: Auto takes the widest this CPU
// has; tests pin each one. Other formats take the portable loop. The fast
// paths compute the relative error in float32 from the exact difference, so
// its maximum and mean are within 2⁻²⁴ (relative) of the float64 reference's;
// every count and histogram bin is exact.
enum class StatsIsa { Auto, Avx512, Avx2, Portable };
bool statsIsaAvailable(StatsIsa isa);
// Throws std::invalid_argument when isa is not available.
TensorStats tensorStats(const float* values, std::size_t count, Format format, StatsIsa isa = StatsIsa::Auto);

// values is rows × channels (row-major); one TensorStats per channel.
std::vector<TensorStats> perChannelStats(const float* values, std::size_t rows, std::size_t channels, Format format);

}  // namespace loupe::precision
