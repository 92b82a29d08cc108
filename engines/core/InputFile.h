// Opening a user's input file. Only a regular file is accepted: a directory,
// FIFO, socket or device is refused by name before it is opened (reading
// /dev/zero or a FIFO never ends; a directory gave libstdc++'s
// "basic_filebuf::underflow … Is a directory"), and a file read whole is
// checked against a size cap before anything is allocated. Errors are
// InputError(path, problem).
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

namespace loupe {

// What any reader reads into memory at most (4 GiB): a cap, not a budget.
inline constexpr std::uint64_t kMaxInputFileBytes = std::uint64_t{4} << 30;

// Throws unless `path` names an existing regular file (symbolic links followed).
void requireRegularFile(const std::filesystem::path& path);

// The whole file, after requireRegularFile and a size check against `maxBytes`.
std::string readInputFile(const std::filesystem::path& path, std::uint64_t maxBytes = kMaxInputFileBytes);

// A stream on the file, after requireRegularFile; throws when it cannot be opened.
std::ifstream openInputFile(const std::filesystem::path& path, std::ios::openmode mode = std::ios::in);

}  // namespace loupe
