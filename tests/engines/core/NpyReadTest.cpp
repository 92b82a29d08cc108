// readNpy against files numpy itself writes: every supported dtype, C and
// Fortran order, format versions 1.0 and 2.0, values compared with numpy's
// own C-order float64 dump; and each kind of bad file gets an error that
// names the file and the problem.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "engines/core/DTypeConvert.h"
#include "engines/core/Error.h"
#include "engines/core/NpyRead.h"
#include "tests/support/TestHelpers.h"

namespace loupe {
namespace {

TEST(NpyRead, ReadsWhatNumpyWritesInEveryDtypeOrderAndVersion) {
  testing::TempDir dir;
  const auto r = testing::runPython(
      "import numpy as np, sys, os\n"
      "d = sys.argv[1]\n"
      "rng = np.random.default_rng(3)\n"
      "base = rng.normal(size=(3, 5, 7)) * 50\n"
      "for t in ['f2', 'f4', 'f8', 'i1', 'i4', 'i8', 'u1', 'u2', 'b1']:\n"
      "    a = (base > 0) if t == 'b1' else base.astype(t)\n"
      "    for order in ['C', 'F']:\n"
      "        for version in [(1, 0), (2, 0)]:\n"
      "            name = os.path.join(d, f'{t}_{order}_{version[0]}')\n"
      "            with open(name + '.npy', 'wb') as f:\n"
      "                np.lib.format.write_array(f, np.asarray(a, order=order), version=version)\n"
      "            np.ascontiguousarray(a).astype(np.float64).tofile(name + '.bin')\n"
      "np.save(os.path.join(d, 'scalar.npy'), np.float32(2.5))\n",
      {dir.path().string()});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  int files = 0;
  for (const char* t : {"f2", "f4", "f8", "i1", "i4", "i8", "u1", "u2", "b1"}) {
    for (const char* order : {"C", "F"}) {
      for (const char* version : {"1", "2"}) {
        const std::string name = std::string(t) + "_" + order + "_" + version;
        const Array a = readNpy(dir / (name + ".npy"));
        const auto expected = testing::readValues<double>(dir / (name + ".bin"));
        ASSERT_EQ(a.shape(), (Shape{3, 5, 7})) << name;
        ASSERT_EQ(a.numel(), static_cast<std::int64_t>(expected.size())) << name;
        for (std::int64_t i = 0; i < a.numel(); ++i)
          ASSERT_EQ(elementAsDouble(a.view(), i), expected[static_cast<std::size_t>(i)]) << name << " element " << i;
        ++files;
      }
    }
  }
  EXPECT_EQ(files, 36);
  const Array scalar = readNpy(dir / "scalar.npy");
  EXPECT_EQ(scalar.ndim(), 0);
  EXPECT_EQ(scalar.data<float>()[0], 2.5f);
}

std::string errorOf(const std::filesystem::path& file) {
  try {
    readNpy(file);
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(NpyRead, BadFilesGetErrorsNamingFileAndProblem) {
  testing::TempDir dir;
  const auto r = testing::runPython(
      "import numpy as np, sys, os\n"
      "d = sys.argv[1]\n"
      "np.save(os.path.join(d, 'big.npy'), np.arange(6, dtype='>f4'))\n"
      "np.save(os.path.join(d, 'object.npy'), np.array([{'a': 1}], dtype=object), allow_pickle=True)\n"
      "np.save(os.path.join(d, 'complex.npy'), np.zeros(3, dtype=np.complex64))\n"
      "np.save(os.path.join(d, 'whole.npy'), np.arange(100, dtype=np.float32))\n",
      {dir.path().string()});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  const std::string whole = testing::readFile(dir / "whole.npy");
  testing::writeFile(dir / "short.npy", whole.substr(0, whole.size() - 10));
  testing::writeFile(dir / "text.npy", "just some text, not numpy\n");

  EXPECT_EQ(errorOf(dir / "missing.npy"), (dir / "missing.npy").string() + ": no such file");
  EXPECT_EQ(errorOf(dir / "text.npy"), (dir / "text.npy").string() + ": is not a .npy file (no \\x93NUMPY magic)");
  EXPECT_EQ(errorOf(dir / "short.npy"),
            (dir / "short.npy").string() + ": is truncated: shape [100] of f32 needs 400 data bytes, the file has 390");
  EXPECT_NE(errorOf(dir / "big.npy").find("big.npy: big-endian data ('>f4') is not supported"), std::string::npos)
      << errorOf(dir / "big.npy");
  EXPECT_NE(errorOf(dir / "object.npy").find("object.npy: unsupported dtype '|O'"), std::string::npos)
      << errorOf(dir / "object.npy");
  EXPECT_NE(errorOf(dir / "complex.npy").find("complex.npy: unsupported dtype '<c8'"), std::string::npos)
      << errorOf(dir / "complex.npy");

  // Issue 19's reproducer: a 928-byte file declaring shape (4, 2^62). Its
  // element count wrapped, the "needs N bytes" check passed with N = 0 and
  // the reader copied wild memory; now the size is refused before any read.
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (4, 4611686018427387904), }";
  header.resize(928 - 10 - 1, ' ');
  header += '\n';
  std::string wrapped = std::string("\x93NUMPY\x01\x00", 8) + static_cast<char>(header.size() & 0xff) +
                        static_cast<char>(header.size() >> 8) + header;
  testing::writeFile(dir / "wrapped.npy", wrapped);
  EXPECT_EQ(wrapped.size(), 928u);
  EXPECT_EQ(
      errorOf(dir / "wrapped.npy"),
      (dir / "wrapped.npy").string() + ": shape [4, 4611686018427387904] of 4-byte elements is more than 2^62 bytes");
}

}  // namespace
}  // namespace loupe
