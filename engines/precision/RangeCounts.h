// Range statistics of a float32 tensor in a narrower format — the exponent
// histogram and how many values overflow, underflow to 0, land subnormal or
// normal — on the CPU and, in CUDA builds, on the GPU (RangeCountsCuda.cu).
//
// Both paths classify a value by comparing |x| with three edges found once
// on the host from the CPU's own rounding (classify() in Format.h), so the
// GPU counts what the CPU counts, value for value; the per-value functions
// below are compiled for both (LOUPE_HOST_DEVICE) and the CPU tests run them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "engines/core/Device.h"
#include "engines/precision/Format.h"

#if defined(__CUDACC__)
#define LOUPE_HOST_DEVICE __host__ __device__
#else
#define LOUPE_HOST_DEVICE
#endif

namespace loupe::precision {

// |x| ≤ zeroUpTo rounds to 0; |x| < normalFrom (and above that) is
// subnormal; |x| ≥ overflowFrom overflows. Found by bisection over float32
// bit patterns against classify().
struct OutcomeEdges {
  float zeroUpTo = 0, normalFrom = 0, overflowFrom = 0;
};
OutcomeEdges outcomeEdges(Format format);

// Slots of a RangeCounts' counters.
enum RangeSlot { kZero, kNotFinite, kUnderflow, kSubnormal, kNormal, kOverflow, kRangeSlots };

struct RangeCounts {
  static constexpr int kMinExponent = -149, kExponentBins = 277;  // as TensorStats
  std::int64_t count = 0;
  std::int64_t slots[kRangeSlots] = {};
  std::vector<std::int64_t> exponentHistogram = std::vector<std::int64_t>(kExponentBins, 0);
};

// The bits of a float (memcpy: no aliasing trouble, free after optimisation).
LOUPE_HOST_DEVICE inline std::uint32_t floatBits(float x) {
  std::uint32_t b;
  std::memcpy(&b, &x, sizeof b);
  return b;
}

// floor(log2|x|) − kMinExponent for finite non-zero x, −1 otherwise.
LOUPE_HOST_DEVICE inline int exponentBin(float x) {
  const std::uint32_t b = floatBits(x) & 0x7fffffffu;
  const int e = static_cast<int>(b >> 23);
  if (b == 0 || e == 255) return -1;
  if (e > 0) return e - 127 - RangeCounts::kMinExponent;
  int top = 22;  // subnormal: the highest set mantissa bit
  while (!((b >> top) & 1u)) --top;
  return top - 149 - RangeCounts::kMinExponent;
}

LOUPE_HOST_DEVICE inline int rangeSlot(float x, const OutcomeEdges& e) {
  if ((floatBits(x) & 0x7fffffffu) >= 0x7f800000u) return kNotFinite;  // NaN or ±inf
  const float a = x < 0 ? -x : x;
  if (a == 0) return kZero;
  if (a <= e.zeroUpTo) return kUnderflow;
  if (a < e.normalFrom) return kSubnormal;
  return a >= e.overflowFrom ? kOverflow : kNormal;
}

// The readable loop over rangeSlot() and exponentBin().
RangeCounts rangeCounts(const float* values, std::size_t count, Format format);

// The CUDA path: copies the values to the GPU, counts with shared-memory
// histograms, copies the counts back. Throws CudaUnavailable (with the
// reason, engines/core/Device.h) when this build or this machine has no
// CUDA device, and on any CUDA error; callers fall back to rangeCounts() and log why.
RangeCounts rangeCountsCuda(const float* values, std::size_t count, Format format);

// For the GPU benchmark: the kernel alone over `count` device-resident
// lognormal-like values; the median of `repeats` runs in milliseconds.
double timeRangeCountsCuda(std::size_t count, Format format, int repeats);

}  // namespace loupe::precision
