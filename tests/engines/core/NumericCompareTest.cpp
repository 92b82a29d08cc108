// NaN-aware error measures: a NaN is never dropped (the std::max trap), sizes
// must match, and the values are the textbook ones on small cases.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <limits>
#include <span>
#include <vector>

#include "engines/core/NumericCompare.h"

namespace loupe {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

TEST(NumericCompare, StdMaxDropsANaNAndNanAwareMaxDoesNot) {
  double naive = 0, aware = 0;
  for (double e : {0.5, std::numeric_limits<double>::quiet_NaN(), 0.25}) {
    naive = std::max(naive, e);
    aware = nanAwareMax(aware, e);
  }
  EXPECT_EQ(naive, 0.5);  // the trap: the NaN vanished
  EXPECT_EQ(aware, kInf);
  EXPECT_EQ(nanAwareMax(1.0, 2.0), 2.0);
  EXPECT_EQ(nanAwareMax(kInf, 0.0), kInf);
}

TEST(NumericCompare, MaxAbsError) {
  const std::vector<float> a = {1.0f, 2.5f, -3.0f};
  const std::vector<double> b = {1.0, 2.0, -3.25};
  EXPECT_EQ(maxAbsError(a, b), 0.5);
  EXPECT_EQ(maxAbsError(std::vector<double>{}, std::vector<double>{}), 0.0);
  EXPECT_EQ(maxAbsError(std::array<double, 2>{1, 2.5}, std::span<const double>(b).first(2)), 0.5);
  // A NaN anywhere, on either side, even first or last, makes it infinite.
  for (std::size_t i = 0; i < 3; ++i) {
    std::vector<float> bad = a;
    bad[i] = NAN;
    EXPECT_EQ(maxAbsError(bad, b), kInf) << i;
    std::vector<double> badRef = b;
    badRef[i] = NAN;
    EXPECT_EQ(maxAbsError(a, badRef), kInf) << i;
  }
  EXPECT_EQ(maxAbsError(std::vector<double>{INFINITY}, std::vector<double>{INFINITY}), kInf);  // inf − inf
  EXPECT_EQ(maxAbsError(std::vector<double>{1.7e308}, std::vector<double>{-1.7e308}), kInf);   // overflows
  EXPECT_THROW(maxAbsError(a, std::vector<double>{1, 2}), AssertionError);
}

TEST(NumericCompare, MaxRelError) {
  const std::vector<double> ref = {2.0, -4.0, 0.0};
  EXPECT_EQ(maxRelError(std::vector<double>{2.2, -4.0, 0.0}, ref), std::fabs(2.2 - 2.0) / 2.0);
  EXPECT_EQ(maxRelError(std::vector<double>{2.0, -5.0, 0.0}, ref), 0.25);
  EXPECT_EQ(maxRelError(std::vector<double>{2.0, -4.0, 1e-30}, ref), kInf);  // anything but 0 against 0
  // absFloor: relative above it, absolute below.
  EXPECT_EQ(maxRelError(std::vector<double>{2.0, -4.0, 0.5}, ref, 1.0), 0.5);
  EXPECT_EQ(maxRelError(std::vector<double>{3.0, -4.0, 0.0}, ref, 1.0), 1.0 / 3.0);
  EXPECT_EQ(maxRelError(std::vector<double>{NAN, -4.0, 0.0}, ref), kInf);
  EXPECT_EQ(maxRelError(std::vector<double>{2.0, -4.0, 0.0}, std::vector<double>{2.0, -4.0, NAN}), kInf);
  EXPECT_THROW(maxRelError(std::vector<double>{1}, ref), AssertionError);
}

TEST(NumericCompare, NormalisedMse) {
  const std::vector<double> ref = {3.0, 4.0};  // Σ ref² = 25
  EXPECT_EQ(normalisedMse(ref, ref), 0.0);
  EXPECT_EQ(normalisedMse(std::vector<double>{0, 0}, ref), 1.0);
  EXPECT_DOUBLE_EQ(normalisedMse(std::vector<double>{3.0, 5.0}, ref), 1.0 / 25.0);
  EXPECT_EQ(normalisedMse(std::vector<double>{0, 0}, std::vector<double>{0, 0}), 0.0);
  EXPECT_EQ(normalisedMse(std::vector<double>{1, 0}, std::vector<double>{0, 0}), kInf);
  EXPECT_EQ(normalisedMse(std::vector<double>{NAN, 4.0}, ref), kInf);
  EXPECT_EQ(normalisedMse(std::vector<double>{3.0, INFINITY}, ref), kInf);
  EXPECT_THROW(normalisedMse(std::vector<double>{1, 2, 3}, ref), AssertionError);
}

TEST(NumericCompare, NamedTolerancesKeepTheirValues) {
  EXPECT_EQ(tolerance::kFloat32Kernel, 1e-5);
  EXPECT_EQ(tolerance::kFloat32TwoUlpRel, 2.4e-7);
  EXPECT_GE(tolerance::kFloat32TwoUlpRel, 2 * std::ldexp(1.0, -23));  // two float ulps, relative
  EXPECT_EQ(tolerance::kFloat64ClosedForm, 1e-15);
  EXPECT_EQ(tolerance::kFloat64Algorithm, 1e-12);
  EXPECT_EQ(tolerance::kFloat64LongSum, 1e-9);
  EXPECT_EQ(tolerance::kSevenDecimals, 5e-8);
}

}  // namespace
}  // namespace loupe
