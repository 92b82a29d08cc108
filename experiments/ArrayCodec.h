// How array bytes are stored: "raw" (the little-endian, C-contiguous element
// bytes) or "zstd" (those bytes, zstd-compressed). encodeArray() compresses
// only when it shrinks the data; for big arrays it first tries a sample so
// incompressible data (noise, float mantissas) costs almost no CPU.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace loupe {

struct EncodedArray {
  std::string codec;             // "raw" or "zstd"
  std::vector<std::byte> bytes;  // empty for raw: the caller stores the source bytes
};

// level: zstd level (1 = fastest). compress == false always gives raw. zstd is
// kept only when it saves at least 15%.
EncodedArray encodeArray(std::span<const std::byte> raw, bool compress, int level = 1);

// Decodes into `out`, which must already have the expected size. Throws
// std::runtime_error naming `what` when the codec is unknown or the bytes do
// not decode to exactly out.size() bytes.
void decodeArray(const std::string& codec, std::span<const std::byte> stored, std::span<std::byte> out,
                 const std::string& what);

// CRC-32 (zlib's polynomial) of an array's stored bytes, recorded beside them
// and checked on every read, so damage inside a blob is reported, not exported.
std::uint32_t storedCrc32(std::span<const std::byte> stored);

}  // namespace loupe
