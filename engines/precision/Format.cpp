#include "engines/precision/Format.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>

#include "engines/core/DTypeConvert.h"

namespace loupe::precision {

namespace {

constexpr FormatSpec kSpecs[] = {
    {"fp32", 8, 23, 127, true}, {"fp16", 5, 10, 15, true}, {"bf16", 8, 7, 127, true},
    {"e4m3", 4, 3, 7, false},   {"e5m2", 5, 2, 15, true},
};

int width(const FormatSpec& s) {
  return 1 + s.exponentBits + s.mantissaBits;
}
std::uint32_t signBit(const FormatSpec& s) {
  return 1u << (width(s) - 1);
}
std::uint32_t exponentMask(const FormatSpec& s) {
  return ((1u << s.exponentBits) - 1) << s.mantissaBits;
}

// The largest finite pattern: exponent all ones but one (IEEE-like), or all
// ones with the mantissa one below all ones (E4M3: S.1111.111 is NaN).
std::uint32_t maxPattern(const FormatSpec& s) {
  return s.hasInfinity ? exponentMask(s) - 1 : exponentMask(s) | ((1u << s.mantissaBits) - 2);
}
std::uint32_t infinityPattern(const FormatSpec& s) {
  return exponentMask(s);
}
// A quiet NaN: top mantissa bit set (E4M3: all ones).
std::uint32_t nanPattern(const FormatSpec& s) {
  return s.hasInfinity ? exponentMask(s) | (1u << (s.mantissaBits - 1))
                       : exponentMask(s) | ((1u << s.mantissaBits) - 1);
}

std::uint32_t overflowPattern(const FormatSpec& s, Overflow overflow) {
  if (overflow == Overflow::Saturate) return maxPattern(s);
  return s.hasInfinity ? infinityPattern(s) : nanPattern(s);
}

}  // namespace

const FormatSpec& spec(Format format) {
  return kSpecs[static_cast<int>(format)];
}

Format formatFromName(const std::string& name) {
  for (int i = 0; i < 5; ++i)
    if (name == kSpecs[i].name) return static_cast<Format>(i);
  throw std::invalid_argument("unknown format '" + name + "' (fp32, fp16, bf16, e4m3, e5m2)");
}

double decode(Format format, std::uint32_t bits) {
  const FormatSpec& s = spec(format);
  const double sign = (bits & signBit(s)) ? -1.0 : 1.0;
  const std::uint32_t e = (bits & exponentMask(s)) >> s.mantissaBits, m = bits & ((1u << s.mantissaBits) - 1);
  const std::uint32_t eMax = (1u << s.exponentBits) - 1;
  if (e == eMax && (s.hasInfinity || m == (1u << s.mantissaBits) - 1)) {
    if (s.hasInfinity && m == 0) return sign * std::numeric_limits<double>::infinity();
    return std::numeric_limits<double>::quiet_NaN();
  }
  if (e == 0) return sign * std::ldexp(static_cast<double>(m), 1 - s.bias - s.mantissaBits);
  return sign *
         std::ldexp(static_cast<double>(m + (1u << s.mantissaBits)), static_cast<int>(e) - s.bias - s.mantissaBits);
}

Limits limits(Format format) {
  const FormatSpec& s = spec(format);
  Limits l;
  l.max = decode(format, maxPattern(s));
  l.minNormal = std::ldexp(1.0, 1 - s.bias);
  l.minSubnormal = std::ldexp(1.0, 1 - s.bias - s.mantissaBits);
  l.epsilon = std::ldexp(1.0, -s.mantissaBits);
  l.minExponent = 1 - s.bias;
  return l;
}

// From the definition: the value's quantum at its exponent (the subnormal
// quantum below the normal range), round half to even as if the exponent
// range were unbounded, overflow if that lies above max, then the pattern.
std::uint32_t encodeReference(Format format, double value, Overflow overflow) {
  const FormatSpec& s = spec(format);
  const Limits l = limits(format);
  if (std::isnan(value)) return nanPattern(s);
  const std::uint32_t sign = std::signbit(value) ? signBit(s) : 0;
  const double a = std::fabs(value);
  if (std::isinf(a)) return sign | overflowPattern(s, overflow);  // ±inf itself: as an overflow
  if (a == 0) return sign;
  const int e = std::max(std::ilogb(a), l.minExponent);
  const double quantum = std::ldexp(1.0, e - s.mantissaBits);
  const double rounded = std::nearbyint(a / quantum) * quantum;  // the default rounding mode: ties to even
  if (rounded > l.max) return sign | overflowPattern(s, overflow);
  if (rounded == 0) return sign;
  const int re = std::ilogb(rounded);
  if (re < l.minExponent)
    return sign | static_cast<std::uint32_t>(rounded / l.minSubnormal);  // subnormal: exponent field 0
  const auto mantissa = static_cast<std::uint32_t>(std::ldexp(rounded, s.mantissaBits - re)) - (1u << s.mantissaBits);
  return sign | (static_cast<std::uint32_t>(re + s.bias) << s.mantissaBits) | mantissa;
}

// On float32 bits: fp16 and bf16 through the core converters (tested
// against numpy and torch); fp8 by the same integer rounding, generic in the
// mantissa width.
std::uint32_t encode(Format format, float value, Overflow overflow) {
  switch (format) {
    case Format::F32: {
      std::uint32_t b;
      std::memcpy(&b, &value, 4);
      return b;
    }
    case Format::F16:
    case Format::BF16: {
      const std::uint32_t b = format == Format::F16 ? floatToHalfBits(value) : floatToBfloat16Bits(value);
      const FormatSpec& s = spec(format);
      // Saturating: a finite value that became ±inf, or ±inf itself, is ±max.
      if (overflow == Overflow::Saturate && (b & ~signBit(s)) == infinityPattern(s))
        return (b & signBit(s)) | maxPattern(s);
      return b;
    }
    default:
      break;
  }
  const FormatSpec& s = spec(format);
  std::uint32_t x;
  std::memcpy(&x, &value, 4);
  const std::uint32_t sign = (x >> 31) ? signBit(s) : 0;
  const std::uint32_t magnitude = x & 0x7fffffff;
  if (magnitude > 0x7f800000) return nanPattern(s);
  if (magnitude == 0x7f800000) return sign | overflowPattern(s, overflow);
  const int e32 = static_cast<int>(magnitude >> 23) - 127;
  const int minExponent = 1 - s.bias;
  if (e32 < minExponent) {
    // Below the smallest normal (or a float32 subnormal): a multiple of the
    // subnormal quantum, scaled exactly, rounded by nearbyint (ties to
    // even); 2^m comes out as the smallest normal's pattern, as it should.
    float a;
    std::memcpy(&a, &magnitude, 4);
    return sign | static_cast<std::uint32_t>(std::nearbyint(std::ldexp(a, s.mantissaBits - minExponent)));
  }
  const int drop = 23 - s.mantissaBits;
  std::uint32_t h = (static_cast<std::uint32_t>(e32 + s.bias) << s.mantissaBits) | ((magnitude & 0x7fffff) >> drop);
  const std::uint32_t rest = magnitude & ((1u << drop) - 1), half = 1u << (drop - 1);
  if (rest > half || (rest == half && (h & 1))) ++h;                  // a carry into the exponent is correct
  if (h > maxPattern(s)) return sign | overflowPattern(s, overflow);  // past max, near or far (e32 ≤ 127: no wrap)
  return sign | h;
}

Outcome classify(Format format, float x) {
  if (!std::isfinite(x)) return Outcome::NotFinite;
  if (x == 0) return Outcome::Zero;
  const double q = decode(format, encode(format, x));
  if (!std::isfinite(q)) return Outcome::Overflow;
  if (q == 0) return Outcome::Underflow;
  return std::fabs(q) < limits(format).minNormal ? Outcome::Subnormal : Outcome::Normal;
}

}  // namespace loupe::precision
