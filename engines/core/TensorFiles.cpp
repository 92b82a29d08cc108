#include "engines/core/TensorFiles.h"

#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "engines/core/BoundedJson.h"
#include "engines/core/CheckedSize.h"
#include "engines/core/Error.h"
#include "engines/core/InputFile.h"
#include "engines/core/NpyRead.h"

namespace loupe {

namespace {

std::string readAll(const std::filesystem::path& path) {
  return readInputFile(path);
}

// Little-endian unsigned of `n` bytes at `at`; the caller checked the bounds.
std::uint64_t le(std::string_view b, std::size_t at, int n) {
  std::uint64_t v = 0;
  for (int i = 0; i < n; ++i) v |= static_cast<std::uint64_t>(static_cast<unsigned char>(b[at + i])) << (8 * i);
  return v;
}

std::string inflateRaw(const std::string& in, std::size_t outSize, const std::string& where) {
  std::string out(outSize, '\0');
  z_stream z{};
  if (inflateInit2(&z, -MAX_WBITS) != Z_OK) throw InputError(where, "zlib could not start");
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  const int rc = inflate(&z, Z_FINISH);
  const std::size_t produced = z.total_out;
  inflateEnd(&z);
  if (rc != Z_STREAM_END || produced != outSize)
    throw InputError(where, "the deflated data is corrupt (zlib: " +
                                std::string(rc == Z_DATA_ERROR ? "data error" : "truncated") + ")");
  return out;
}

}  // namespace

std::vector<NamedTensor> readNpz(const std::filesystem::path& path) {
  return parseNpz(readAll(path), path.string());
}

std::vector<NamedTensor> parseNpz(const std::string& b, const std::string& file) {
  // The end-of-central-directory record: 22 bytes plus a comment of up to 64 KiB, at the end.
  std::size_t eocd = std::string::npos;
  for (std::size_t i = b.size() >= 22 ? b.size() - 22 : 0; b.size() >= 22; --i) {
    if (le(b, i, 4) == 0x06054b50) {
      eocd = i;
      break;
    }
    if (i == 0 || b.size() - i > 22 + 65535) break;
  }
  if (eocd == std::string::npos) throw InputError(file, "is not an .npz (zip) archive: no end-of-directory record");
  const std::uint64_t entries = le(b, eocd + 10, 2), dirSize = le(b, eocd + 12, 4), dirOffset = le(b, eocd + 16, 4);
  if (entries == 0xffff || dirOffset == 0xffffffff)
    throw InputError(file, "is a zip64 archive (over 4 GiB or 65535 members), which this reader does not support");
  if (dirOffset + dirSize > eocd) throw InputError(file, "the zip directory lies outside the file");
  std::vector<NamedTensor> out;
  std::size_t at = dirOffset;
  std::uint64_t unpacked = 0;  // declared sizes so far, against the memory budget
  for (std::uint64_t k = 0; k < entries; ++k) {
    if (at + 46 > eocd || le(b, at, 4) != 0x02014b50)
      throw InputError(file, "zip directory entry " + std::to_string(k) + " is malformed");
    const auto method = le(b, at + 10, 2), compressed = le(b, at + 20, 4), size = le(b, at + 24, 4);
    const auto nameLength = le(b, at + 28, 2), extraLength = le(b, at + 30, 2), commentLength = le(b, at + 32, 2);
    const auto local = le(b, at + 42, 4);
    if (at + 46 + nameLength > eocd)
      throw InputError(file, "zip directory entry " + std::to_string(k) + " is truncated");
    const std::string member = b.substr(at + 46, nameLength);
    at += 46 + nameLength + extraLength + commentLength;
    const std::string where = file + ": " + member;
    if (local + 30 > b.size() || le(b, local, 4) != 0x04034b50)
      throw InputError(where, "the member's local header is missing");
    const std::size_t data = local + 30 + le(b, local + 26, 2) + le(b, local + 28, 2);
    if (data + compressed > b.size()) throw InputError(where, "the member's data runs past the end of the file");
    // Sizes are checked before anything is inflated: deflate produces at most
    // 1032 bytes per input byte (a 2 KB member declaring 4 GB allocated it),
    // and all members together must fit the memory budget (zip bombs).
    if (method == 8 && size > compressed * 1032 + 1024)
      throw InputError(where, "declares " + std::to_string(size) + " bytes from " + std::to_string(compressed) +
                                  " compressed, more than deflate can produce");
    unpacked = checkedAdd(unpacked, size, file, "the members' sizes");
    checkWithinBudget(unpacked, file, "unpacking its members");
    std::string bytes;
    if (method == 0) {
      bytes = b.substr(data, compressed);
    } else if (method == 8) {
      bytes = inflateRaw(b.substr(data, compressed), size, where);
    } else {
      throw InputError(where, "compression method " + std::to_string(method) + " is not stored (0) or deflate (8)");
    }
    std::string name = member;
    if (name.size() > 4 && name.substr(name.size() - 4) == ".npy") name.resize(name.size() - 4);
    out.push_back({name, parseNpy(bytes, where)});
  }
  return out;
}

namespace {

DType safetensorsDType(const std::string& code, const std::string& where) {
  if (code == "F64") return DType::F64;
  if (code == "F32") return DType::F32;
  if (code == "F16") return DType::F16;
  if (code == "BF16") return DType::BF16;
  if (code == "I64") return DType::I64;
  if (code == "I32") return DType::I32;
  if (code == "I8") return DType::I8;
  if (code == "U8") return DType::U8;
  if (code == "BOOL") return DType::Bool;
  throw InputError(where, "dtype " + code + " is not supported (F64, F32, F16, BF16, I64, I32, I8, U8, BOOL)");
}

}  // namespace

std::vector<NamedTensor> readSafetensors(const std::filesystem::path& path) {
  return parseSafetensors(readAll(path), path.string());
}

SafetensorsHeader parseSafetensorsHeader(std::string_view b, std::uint64_t fileSize, const std::string& file) {
  if (fileSize < 8 || b.size() < 8) throw InputError(file, "is too short for a safetensors header length (8 bytes)");
  const std::uint64_t headerSize = le(b, 0, 8);
  if (headerSize > fileSize - 8 || headerSize > b.size() - 8)
    throw InputError(file, "header length " + std::to_string(headerSize) + " runs past the end of the file (" +
                               std::to_string(fileSize) + " bytes)");
  const nlohmann::json header = parseBoundedJson(b.substr(8, headerSize), file + " (JSON header)");
  if (!header.is_object()) throw InputError(file, "the JSON header is not an object");
  SafetensorsHeader out;
  out.bufferStart = 8 + headerSize;
  const std::uint64_t bufferSize = fileSize - out.bufferStart;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> spans;
  for (const auto& [name, t] : header.items()) {
    if (name == "__metadata__") continue;
    const std::string where = file + ": tensor '" + name + "'";
    if (!t.is_object() || !t.contains("dtype") || !t.contains("shape") || !t.contains("data_offsets"))
      throw InputError(where, "needs dtype, shape and data_offsets");
    SafetensorsEntry e;
    e.name = name;
    try {
      e.dtype = safetensorsDType(t["dtype"].get<std::string>(), where);
      for (const auto& x : t["shape"]) {
        if (x.get<std::int64_t>() < 0) throw InputError(where, "has a negative extent");
        e.shape.push_back(x.get<std::int64_t>());
      }
      if (t["data_offsets"].size() != 2) throw InputError(where, "data_offsets must be [begin, end]");
      e.begin = t["data_offsets"][0].get<std::uint64_t>();
      e.end = t["data_offsets"][1].get<std::uint64_t>();
    } catch (const nlohmann::json::exception& x) {
      throw InputError(where, std::string("has a malformed field: ") + x.what());
    }
    if (e.begin > e.end || e.end > bufferSize)
      throw InputError(where, "data_offsets [" + std::to_string(e.begin) + ", " + std::to_string(e.end) +
                                  "] lie outside the " + std::to_string(bufferSize) + "-byte buffer");
    const std::uint64_t need = checkedShapeBytes(e.shape, dtypeSize(e.dtype), where);
    if (e.end - e.begin != need)
      throw InputError(where, "shape " + shapeToString(e.shape) + " of " + std::string(dtypeName(e.dtype)) + " needs " +
                                  std::to_string(need) + " bytes, data_offsets give " +
                                  std::to_string(e.end - e.begin));
    spans.emplace_back(e.begin, e.end);
    out.entries.push_back(std::move(e));
  }
  std::sort(spans.begin(), spans.end());
  for (std::size_t i = 1; i < spans.size(); ++i)
    if (spans[i].first < spans[i - 1].second) throw InputError(file, "two tensors' data_offsets overlap");
  return out;
}

std::vector<NamedTensor> parseSafetensors(const std::string& b, const std::string& file) {
  const SafetensorsHeader header = parseSafetensorsHeader(b, b.size(), file);
  std::vector<NamedTensor> out;
  for (const SafetensorsEntry& e : header.entries)
    out.push_back({e.name, Array::copyOf(ArrayView(b.data() + header.bufferStart + e.begin, e.dtype, e.shape))});
  return out;
}

std::vector<NamedTensor> readTensorFile(const std::filesystem::path& path) {
  const std::string ext = path.extension().string();
  if (ext == ".npy") return {{path.stem().string(), readNpy(path)}};
  if (ext == ".npz") return readNpz(path);
  if (ext == ".safetensors") return readSafetensors(path);
  throw InputError(path.string(), "is not a tensor file this reads (.npy, .npz, .safetensors)");
}

}  // namespace loupe
