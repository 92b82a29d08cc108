// Every f16 and bf16 bit pattern decoded by us against numpy (float16) and
// PyTorch (bfloat16), bit for bit; strided conversion against an index formula.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "engines/core/DTypeConvert.h"
#include "tests/support/TestHelpers.h"

namespace loupe {
namespace {

void expectSameFloats(const std::vector<float>& reference, float (*decode)(std::uint16_t), const char* what) {
  ASSERT_EQ(reference.size(), 65536u);
  int mismatches = 0;
  for (std::uint32_t bits = 0; bits < 65536; ++bits) {
    const float ours = decode(static_cast<std::uint16_t>(bits));
    const float theirs = reference[bits];
    const bool same = (std::isnan(ours) && std::isnan(theirs)) || std::memcmp(&ours, &theirs, 4) == 0;
    if (!same && ++mismatches <= 5)
      ADD_FAILURE() << what << " bits 0x" << std::hex << bits << ": ours " << ours << " reference " << theirs;
  }
  EXPECT_EQ(mismatches, 0);
}

TEST(DTypeConvert, HalfMatchesNumpyForEveryBitPattern) {
  testing::TempDir dir;
  const auto r = testing::runPython(
      "import numpy as np, sys; np.arange(65536, "
      "dtype=np.uint16).view(np.float16).astype(np.float32).tofile(sys.argv[1])",
      {(dir / "f16.bin").string()});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  expectSameFloats(testing::readValues<float>(dir / "f16.bin"), halfBitsToFloat, "f16");
}

TEST(DTypeConvert, BFloat16MatchesTorchForEveryBitPattern) {
  testing::TempDir dir;
  const auto r = testing::runPython(
      "import numpy as np, torch, sys\n"
      "b = torch.from_numpy(np.arange(65536, dtype=np.uint16).view(np.int16).copy()).view(torch.bfloat16)\n"
      "b.float().numpy().astype(np.float32).tofile(sys.argv[1])",
      {(dir / "bf16.bin").string()});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  expectSameFloats(testing::readValues<float>(dir / "bf16.bin"), bfloat16BitsToFloat, "bf16");
}

// Floats that probe every rounding case: halfway points and their
// neighbours between f16/bf16 neighbours, the overflow threshold, the
// subnormal range, zeros, infinities, NaN — and a spread of random values.
std::vector<float> roundingProbes() {
  std::vector<float> x;
  for (std::uint32_t bits = 0; bits < 65536; bits += 7) {
    const float a = halfBitsToFloat(static_cast<std::uint16_t>(bits));
    const float b = halfBitsToFloat(static_cast<std::uint16_t>(bits + 1));
    if (!std::isfinite(a) || !std::isfinite(b)) continue;
    const float mid = static_cast<float>((static_cast<double>(a) + b) / 2);
    x.insert(x.end(), {a, mid, std::nextafter(mid, -INFINITY), std::nextafter(mid, INFINITY)});
  }
  for (std::uint32_t bits = 0; bits < 65536; bits += 5) {
    const float a = bfloat16BitsToFloat(static_cast<std::uint16_t>(bits));
    const float b = bfloat16BitsToFloat(static_cast<std::uint16_t>(bits + 1));
    if (!std::isfinite(a) || !std::isfinite(b)) continue;
    std::uint32_t ab, bb;
    std::memcpy(&ab, &a, 4);
    std::memcpy(&bb, &b, 4);
    const std::uint32_t midBits = ab + 0x8000;  // exactly halfway in the dropped 16 bits
    float mid;
    std::memcpy(&mid, &midBits, 4);
    x.insert(x.end(), {mid, std::nextafter(mid, -INFINITY), std::nextafter(mid, INFINITY)});
  }
  x.insert(x.end(), {65504.0f, 65519.99f, 65520.0f, 1e9f, 5.96e-8f, 2.98e-8f, 2.99e-8f, 1e-30f, 0.0f, -0.0f, INFINITY,
                     -INFINITY, NAN, -NAN, 3.4028235e38f});
  std::uint32_t state = 12345;
  for (int i = 0; i < 20000; ++i) {
    state = state * 1664525u + 1013904223u;
    float f;
    std::uint32_t bits = state;
    std::memcpy(&f, &bits, 4);
    x.push_back(f);
  }
  return x;
}

void expectSameEncoding(const std::vector<float>& x, const std::vector<std::uint16_t>& reference,
                        std::uint16_t (*encode)(float), float (*decode)(std::uint16_t), const char* what) {
  ASSERT_EQ(reference.size(), x.size());
  int mismatches = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const std::uint16_t ours = encode(x[i]);
    const bool same = ours == reference[i] || (std::isnan(decode(ours)) && std::isnan(decode(reference[i])));
    if (!same && ++mismatches <= 5)
      ADD_FAILURE() << what << " of " << x[i] << ": ours 0x" << std::hex << ours << " reference 0x" << reference[i];
  }
  EXPECT_EQ(mismatches, 0);
}

TEST(DTypeConvert, HalfEncodingMatchesNumpyIncludingTiesOverflowAndSubnormals) {
  testing::TempDir dir;
  const auto x = roundingProbes();
  testing::writeFile(dir / "x.bin", std::string(reinterpret_cast<const char*>(x.data()), x.size() * 4));
  const auto r = testing::runPython(
      "import numpy as np, sys\n"
      "x = np.fromfile(sys.argv[1], dtype=np.float32)\n"
      "with np.errstate(over='ignore'): x.astype(np.float16).view(np.uint16).tofile(sys.argv[2])",
      {(dir / "x.bin").string(), (dir / "f16.bin").string()});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  expectSameEncoding(x, testing::readValues<std::uint16_t>(dir / "f16.bin"), floatToHalfBits, halfBitsToFloat, "f16");
}

TEST(DTypeConvert, BFloat16EncodingMatchesTorchIncludingTies) {
  testing::TempDir dir;
  const auto x = roundingProbes();
  testing::writeFile(dir / "x.bin", std::string(reinterpret_cast<const char*>(x.data()), x.size() * 4));
  const auto r = testing::runPython(
      "import numpy as np, torch, sys\n"
      "x = torch.from_numpy(np.fromfile(sys.argv[1], dtype=np.float32))\n"
      "x.bfloat16().view(torch.int16).numpy().view(np.uint16).tofile(sys.argv[2])",
      {(dir / "x.bin").string(), (dir / "bf16.bin").string()});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  expectSameEncoding(x, testing::readValues<std::uint16_t>(dir / "bf16.bin"), floatToBfloat16Bits, bfloat16BitsToFloat,
                     "bf16");
}

TEST(DTypeConvert, StridedIntegersConvertByIndexFormula) {
  std::vector<std::int32_t> src(12);
  for (int i = 0; i < 12; ++i) src[i] = (i % 2 ? -1 : 1) * i * 1000;
  // A transposed 4 × 3 view of a 3 × 4 array.
  const auto values = toFloat32(ArrayView(src.data(), DType::I32, {4, 3}, {4, 16}));
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 3; ++j) EXPECT_EQ(values[i * 3 + j], static_cast<float>(src[j * 4 + i]));
}

}  // namespace
}  // namespace loupe
