// Comparing computed numbers with reference numbers, for the kinds' error
// metrics and the tests: largest absolute and relative error and the
// normalised mean squared error, none of which lets a NaN through.
//
// The trap these exist for: `worst = std::max(worst, std::fabs(a - b))`
// returns `worst` when the difference is NaN (every comparison with NaN is
// false), so a kernel that writes NaN everywhere reports an error of 0. Here
// a NaN or infinite difference makes the result +inf. That includes NaN
// against NaN and inf against inf: compare non-finite values separately
// where they are expected.
//
// The functions take any two random-access ranges of arithmetic values of
// the same length (std::vector, std::span, std::array, …); a length mismatch
// throws AssertionError. Accumulation is in double.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <ranges>
#include <string>

#include "engines/core/Assert.h"

namespace loupe {

// max(worst, error), where a NaN error gives +inf instead of being dropped.
inline double nanAwareMax(double worst, double error) {
  return std::isnan(error) ? std::numeric_limits<double>::infinity() : std::max(worst, error);
}

// max_i |actual[i] − expected[i]|; 0 for empty ranges; +inf when any
// difference is NaN or infinite.
template <std::ranges::random_access_range A, std::ranges::random_access_range E>
double maxAbsError(const A& actual, const E& expected) {
  const auto n = std::ranges::size(actual);
  LOUPE_ASSERT(n == std::ranges::size(expected),
               "maxAbsError: " + std::to_string(n) + " values against " + std::to_string(std::ranges::size(expected)));
  double worst = 0;
  auto e = std::ranges::begin(expected);
  for (auto a = std::ranges::begin(actual); a != std::ranges::end(actual); ++a, ++e)
    worst = nanAwareMax(worst, std::fabs(static_cast<double>(*a) - static_cast<double>(*e)));
  return worst;
}

// max_i |actual[i] − expected[i]| / (|expected[i]| + absFloor). With the
// default absFloor = 0 an exact match of 0 counts as 0 and any other value
// against an expected 0 as +inf; absFloor = 1 gives the usual "relative
// above 1, absolute below" mix. +inf when any difference is NaN or infinite.
template <std::ranges::random_access_range A, std::ranges::random_access_range E>
double maxRelError(const A& actual, const E& expected, double absFloor = 0) {
  const auto n = std::ranges::size(actual);
  LOUPE_ASSERT(n == std::ranges::size(expected),
               "maxRelError: " + std::to_string(n) + " values against " + std::to_string(std::ranges::size(expected)));
  double worst = 0;
  auto e = std::ranges::begin(expected);
  for (auto a = std::ranges::begin(actual); a != std::ranges::end(actual); ++a, ++e) {
    const double ref = static_cast<double>(*e);
    const double diff = std::fabs(static_cast<double>(*a) - ref);
    if (diff == 0) continue;  // also 0 against 0 (the division would be NaN)
    worst = nanAwareMax(worst, diff / (std::fabs(ref) + absFloor));
  }
  return worst;
}

// Σ (actual − expected)² / Σ expected²: 0 for a perfect match, 1 for an
// all-zero `actual`. 0 when both sums are 0 (empty ranges, all zeros); +inf
// when only the reference is all zero, or any difference is NaN or infinite.
template <std::ranges::random_access_range A, std::ranges::random_access_range E>
double normalisedMse(const A& actual, const E& expected) {
  const auto n = std::ranges::size(actual);
  LOUPE_ASSERT(n == std::ranges::size(expected), "normalisedMse: " + std::to_string(n) + " values against " +
                                                     std::to_string(std::ranges::size(expected)));
  double err = 0, ref = 0;
  auto e = std::ranges::begin(expected);
  for (auto a = std::ranges::begin(actual); a != std::ranges::end(actual); ++a, ++e) {
    const double d = static_cast<double>(*a) - static_cast<double>(*e);
    if (!std::isfinite(d)) return std::numeric_limits<double>::infinity();
    err += d * d;
    ref += static_cast<double>(*e) * static_cast<double>(*e);
  }
  if (err == 0) return 0;
  return ref == 0 ? std::numeric_limits<double>::infinity() : err / ref;
}

// Named tolerances: the literal bounds the tests used most, with why each
// value is what it is. Use these rather than a bare literal when the reason
// matches; a bound with a different reason gets its own comment at its use.
namespace tolerance {

// float32 kernels (tiled/flash, linear, sparse, GAU, S4 recurrences) against
// a float64 reference on O(1) inputs: float32 rounding (2^-24 ≈ 6e-8 per
// operation) grown over reductions of a few hundred terms stays below 1e-5.
// The FlashAttention/xformers test suites use the same order for fp32.
inline constexpr double kFloat32Kernel = 1e-5;

// Two float32 ulps relative (2 × 2^-23 ≈ 2.4e-7): a float32 result that must
// be correctly rounded up to one extra rounding step (the selective scan's
// closed-form cases).
inline constexpr double kFloat32TwoUlpRel = 2.4e-7;

// float64 closed forms evaluated in a different order: a few ulps of values
// near 1 (2^-52 ≈ 2.2e-16 each), e.g. smoothed probabilities.
inline constexpr double kFloat64ClosedForm = 1e-15;

// float64 algorithms against an independent float64 evaluation (matrix
// exponentials, discretisations, Vandermonde kernels, expected costs):
// rounding accumulated over O(100–1000) operations on values near 1.
inline constexpr double kFloat64Algorithm = 1e-12;

// float64 long sums and chained products (probabilities summing to 1 over a
// vocabulary, percentages over a frame, log-probabilities of a sentence):
// O(10^4–10^6) terms.
inline constexpr double kFloat64LongSum = 1e-9;

// A value published to 7 decimals (papers, reference tables): half a unit
// of the last printed digit.
inline constexpr double kSevenDecimals = 5e-8;

}  // namespace tolerance

}  // namespace loupe
