#include "engines/core/InputFile.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <iterator>

#include "engines/core/CheckedSize.h"
#include "engines/core/Error.h"

namespace loupe {

void requireRegularFile(const std::filesystem::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    throw InputError(path.string(),
                     errno == ENOENT ? "no such file" : std::string("cannot be read: ") + std::strerror(errno));
  if (S_ISREG(st.st_mode)) return;
  const char* kind = S_ISDIR(st.st_mode)    ? "a directory"
                     : S_ISFIFO(st.st_mode) ? "a FIFO (named pipe)"
                     : S_ISSOCK(st.st_mode) ? "a socket"
                     : S_ISCHR(st.st_mode)  ? "a character device"
                     : S_ISBLK(st.st_mode)  ? "a block device"
                                            : "not a regular file";
  throw InputError(path.string(), std::string("is ") + kind + ", not a regular file");
}

std::string readInputFile(const std::filesystem::path& path, std::uint64_t maxBytes) {
  requireRegularFile(path);
  std::error_code ec;
  const std::uintmax_t size = std::filesystem::file_size(path, ec);
  if (ec) throw InputError(path.string(), "cannot be read: " + ec.message());
  if (size > maxBytes)
    throw InputError(path.string(), "is " + std::to_string(size) + " bytes, more than the " + std::to_string(maxBytes) +
                                        " a reader takes into memory");
  checkWithinBudget(size, path.string(), "reading it");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path.string(), std::string("cannot be opened: ") + std::strerror(errno));
  std::string bytes(static_cast<std::size_t>(size), '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(size));
  bytes.resize(static_cast<std::size_t>(in.gcount()));  // a file that shrank meanwhile reads short, never past
  return bytes;
}

std::ifstream openInputFile(const std::filesystem::path& path, std::ios::openmode mode) {
  requireRegularFile(path);
  std::ifstream in(path, mode);
  if (!in) throw InputError(path.string(), std::string("cannot be opened: ") + std::strerror(errno));
  return in;
}

}  // namespace loupe
