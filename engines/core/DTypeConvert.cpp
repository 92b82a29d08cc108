#include "engines/core/DTypeConvert.h"

#include <cmath>
#include <cstring>

namespace loupe {

float halfBitsToFloat(std::uint16_t h) {
  const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000) << 16;
  const int exponent = (h >> 10) & 0x1f;
  const std::uint32_t mantissa = h & 0x3ff;
  float magnitude;
  if (exponent == 0) {
    magnitude = std::ldexp(static_cast<float>(mantissa), -24);  // subnormal: m · 2^-24
  } else if (exponent == 31) {
    magnitude = mantissa ? NAN : INFINITY;
  } else {
    magnitude = std::ldexp(static_cast<float>(mantissa | 0x400), exponent - 25);  // (1024 + m) · 2^(e-25)
  }
  float out;
  std::uint32_t bits;
  std::memcpy(&bits, &magnitude, 4);
  bits |= sign;
  std::memcpy(&out, &bits, 4);
  return out;
}

float bfloat16BitsToFloat(std::uint16_t bits) {
  const std::uint32_t wide = static_cast<std::uint32_t>(bits) << 16;
  float out;
  std::memcpy(&out, &wide, 4);
  return out;
}

double elementAsDouble(const ArrayView& view, std::int64_t flat) {
  // Walk the C-order index back into per-dimension offsets.
  std::int64_t offset = 0;
  for (int d = view.ndim() - 1; d >= 0; --d) {
    const std::int64_t extent = view.shape()[d];
    offset += (flat % extent) * view.strides()[d];
    flat /= extent;
  }
  const std::byte* p = view.data() + offset;
  auto read = [p](auto tag) {
    decltype(tag) v;
    std::memcpy(&v, p, sizeof v);
    return v;
  };
  switch (view.dtype()) {
    case DType::F16: return halfBitsToFloat(read(std::uint16_t{}));
    case DType::BF16: return bfloat16BitsToFloat(read(std::uint16_t{}));
    case DType::F32: return read(float{});
    case DType::F64: return read(double{});
    case DType::I8: return read(std::int8_t{});
    case DType::I32: return read(std::int32_t{});
    case DType::I64: return static_cast<double>(read(std::int64_t{}));
    case DType::U8: return read(std::uint8_t{});
    case DType::U16: return read(std::uint16_t{});
    case DType::Bool: return read(std::uint8_t{}) ? 1.0 : 0.0;
  }
  return NAN;
}

std::vector<float> toFloat32(const ArrayView& view) {
  std::vector<float> out(static_cast<std::size_t>(view.numel()));
  if (view.dtype() == DType::F32 && view.isContiguous()) {
    if (!out.empty()) std::memcpy(out.data(), view.data(), out.size() * sizeof(float));
    return out;
  }
  for (std::int64_t i = 0; i < view.numel(); ++i) out[static_cast<std::size_t>(i)] = static_cast<float>(elementAsDouble(view, i));
  return out;
}

}  // namespace loupe
