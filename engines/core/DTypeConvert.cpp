#include "engines/core/DTypeConvert.h"

#include <cmath>
#include <cstring>

namespace loupe {

float halfBitsToFloat(std::uint16_t h) {
  const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000) << 16;
  const std::uint32_t exponent = (h >> 10) & 0x1f;
  const std::uint32_t mantissa = h & 0x3ff;
  std::uint32_t bits;
  if (exponent == 0) {
    // Zero or subnormal: m · 2^-24, exact in float (rare; ldexp is slow).
    const float magnitude = std::ldexp(static_cast<float>(mantissa), -24);
    std::memcpy(&bits, &magnitude, 4);
  } else if (exponent == 31) {
    bits = 0x7f800000u | (mantissa << 13);  // infinity, or a NaN keeping its payload
  } else {
    // A normal half is a normal float: rebias the exponent (15 → 127) and
    // widen the mantissa (10 → 23 bits). Bit operations: this runs for every
    // weight an f16 checkpoint widens.
    bits = ((exponent + 112) << 23) | (mantissa << 13);
  }
  bits |= sign;
  float out;
  std::memcpy(&out, &bits, 4);
  return out;
}

float bfloat16BitsToFloat(std::uint16_t bits) {
  const std::uint32_t wide = static_cast<std::uint32_t>(bits) << 16;
  float out;
  std::memcpy(&out, &wide, 4);
  return out;
}

std::uint16_t floatToHalfBits(float value) {
  std::uint32_t x;
  std::memcpy(&x, &value, 4);
  const auto sign = static_cast<std::uint16_t>((x >> 16) & 0x8000);
  const std::uint32_t magnitude = x & 0x7fffffff;
  if (magnitude >= 0x7f800000) return sign | (magnitude > 0x7f800000 ? 0x7e00 : 0x7c00);  // NaN, inf
  if (magnitude >= 0x477ff000) return sign | 0x7c00;  // ≥ 65520: halfway past 65504 and beyond round to inf
  if (magnitude < 0x38800000) {
    // Below the smallest normal (2^-14): a multiple of 2^-24. The scaling is
    // exact, so nearbyint's ties-to-even rounding is the whole story; 1024
    // comes out as the smallest normal's bit pattern, as it should.
    float a;
    std::memcpy(&a, &magnitude, 4);
    return sign | static_cast<std::uint16_t>(std::nearbyint(std::ldexp(a, 24)));
  }
  const std::uint32_t exponent = (magnitude >> 23) - 127 + 15, mantissa = magnitude & 0x7fffff;
  std::uint32_t h = (exponent << 10) | (mantissa >> 13);
  const std::uint32_t rest = mantissa & 0x1fff;           // the 13 bits dropped
  if (rest > 0x1000 || (rest == 0x1000 && (h & 1))) ++h;  // a carry into the exponent is correct
  return sign | static_cast<std::uint16_t>(h);
}

std::uint16_t floatToBfloat16Bits(float value) {
  std::uint32_t x;
  std::memcpy(&x, &value, 4);
  if ((x & 0x7fffffff) > 0x7f800000) return static_cast<std::uint16_t>((x >> 16) | 0x40);  // quiet NaN
  return static_cast<std::uint16_t>((x + 0x7fff + ((x >> 16) & 1)) >> 16);
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
    case DType::F16:
      return halfBitsToFloat(read(std::uint16_t{}));
    case DType::BF16:
      return bfloat16BitsToFloat(read(std::uint16_t{}));
    case DType::F32:
      return read(float{});
    case DType::F64:
      return read(double{});
    case DType::I8:
      return read(std::int8_t{});
    case DType::I32:
      return read(std::int32_t{});
    case DType::I64:
      return static_cast<double>(read(std::int64_t{}));
    case DType::U8:
      return read(std::uint8_t{});
    case DType::U16:
      return read(std::uint16_t{});
    case DType::Bool:
      return read(std::uint8_t{}) ? 1.0 : 0.0;
  }
  return NAN;
}

std::vector<float> toFloat32(const ArrayView& view) {
  std::vector<float> out(static_cast<std::size_t>(view.numel()));
  if (view.dtype() == DType::F32 && view.isContiguous()) {
    if (!out.empty()) std::memcpy(out.data(), view.data(), out.size() * sizeof(float));
    return out;
  }
  for (std::int64_t i = 0; i < view.numel(); ++i)
    out[static_cast<std::size_t>(i)] = static_cast<float>(elementAsDouble(view, i));
  return out;
}

}  // namespace loupe
