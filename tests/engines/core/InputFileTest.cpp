// Input files (engines/core/InputFile.h): a FIFO, a device, a directory or a
// missing file is refused by name at once (reading /dev/zero or a FIFO as an
// input used to block forever), a file over the cap is refused before it is
// read, and a regular file reads back byte for byte. The npy reader, the
// recipe loader and the kinds go through it.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "engines/core/Error.h"
#include "engines/core/InputFile.h"
#include "engines/core/NpyRead.h"
#include "tests/support/TestHelpers.h"

namespace loupe {
namespace {

std::string errorOf(const std::filesystem::path& path, std::uint64_t maxBytes = kMaxInputFileBytes) {
  try {
    readInputFile(path, maxBytes);
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(InputFile, OnlyRegularFilesAreRead) {
  testing::TempDir dir;
  ASSERT_EQ(mkfifo((dir / "pipe").c_str(), 0600), 0);
  EXPECT_EQ(errorOf(dir / "pipe"), (dir / "pipe").string() + ": is a FIFO (named pipe), not a regular file");
  EXPECT_EQ(errorOf("/dev/zero"), "/dev/zero: is a character device, not a regular file");
  EXPECT_EQ(errorOf(dir.path()), dir.path().string() + ": is a directory, not a regular file");
  EXPECT_EQ(errorOf(dir / "missing"), (dir / "missing").string() + ": no such file");
  // The npy reader takes the same road: /dev/zero is refused, not read for ever.
  try {
    readNpy("/dev/zero");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), "/dev/zero: is a character device, not a regular file");
  }
}

TEST(InputFile, SizeIsCheckedBeforeReading) {
  testing::TempDir dir;
  const std::string bytes = std::string("a\0b", 3) + std::string(1000, 'x');
  testing::writeFile(dir / "f.bin", bytes);
  EXPECT_EQ(readInputFile(dir / "f.bin"), bytes);
  EXPECT_EQ(errorOf(dir / "f.bin", 100),
            (dir / "f.bin").string() + ": is 1003 bytes, more than the 100 a reader takes into memory");
  std::ifstream in = openInputFile(dir / "f.bin", std::ios::binary);
  EXPECT_EQ(in.get(), 'a');
}

}  // namespace
}  // namespace loupe
