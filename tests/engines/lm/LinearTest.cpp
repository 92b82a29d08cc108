// The matrix kernels against the definition (linearReference, double
// sums): the AVX2 matrix-vector kernel, the portable one and the SGEMM
// path, for every weight dtype, batch sizes on both sides of kGemvRows,
// row counts on both sides of the one-token kernel's blocks of four, and
// widths that are not multiples of the vector length (or shorter than it).
#include <gtest/gtest.h>

#include <random>

#include "engines/core/DTypeConvert.h"
#include "engines/lm/Linear.h"

namespace loupe::lm {
namespace {

struct Weights {
  std::vector<float> f32;
  std::vector<std::uint16_t> bits;
  Matrix m;
};

Weights makeWeights(DType dtype, int rows, int cols, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> n(0.0f, 1.0f);
  Weights w;
  w.f32.resize(static_cast<std::size_t>(rows) * cols);
  for (float& x : w.f32) x = n(rng);
  w.m = {dtype, rows, cols, w.f32.data(), "w"};
  if (dtype != DType::F32) {
    for (float x : w.f32) w.bits.push_back(dtype == DType::F16 ? floatToHalfBits(x) : floatToBfloat16Bits(x));
    w.m.data = w.bits.data();
  }
  return w;
}

TEST(Linear, EveryPathEqualsTheDefinition) {
  for (DType dtype : {DType::F32, DType::F16, DType::BF16})
    for (int T : {1, 2, 3, 4, 5, 33})
      for (auto [rows, cols] : {std::pair{37, 70}, std::pair{128, 192}, std::pair{5, 9}, std::pair{43, 12},
                                std::pair{6, 16}, std::pair{3, 7}}) {
        const Weights w = makeWeights(dtype, rows, cols, static_cast<unsigned>(rows + cols + T));
        std::mt19937 rng(T);
        std::normal_distribution<float> n(0.0f, 1.0f);
        std::vector<float> x(static_cast<std::size_t>(T) * cols);
        for (float& v : x) v = n(rng);
        std::vector<float> ref(static_cast<std::size_t>(T) * rows), fast(ref.size()), portable(ref.size());
        linearReference(x.data(), T, w.m, ref.data());
        linear(x.data(), T, w.m, fast.data());
        linearPortable(x.data(), T, w.m, portable.data());
        for (std::size_t i = 0; i < ref.size(); ++i) {
          // f32 sums of `cols` products of N(0,1) values: a few ulps of √cols.
          const float tol = 2e-5f * std::sqrt(static_cast<float>(cols)) * 4;
          ASSERT_NEAR(fast[i], ref[i], tol)
              << dtypeName(dtype) << " T=" << T << " " << rows << "×" << cols << " i=" << i;
          ASSERT_NEAR(portable[i], ref[i], tol) << dtypeName(dtype) << " T=" << T << " i=" << i;
        }
      }
}

TEST(Linear, WidenRowDecodesEachDtypeExactly) {
  const Weights w = makeWeights(DType::BF16, 3, 10, 1);
  std::vector<float> row(10);
  widenRow(w.m, 2, row.data());
  for (int c = 0; c < 10; ++c) EXPECT_EQ(row[c], bfloat16BitsToFloat(w.bits[20 + c]));
}

}  // namespace
}  // namespace loupe::lm
