#include "experiments/ArrayCodec.h"

#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace loupe {

namespace {

// Above this size, decide from a sample first: compressing a 16 kB sample of
// noise costs ~30 µs, compressing all of a 200 kB array of noise ~0.5 ms for
// nothing.
constexpr std::size_t kSampleBytes = 16 * 1024;
// Keep zstd only if it saves at least this fraction. float32 noise compresses
// by ~8% (its exponent bytes), at ~500 MB/s — that would halve write speed
// and slow every replay to save a few percent of disk (tests/bench/StoreBench).
constexpr double kMinSaving = 0.15;

std::vector<std::byte> compress(std::span<const std::byte> raw, int level) {
  std::vector<std::byte> out(ZSTD_compressBound(raw.size()));
  const std::size_t n = ZSTD_compress(out.data(), out.size(), raw.data(), raw.size(), level);
  if (ZSTD_isError(n)) throw std::runtime_error(std::string("zstd: ") + ZSTD_getErrorName(n));
  out.resize(n);
  return out;
}

bool worthIt(std::size_t compressed, std::size_t raw) {
  return static_cast<double>(compressed) <= (1.0 - kMinSaving) * static_cast<double>(raw);
}

}  // namespace

EncodedArray encodeArray(std::span<const std::byte> raw, bool compressIt, int level) {
  if (!compressIt || raw.size() < 64) return {"raw", {}};
  if (raw.size() > 4 * kSampleBytes) {
    // A sample from the middle: headers/padding at the start can mislead.
    const auto sample = raw.subspan(raw.size() / 2 - kSampleBytes / 2, kSampleBytes);
    if (!worthIt(compress(sample, level).size(), sample.size())) return {"raw", {}};
  }
  auto packed = compress(raw, level);
  if (!worthIt(packed.size(), raw.size())) return {"raw", {}};
  return {"zstd", std::move(packed)};
}

void decodeArray(const std::string& codec, std::span<const std::byte> stored, std::span<std::byte> out,
                 const std::string& what) {
  if (codec == "raw") {
    if (stored.size() != out.size()) {
      throw std::runtime_error(what + ": stored " + std::to_string(stored.size()) + " bytes, expected " +
                               std::to_string(out.size()));
    }
    if (!out.empty()) std::memcpy(out.data(), stored.data(), out.size());
    return;
  }
  if (codec == "zstd") {
    const std::size_t n = ZSTD_decompress(out.data(), out.size(), stored.data(), stored.size());
    if (ZSTD_isError(n)) throw std::runtime_error(what + ": zstd: " + ZSTD_getErrorName(n));
    if (n != out.size()) {
      throw std::runtime_error(what + ": decompressed to " + std::to_string(n) + " bytes, expected " +
                               std::to_string(out.size()));
    }
    return;
  }
  throw std::runtime_error(what + ": unknown codec \"" + codec + "\"");
}

std::uint32_t storedCrc32(std::span<const std::byte> stored) {
  uLong crc = crc32(0L, Z_NULL, 0);
  // zlib takes at most uInt bytes per call.
  for (std::size_t at = 0; at < stored.size();) {
    const std::size_t n = std::min<std::size_t>(stored.size() - at, 1u << 30);
    crc = crc32(crc, reinterpret_cast<const Bytef*>(stored.data() + at), static_cast<uInt>(n));
    at += n;
  }
  return static_cast<std::uint32_t>(crc);
}

}  // namespace loupe
