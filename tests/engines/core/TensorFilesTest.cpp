// .npz and safetensors readers: archives numpy writes (np.savez stored,
// np.savez_compressed deflated) and safetensors files the test writes by
// hand from the published layout (8-byte little-endian header length, JSON
// header, byte buffer), read back value for value; malformed files give
// errors naming the file, the tensor and the fault.
#include <gtest/gtest.h>

#include <cstring>
#include <nlohmann/json.hpp>

#include "engines/core/DTypeConvert.h"
#include "engines/core/Error.h"
#include "engines/core/TensorFiles.h"
#include "tests/support/TestHelpers.h"

namespace loupe {
namespace {

const char* kWriteNpz = R"(
import numpy as np, sys
rng = np.random.default_rng(2)
t = {'conv1.weight': rng.standard_normal((4, 3, 3)).astype(np.float32),
     'bias': rng.standard_normal(5),
     'half': (rng.standard_normal((2, 6)) * 100).astype(np.float16),
     'ids': np.arange(7, dtype=np.int64)}
np.savez(sys.argv[1], **t)
np.savez_compressed(sys.argv[2], **t)
for k, v in t.items(): v.astype(np.float64).tofile(sys.argv[3] + '/' + k + '.f64')
)";

std::vector<double> asDoubles(const Array& a) {
  std::vector<double> v(static_cast<std::size_t>(a.numel()));
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = elementAsDouble(a.view(), static_cast<std::int64_t>(i));
  return v;
}

TEST(TensorFiles, NpzStoredAndDeflatedAsNumpyWroteThem) {
  testing::TempDir dir;
  const auto r =
      testing::runPython(kWriteNpz, {(dir / "a.npz").string(), (dir / "c.npz").string(), dir.path().string()});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  for (const char* file : {"a.npz", "c.npz"}) {
    const auto tensors = readTensorFile(dir / file);
    ASSERT_EQ(tensors.size(), 4u) << file;
    for (const auto& t : tensors) {
      EXPECT_EQ(asDoubles(t.array), testing::readValues<double>(dir / (t.name + ".f64"))) << file << " " << t.name;
    }
    EXPECT_EQ(tensors[0].array.shape(), (Shape{4, 3, 3}));
  }
}

// A safetensors file from parts: header JSON and buffer.
std::string safetensors(const nlohmann::json& header, const std::string& buffer) {
  const std::string h = header.dump();
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((h.size() >> (8 * i)) & 0xff);
  return out + h + buffer;
}

TEST(TensorFiles, SafetensorsWrittenFromTheLayout) {
  testing::TempDir dir;
  const float f32[6] = {1.5f, -2.0f, 3.25f, 0.0f, 1e-3f, 65504.0f};
  const std::uint16_t f16[3] = {floatToHalfBits(1.0f), floatToHalfBits(-0.5f), floatToHalfBits(2048.0f)};
  const std::uint16_t bf16[2] = {floatToBfloat16Bits(3.0f), floatToBfloat16Bits(-1e30f)};
  const double f64[2] = {1.0 / 3.0, -7.0};
  std::string buffer(reinterpret_cast<const char*>(f32), sizeof f32);
  buffer += std::string(reinterpret_cast<const char*>(f16), sizeof f16);
  buffer += std::string(reinterpret_cast<const char*>(bf16), sizeof bf16);
  buffer += std::string(reinterpret_cast<const char*>(f64), sizeof f64);
  const nlohmann::json header = {{"__metadata__", {{"format", "pt"}}},
                                 {"w", {{"dtype", "F32"}, {"shape", {2, 3}}, {"data_offsets", {0, 24}}}},
                                 {"h", {{"dtype", "F16"}, {"shape", {3}}, {"data_offsets", {24, 30}}}},
                                 {"b", {{"dtype", "BF16"}, {"shape", {2}}, {"data_offsets", {30, 34}}}},
                                 {"d", {{"dtype", "F64"}, {"shape", {2, 1}}, {"data_offsets", {34, 50}}}}};
  testing::writeFile(dir / "m.safetensors", safetensors(header, buffer));
  const auto tensors = readTensorFile(dir / "m.safetensors");
  ASSERT_EQ(tensors.size(), 4u);
  for (const auto& t : tensors) {
    const auto v = asDoubles(t.array);
    if (t.name == "w") {
      EXPECT_EQ(t.array.shape(), (Shape{2, 3}));
      EXPECT_EQ(v, std::vector<double>(f32, f32 + 6));
    } else if (t.name == "h") {
      EXPECT_EQ(v, (std::vector<double>{1.0, -0.5, 2048.0}));
    } else if (t.name == "b") {
      EXPECT_EQ(v[0], 3.0);
      EXPECT_EQ(v[1], -0x1.94p+99);  // −1e30 in bfloat16, as torch rounds it: −1.0002555517425873e30
    } else {
      EXPECT_EQ(v, std::vector<double>(f64, f64 + 2));
    }
  }
}

void expectError(const std::filesystem::path& file, const std::vector<std::string>& parts) {
  try {
    (void)readTensorFile(file);
    ADD_FAILURE() << file << ": no error";
  } catch (const InputError& e) {
    for (const auto& p : parts) EXPECT_NE(std::string(e.what()).find(p), std::string::npos) << e.what();
  }
}

TEST(TensorFiles, MalformedFilesNameFileTensorAndFault) {
  testing::TempDir dir;
  const std::string four(16, '\0');
  auto tensor = [](const char* dtype, nlohmann::json shape, int b, int e) {
    return nlohmann::json{{"dtype", dtype}, {"shape", shape}, {"data_offsets", {b, e}}};
  };
  const std::pair<std::string, std::string> cases[] = {
      {safetensors({{"x", tensor("F32", {4}, 0, 16)}}, four).substr(0, 20), "runs past the end"},
      {std::string("\x05\0\0\0\0\0\0\0{oops", 13), "invalid JSON"},
      {safetensors({{"x", tensor("F32", {4}, 0, 32)}}, four), "tensor 'x'"},
      {safetensors({{"x", tensor("F32", {3}, 0, 16)}}, four), "needs 12 bytes"},
      {safetensors({{"x", tensor("F8_E4M3", {4}, 0, 4)}}, four), "dtype F8_E4M3 is not supported"},
      {safetensors({{"x", tensor("F32", {2}, 0, 8)}, {"y", tensor("F32", {2}, 4, 12)}}, four), "overlap"},
      {safetensors({{"x", {{"dtype", "F32"}}}}, four), "needs dtype, shape and data_offsets"},
  };
  int i = 0;
  for (const auto& [bytes, fault] : cases) {
    const auto file = dir / ("bad" + std::to_string(i++) + ".safetensors");
    testing::writeFile(file, bytes);
    expectError(file, {file.string(), fault});
  }
  testing::writeFile(dir / "no.npz", "PK not really a zip");
  expectError(dir / "no.npz", {"no.npz", "no end-of-directory record"});
  // A real archive with its member's compression method patched to bzip2 (12).
  const auto r = testing::runPython("import numpy as np, sys\nnp.savez(sys.argv[1], weights=np.ones(3))",
                                    {(dir / "ok.npz").string()});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  std::string zip = testing::readFile(dir / "ok.npz");
  const std::size_t central = zip.find("PK\x01\x02");
  ASSERT_NE(central, std::string::npos);
  zip[central + 10] = 12;
  testing::writeFile(dir / "bz.npz", zip);
  expectError(dir / "bz.npz", {"bz.npz: weights.npy", "compression method 12"});
  testing::writeFile(dir / "t.npz", testing::readFile(dir / "ok.npz").substr(0, 60));
  expectError(dir / "t.npz", {"t.npz"});
  expectError(dir / "x.bin", {"x.bin", ".npy, .npz, .safetensors"});
}

}  // namespace
// Issue 19's reproducer: a 2 KB .npz whose member declares 4 GB allocated
// the 4 GB before inflating a byte. Deflate yields at most 1032 bytes per
// input byte, so the declared size is checked against the compressed one
// (and all members against the memory budget) first.
TEST(TensorFiles, AnNpzMemberCannotDeclareMoreThanDeflateProduces) {
  auto le = [](std::string& out, std::uint64_t v, int n) {
    for (int i = 0; i < n; ++i) out += static_cast<char>((v >> (8 * i)) & 0xff);
  };
  const std::string name = "x.npy", payload(2000, '\x55');
  const std::uint64_t declared = 4000000000u;
  std::string zip;
  le(zip, 0x04034b50, 4), le(zip, 20, 2), le(zip, 0, 2), le(zip, 8, 2), le(zip, 0, 4), le(zip, 0, 4);
  le(zip, payload.size(), 4), le(zip, declared, 4), le(zip, name.size(), 2), le(zip, 0, 2);
  zip += name + payload;
  const std::size_t directory = zip.size();
  le(zip, 0x02014b50, 4), le(zip, 20, 2), le(zip, 20, 2), le(zip, 0, 2), le(zip, 8, 2), le(zip, 0, 4), le(zip, 0, 4);
  le(zip, payload.size(), 4), le(zip, declared, 4), le(zip, name.size(), 2), le(zip, 0, 2), le(zip, 0, 2);
  le(zip, 0, 2), le(zip, 0, 2), le(zip, 0, 4), le(zip, 0, 4);
  zip += name;
  const std::size_t directorySize = zip.size() - directory;
  le(zip, 0x06054b50, 4), le(zip, 0, 2), le(zip, 0, 2), le(zip, 1, 2), le(zip, 1, 2);
  le(zip, directorySize, 4), le(zip, directory, 4), le(zip, 0, 2);
  testing::TempDir dir;
  testing::writeFile(dir / "bomb.npz", zip);
  EXPECT_LT(zip.size(), 2200u);
  try {
    readNpz(dir / "bomb.npz");
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), (dir / "bomb.npz").string() +
                                         ": x.npy: declares 4000000000 bytes from 2000 compressed, more than deflate "
                                         "can produce");
  }
}

}  // namespace loupe
