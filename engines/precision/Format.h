// Floating-point formats narrower than float32, as bit patterns: IEEE fp16,
// bfloat16, and the OCP 8-bit formats E4M3 (bias 7, no infinities, one NaN
// pattern per sign, max 448) and E5M2 (bias 15, IEEE-like, max 57344).
//
// Every format is described by its exponent and mantissa widths, bias and
// whether it has infinities; the limits (max, min normal, min subnormal,
// epsilon) are computed from that, not typed in.
//
// Conversion from float rounds to nearest, ties to even, with subnormals.
// Overflow — a value whose rounding lies above the largest finite one —
// follows the format: ±inf where it has infinities, NaN for E4M3 (the OCP
// non-saturating conversion); Overflow::Saturate clamps to ±max instead
// (and maps ±inf to ±max), as fp8 training recipes do after scaling.
//
// Two paths: encodeReference() in double arithmetic, written from the
// definition, and encode() on float32 bit patterns, tested equal on every
// fp16 / bf16 / fp8 boundary and millions of random floats.
#pragma once

#include <cstdint>
#include <string>

namespace loupe::precision {

enum class Format { F32, F16, BF16, E4M3, E5M2 };

struct FormatSpec {
  const char* name;  // "fp32", "fp16", "bf16", "e4m3", "e5m2"
  int exponentBits;
  int mantissaBits;
  int bias;
  bool hasInfinity;  // false: the all-ones pattern is NaN and the top exponent holds finite values
};

const FormatSpec& spec(Format format);
// "fp32", "fp16", "bf16", "e4m3", "e5m2"; throws std::invalid_argument naming the choices.
Format formatFromName(const std::string& name);

struct Limits {
  double max;           // largest finite value
  double minNormal;     // 2^(1 − bias)
  double minSubnormal;  // 2^(1 − bias − mantissa bits)
  double epsilon;       // 2^−mantissa bits: the gap above 1
  int minExponent;      // of normals: 1 − bias
};
Limits limits(Format format);

enum class Overflow { Format, Saturate };

// Bits in the low 8/16/32 bits of the result.
std::uint32_t encodeReference(Format format, double value, Overflow overflow = Overflow::Format);
std::uint32_t encode(Format format, float value, Overflow overflow = Overflow::Format);
double decode(Format format, std::uint32_t bits);

// What a value becomes in the format (rounding to nearest even, the
// format's own overflow): Underflow when x ≠ 0 becomes ±0, Overflow when a
// finite x rounds past max, NotFinite when x is NaN or ±inf already.
enum class Outcome { Zero, Subnormal, Normal, Overflow, Underflow, NotFinite };
Outcome classify(Format format, float x);

}  // namespace loupe::precision
