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

std::vector<float> readFloats(const std::filesystem::path& file) {
  const std::string bytes = testing::readFile(file);
  std::vector<float> out(bytes.size() / 4);
  std::memcpy(out.data(), bytes.data(), out.size() * 4);
  return out;
}

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
  expectSameFloats(readFloats(dir / "f16.bin"), halfBitsToFloat, "f16");
}

TEST(DTypeConvert, BFloat16MatchesTorchForEveryBitPattern) {
  testing::TempDir dir;
  const auto r = testing::runPython(
      "import numpy as np, torch, sys\n"
      "b = torch.from_numpy(np.arange(65536, dtype=np.uint16).view(np.int16).copy()).view(torch.bfloat16)\n"
      "b.float().numpy().astype(np.float32).tofile(sys.argv[1])",
      {(dir / "bf16.bin").string()});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  expectSameFloats(readFloats(dir / "bf16.bin"), bfloat16BitsToFloat, "bf16");
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
