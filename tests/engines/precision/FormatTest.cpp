// Format conversions against independent references: the shared oracle
// cases (numpy / torch), numpy's float16 on all 65,536 patterns and on 10⁷
// seeded random floats plus edge values, torch's bfloat16 on the same, and
// for fp8 (which numpy and torch 1.13 lack) the nearest-even choice among an
// enumeration of every pattern's value written here from the OCP definition.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <random>

#include "engines/precision/Format.h"
#include "tests/support/TestHelpers.h"

namespace loupe::precision {
namespace {

float bitsToFloat(std::uint32_t b) {
  float f;
  std::memcpy(&f, &b, 4);
  return f;
}

TEST(Format, LimitsAreComputedFromTheSpec) {
  std::ifstream in(std::filesystem::path(LOUPE_SHARED_DATA) / "oracles" / "fp16_bf16_rounding_cases.json");
  ASSERT_TRUE(in);
  const auto facts = nlohmann::json::parse(in).at("_meta").at("facts");
  const Limits h = limits(Format::F16), b = limits(Format::BF16);
  EXPECT_EQ(h.max, facts["fp16_max"].get<double>());
  EXPECT_EQ(h.minNormal, facts["fp16_min_normal"].get<double>());
  EXPECT_EQ(h.minSubnormal, facts["fp16_min_subnormal"].get<double>());
  EXPECT_EQ(h.epsilon, facts["fp16_eps"].get<double>());
  EXPECT_EQ(b.max, facts["bf16_max"].get<double>());
  EXPECT_EQ(b.epsilon, facts["bf16_eps"].get<double>());
  EXPECT_EQ(b.minNormal, facts["bf16_min_normal"].get<double>());
  // OCP 8-bit floating point specification: E4M3 max 448 without infinities, E5M2 57344.
  EXPECT_EQ(limits(Format::E4M3).max, 448.0);
  EXPECT_EQ(limits(Format::E4M3).minNormal, std::ldexp(1.0, -6));
  EXPECT_EQ(limits(Format::E4M3).minSubnormal, std::ldexp(1.0, -9));
  EXPECT_EQ(limits(Format::E5M2).max, 57344.0);
  EXPECT_EQ(limits(Format::E5M2).minSubnormal, std::ldexp(1.0, -16));
  EXPECT_EQ(limits(Format::F32).max, std::numeric_limits<float>::max());
  EXPECT_EQ(limits(Format::F32).minSubnormal, std::numeric_limits<float>::denorm_min());
  EXPECT_THROW(formatFromName("fp12"), std::invalid_argument);
  EXPECT_EQ(formatFromName("e4m3"), Format::E4M3);
}

TEST(Format, OracleCasesBothPaths) {
  std::ifstream in(std::filesystem::path(LOUPE_SHARED_DATA) / "oracles" / "fp16_bf16_rounding_cases.json");
  const auto cases = nlohmann::json::parse(in).at("cases");
  ASSERT_GT(cases.size(), 10u);
  for (const auto& c : cases) {
    const auto bits = static_cast<std::uint32_t>(std::stoul(c["f32_bits"].get<std::string>(), nullptr, 16));
    const float x = bitsToFloat(bits);
    const auto h = static_cast<std::uint32_t>(std::stoul(c["fp16_bits"].get<std::string>(), nullptr, 16));
    const auto b = static_cast<std::uint32_t>(std::stoul(c["bf16_bits"].get<std::string>(), nullptr, 16));
    const std::string what = c["f32_value"];
    if (std::isnan(x)) {
      for (Format f : {Format::F16, Format::BF16}) {
        EXPECT_TRUE(std::isnan(decode(f, encode(f, x)))) << what;
        EXPECT_TRUE(std::isnan(decode(f, encodeReference(f, x)))) << what;
      }
      continue;
    }
    EXPECT_EQ(encode(Format::F16, x), h) << what;
    EXPECT_EQ(encodeReference(Format::F16, x), h) << what;
    EXPECT_EQ(encode(Format::BF16, x), b) << what;
    EXPECT_EQ(encodeReference(Format::BF16, x), b) << what;
  }
}

TEST(Format, EveryFp16PatternDecodesAsNumpyAndRoundTrips) {
  testing::TempDir dir;
  const auto r = testing::runPython(
      "import numpy as np, sys; np.arange(65536, dtype=np.uint16).view(np.float16).astype(np.float64)"
      ".tofile(sys.argv[1])",
      {(dir / "f16.bin").string()});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  const auto numpy = testing::readValues<double>(dir / "f16.bin");
  ASSERT_EQ(numpy.size(), 65536u);
  for (std::uint32_t i = 0; i < 65536; ++i) {
    const double v = decode(Format::F16, i);
    if (std::isnan(numpy[i])) {
      ASSERT_TRUE(std::isnan(v)) << i;
      continue;
    }
    ASSERT_EQ(v, numpy[i]) << i;
    ASSERT_EQ(std::signbit(v), std::signbit(numpy[i])) << i;
    ASSERT_EQ(encode(Format::F16, static_cast<float>(v)), i) << i;
    ASSERT_EQ(encodeReference(Format::F16, v), i) << i;
  }
}

// 10⁷ seeded floats — half arbitrary bit patterns (every exponent), half
// normal values scaled over 10^−9 … 10^6 (fp16's range and its edges) —
// plus edge values, rounded by numpy (fp16) and torch (bf16).
TEST(Format, TenMillionFloatsMatchNumpyAndTorch) {
  testing::TempDir dir;
  const auto r = testing::runPython(
      "import numpy as np, torch, sys\n"
      "rng = np.random.default_rng(7)\n"
      "n = 5_000_000\n"
      "a = rng.integers(0, 2**32, n, dtype=np.uint64).astype(np.uint32).view(np.float32)\n"
      "b = (rng.standard_normal(n) * 10.0 ** rng.uniform(-9, 6, n)).astype(np.float32)\n"
      "edges = np.array([0.0, -0.0, 65504, 65519.996, 65520, 65536, 6.1035156e-05, 5.9604645e-08, 2.9802322e-08,\n"
      "                  2.9802326e-08, 1.0009766, 1.0004883, np.inf, -np.inf, 3.3895314e38, 3.4028235e38,\n"
      "                  1.1754944e-38, 1e-45], dtype=np.float32)\n"
      "x = np.concatenate([a, b, edges, -edges])\n"
      "x.tofile(sys.argv[1])\n"
      "with np.errstate(over='ignore', invalid='ignore'): x.astype(np.float16).view(np.uint16).tofile(sys.argv[2])\n"
      "torch.from_numpy(x).bfloat16().view(torch.int16).numpy().view(np.uint16).tofile(sys.argv[3])\n",
      {(dir / "x.bin").string(), (dir / "h.bin").string(), (dir / "b.bin").string()});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  const auto x = testing::readValues<float>(dir / "x.bin");
  const auto h = testing::readValues<std::uint16_t>(dir / "h.bin");
  const auto b = testing::readValues<std::uint16_t>(dir / "b.bin");
  ASSERT_EQ(x.size(), 10'000'036u);
  ASSERT_EQ(h.size(), x.size());
  ASSERT_EQ(b.size(), x.size());
  std::size_t badFast = 0, badReference = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (std::isnan(x[i])) continue;  // NaN payloads differ between libraries; NaN-ness is checked above
    if (encode(Format::F16, x[i]) != h[i] && ++badFast <= 5) ADD_FAILURE() << "fp16 " << x[i];
    if (encode(Format::BF16, x[i]) != b[i] && ++badFast <= 5) ADD_FAILURE() << "bf16 " << x[i];
    // The reference path on every tenth element (it is the slow one).
    if (i % 10 == 0) {
      if (encodeReference(Format::F16, x[i]) != h[i] && ++badReference <= 5) ADD_FAILURE() << "fp16 ref " << x[i];
      if (encodeReference(Format::BF16, x[i]) != b[i] && ++badReference <= 5) ADD_FAILURE() << "bf16 ref " << x[i];
    }
  }
  EXPECT_EQ(badFast, 0u);
  EXPECT_EQ(badReference, 0u);
}

// The OCP definition, written out: sign, exponent field e, mantissa field m
// of M bits; e = 0 subnormal m·2^(1−bias−M), else (1 + m/2^M)·2^(e−bias);
// E4M3 has no infinities and only S.1111.111 is NaN; E5M2 is IEEE-like.
struct Entry {
  double value;
  std::uint32_t pattern;
};
std::vector<Entry> finitePositive(int E, int M, int bias, bool ieee) {
  std::vector<Entry> out;
  for (std::uint32_t p = 0; p < (1u << (E + M)); ++p) {
    const std::uint32_t e = p >> M, m = p & ((1u << M) - 1);
    if (ieee && e == (1u << E) - 1) continue;                         // inf, NaN
    if (!ieee && e == (1u << E) - 1 && m == (1u << M) - 1) continue;  // NaN
    const double v = e == 0 ? std::ldexp(m, 1 - bias - M) : std::ldexp(1.0 + std::ldexp(m, -M), int(e) - bias);
    out.push_back({v, p});
  }
  return out;  // increasing with the pattern
}

// Nearest, ties to the even pattern; past max by more than half a step
// (or half a step exactly with max odd): the overflow pattern.
std::uint32_t nearestEven(const std::vector<Entry>& table, double a, std::uint32_t overflow) {
  const double max = table.back().value, step = max - table[table.size() - 2].value;
  if (a > max) {
    const double over = a - max;
    if (over > step / 2 || (over == step / 2 && (table.back().pattern & 1))) return overflow;
    return table.back().pattern;
  }
  const auto hi = std::lower_bound(table.begin(), table.end(), a, [](const Entry& e, double v) { return e.value < v; });
  if (hi->value == a || hi == table.begin()) return hi->pattern;
  const auto lo = hi - 1;
  const double dlo = a - lo->value, dhi = hi->value - a;
  if (dlo < dhi) return lo->pattern;
  if (dhi < dlo) return hi->pattern;
  return (lo->pattern & 1) ? hi->pattern : lo->pattern;
}

TEST(Format, Fp8MatchesNearestEvenOverEveryPattern) {
  struct Case {
    Format f;
    int E, M, bias;
    bool ieee;
    std::uint32_t overflow;  // the format's own overflow pattern (positive)
  };
  for (const Case c : {Case{Format::E4M3, 4, 3, 7, false, 0x7f}, Case{Format::E5M2, 5, 2, 15, true, 0x7c}}) {
    const auto table = finitePositive(c.E, c.M, c.bias, c.ieee);
    ASSERT_EQ(table.back().value, limits(c.f).max);
    std::vector<float> xs;
    // Every pattern's value, every midpoint between neighbours (ties), and a
    // hair either side of each midpoint.
    for (std::size_t i = 0; i + 1 < table.size(); ++i) {
      const auto mid = static_cast<float>((table[i].value + table[i + 1].value) / 2);
      xs.insert(xs.end(),
                {static_cast<float>(table[i].value), mid, std::nextafter(mid, 0.0f), std::nextafter(mid, 1e30f)});
    }
    const double max = table.back().value, step = max - table[table.size() - 2].value;
    for (double k : {0.25, 0.5, 0.75, 1.0, 1.5, 40.0}) xs.push_back(static_cast<float>(max + k * step));
    std::mt19937 rng(3);
    std::uniform_real_distribution<double> logMag(-12, std::log2(max) + 1);
    for (int i = 0; i < 1'000'000; ++i) xs.push_back(static_cast<float>(std::exp2(logMag(rng))));
    xs.push_back(1e-30f);
    std::size_t bad = 0;
    for (float a : xs) {
      for (float x : {a, -a}) {
        const std::uint32_t expect = (std::signbit(x) ? 0x80u : 0u) | nearestEven(table, std::fabs(x), c.overflow);
        const std::uint32_t fast = encode(c.f, x), ref = encodeReference(c.f, x);
        if ((fast != expect || ref != expect) && ++bad <= 5)
          ADD_FAILURE() << spec(c.f).name << " x=" << x << " expected 0x" << std::hex << expect << " fast 0x" << fast
                        << " reference 0x" << ref;
      }
    }
    EXPECT_EQ(bad, 0u) << spec(c.f).name;
    // Overflow conventions: E4M3 has no inf (NaN), E5M2 goes to inf; saturating clamps to max.
    const double over = decode(c.f, encode(c.f, 1e6f));
    EXPECT_TRUE(c.ieee ? std::isinf(over) && over > 0 : std::isnan(over)) << spec(c.f).name;
    EXPECT_EQ(decode(c.f, encode(c.f, 1e6f, Overflow::Saturate)), max);
    EXPECT_EQ(decode(c.f, encodeReference(c.f, 1e6, Overflow::Saturate)), max);
    EXPECT_EQ(decode(c.f, encode(c.f, -std::numeric_limits<float>::infinity(), Overflow::Saturate)), -max);
    EXPECT_TRUE(std::isnan(decode(c.f, encode(c.f, std::nanf("")))));
  }
  EXPECT_EQ(decode(Format::E4M3, encode(Format::E4M3, 464.0f)), 448.0);  // tie with max (even): stays
  EXPECT_TRUE(std::isnan(decode(Format::E4M3, encode(Format::E4M3, 464.01f))));
  EXPECT_TRUE(std::isinf(decode(Format::E5M2, encode(Format::E5M2, 61440.0f))));  // tie with max (odd): overflows
  EXPECT_EQ(decode(Format::E5M2, encode(Format::E5M2, 61439.0f)), 57344.0);
}

// Saturating conversion in fp16 and bf16, both paths: what would overflow
// (or is ±inf already) becomes ±max; NaN stays NaN; the rest is unchanged.
TEST(Format, SaturatingFp16AndBf16ClampToMax) {
  const float inf = std::numeric_limits<float>::infinity();
  for (Format f : {Format::F16, Format::BF16}) {
    const double max = limits(f).max;
    const float past = f == Format::F16 ? 70000.0f : std::numeric_limits<float>::max();  // rounds past max
    for (bool reference : {false, true}) {
      auto sat = [&](float x) {
        return decode(f, reference ? encodeReference(f, x, Overflow::Saturate) : encode(f, x, Overflow::Saturate));
      };
      const std::string what = std::string(spec(f).name) + (reference ? " reference" : " fast");
      EXPECT_EQ(sat(past), max) << what;
      EXPECT_EQ(sat(-past), -max) << what;
      EXPECT_EQ(sat(inf), max) << what;
      EXPECT_EQ(sat(-inf), -max) << what;
      EXPECT_TRUE(std::isnan(sat(std::nanf("")))) << what;
      EXPECT_EQ(sat(1.5f), 1.5) << what;
      EXPECT_TRUE(std::isinf(decode(f, reference ? encodeReference(f, past) : encode(f, past)))) << what;
    }
  }
}

TEST(Format, ClassifiesWhatAValueBecomes) {
  EXPECT_EQ(classify(Format::F16, 70000.0f), Outcome::Overflow);
  EXPECT_EQ(classify(Format::F16, 65519.0f), Outcome::Normal);
  EXPECT_EQ(classify(Format::F16, 1e-8f), Outcome::Underflow);
  EXPECT_EQ(classify(Format::F16, 3e-8f), Outcome::Subnormal);  // rounds up to the smallest subnormal
  EXPECT_EQ(classify(Format::F16, 1e-5f), Outcome::Subnormal);
  EXPECT_EQ(classify(Format::F16, 0.0f), Outcome::Zero);
  EXPECT_EQ(classify(Format::F16, std::numeric_limits<float>::infinity()), Outcome::NotFinite);
  EXPECT_EQ(classify(Format::BF16, 70000.0f), Outcome::Normal);
  EXPECT_EQ(classify(Format::E4M3, 500.0f), Outcome::Overflow);
}

}  // namespace
}  // namespace loupe::precision
