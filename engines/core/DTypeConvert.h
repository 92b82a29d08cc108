// Element conversion to float32/float64 for display and export: every DType,
// any strides. f16 and bf16 are decoded exactly (every f16/bf16 value is a
// float32 value); integers and bools convert as static_cast would; f64 → f32
// rounds to nearest.
#pragma once

#include <cstdint>
#include <vector>

#include "engines/core/ArrayView.h"

namespace loupe {

float halfBitsToFloat(std::uint16_t bits);
float bfloat16BitsToFloat(std::uint16_t bits);

// float32 → f16 / bf16 bits, rounding to nearest with ties to even (what
// numpy's astype(float16) and torch's .bfloat16() do). f16: magnitudes
// ≥ 65520 become ±inf, below 2^-14 become subnormals (or ±0); NaN stays a
// quiet NaN with its sign.
std::uint16_t floatToHalfBits(float value);
std::uint16_t floatToBfloat16Bits(float value);

// Element i (in C order) of the view, as double.
double elementAsDouble(const ArrayView& view, std::int64_t flatIndex);

// All elements in C order.
std::vector<float> toFloat32(const ArrayView& view);

}  // namespace loupe
