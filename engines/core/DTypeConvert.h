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

// Element i (in C order) of the view, as double.
double elementAsDouble(const ArrayView& view, std::int64_t flatIndex);

// All elements in C order.
std::vector<float> toFloat32(const ArrayView& view);

}  // namespace loupe
