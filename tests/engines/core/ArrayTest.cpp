#include <gtest/gtest.h>

#include <string>

#include "engines/core/Array.h"

namespace loupe {
namespace {

TEST(DType, NamesAndSizesRoundTrip) {
  const std::pair<DType, std::size_t> expected[] = {{DType::F16, 2}, {DType::BF16, 2}, {DType::F32, 4}, {DType::F64, 8},
                                                    {DType::I8, 1},  {DType::I32, 4},  {DType::I64, 8}, {DType::U8, 1},
                                                    {DType::U16, 2}, {DType::Bool, 1}};
  for (const auto& [dtype, size] : expected) {
    EXPECT_EQ(dtypeSize(dtype), size) << dtypeName(dtype);
    EXPECT_EQ(dtypeFromName(dtypeName(dtype)), dtype);
  }
  EXPECT_FALSE(dtypeFromName("float32").has_value());
}

TEST(ArrayView, ContiguousStridesAreRowMajorBytes) {
  EXPECT_EQ(contiguousStrides({2, 3, 4}, DType::F32), (Strides{48, 16, 4}));
  EXPECT_EQ(shapeNumel({2, 3, 4}), 24);
  EXPECT_EQ(shapeNumel({}), 1);
  EXPECT_EQ(shapeNumel({5, 0}), 0);
  EXPECT_THROW(shapeNumel({2, -1}), std::invalid_argument);
}

TEST(ArrayView, DetectsContiguity) {
  float data[6] = {};
  EXPECT_TRUE(ArrayView(data, DType::F32, {2, 3}).isContiguous());
  EXPECT_FALSE(ArrayView(data, DType::F32, {3, 2}, {4, 12}).isContiguous());  // transpose
  EXPECT_TRUE(ArrayView(data, DType::F32, {1, 3}, {999, 4}).isContiguous());  // extent-1 stride is free
}

TEST(Array, CopyOfTransposedViewMatchesIndexFormula) {
  // Source is 3x4 row-major with value r*10+c; a transposed view (4x3) read
  // element (i, j) must equal source(j, i) — checked by the index formula.
  std::vector<double> src(12);
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 4; ++c) src[r * 4 + c] = r * 10 + c;
  const ArrayView transposed(src.data(), DType::F64, {4, 3}, {8, 32});
  const Array copy = Array::copyOf(transposed);
  ASSERT_EQ(copy.shape(), (Shape{4, 3}));
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 3; ++j) EXPECT_EQ(copy.data<double>()[i * 3 + j], j * 10 + i);
}

TEST(Array, CopyOfEveryOtherElement) {
  std::int32_t src[10];
  for (int i = 0; i < 10; ++i) src[i] = i * i;
  const Array copy = Array::copyOf(ArrayView(src, DType::I32, {5}, {8}));
  for (int i = 0; i < 5; ++i) EXPECT_EQ(copy.data<std::int32_t>()[i], (2 * i) * (2 * i));
}

TEST(Array, ZeroInitialisedAndSized) {
  Array a(DType::U16, {3, 5});
  EXPECT_EQ(a.nbytes(), 30u);
  EXPECT_EQ(a.numel(), 15);
  for (int i = 0; i < 15; ++i) EXPECT_EQ(a.data<std::uint16_t>()[i], 0);
  EXPECT_THROW(Array(DType::F32, {-2}), std::invalid_argument);
}

// data<T>() checks the dtype, not only the element size: an f32 array read as
// i32 (same size) is refused with both types named, in release builds too.
TEST(Array, DataChecksTheDTypeNotOnlyTheSize) {
  Array f(DType::F32, {2, 3});
  EXPECT_NO_THROW(f.data<float>());
  try {
    f.data<std::int32_t>();
    FAIL() << "an f32 array read as i32";
  } catch (const AssertionError& e) {
    EXPECT_STREQ(e.what(),
                 "Array::data<i32>() on an array of dtype f32, shape [2, 3]: the element type must match the dtype");
  }
  const Array& constF = f;
  EXPECT_THROW(constF.data<std::int32_t>(), AssertionError);
  EXPECT_THROW(f.data<double>(), AssertionError);

  // f16/bf16 are read as their uint16_t bit patterns; u16 as uint16_t.
  for (DType d : {DType::F16, DType::BF16, DType::U16}) EXPECT_NO_THROW(Array(d, {4}).data<std::uint16_t>());
  EXPECT_THROW(Array(DType::I8, {4}).data<std::uint8_t>(), AssertionError);
  EXPECT_THROW(Array(DType::Bool, {4}).data<std::uint8_t>(), AssertionError);
  EXPECT_NO_THROW(Array(DType::Bool, {4}).data<bool>());
  EXPECT_NO_THROW(Array(DType::U8, {4}).data<std::uint8_t>());
  try {
    Array(DType::F16, {1}).data<float>();
    FAIL() << "an f16 array read as f32";
  } catch (const AssertionError& e) {
    EXPECT_NE(std::string(e.what()).find("(f16/bf16 elements are read as uint16_t)"), std::string::npos) << e.what();
  }
}

TEST(Array, FromValuesRefusesAWrongCount) {
  const std::vector<float> three = {1, 2, 3};
  EXPECT_THROW(Array::fromValues<float>({2, 2}, std::span<const float>(three)), AssertionError);
  EXPECT_EQ(Array::fromValues<float>({3}, std::span<const float>(three)).data<float>()[2], 3.0f);
}

}  // namespace
}  // namespace loupe
