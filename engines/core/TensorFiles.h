// Every tensor of a file, by name: numpy's .npy (one tensor, named by the
// file's stem) and .npz (a zip of .npy members, stored as np.savez writes
// them or deflated as np.savez_compressed does), and safetensors (an 8-byte
// little-endian header length, a JSON header mapping names to dtype, shape
// and data_offsets into the byte buffer that follows).
//
// Malformed input is an InputError naming the file, the tensor when there
// is one, and the fault: a truncated or oversized header, a zip without its
// directory, an unsupported compression or dtype, offsets outside the
// buffer or not matching the shape, overlapping tensors.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "engines/core/Array.h"

namespace loupe {

struct NamedTensor {
  std::string name;
  Array array;
};

std::vector<NamedTensor> readNpz(const std::filesystem::path& file);
std::vector<NamedTensor> readSafetensors(const std::filesystem::path& file);
// The same on a file's bytes already in memory; `file` names it in errors.
std::vector<NamedTensor> parseNpz(const std::string& bytes, const std::string& file);
std::vector<NamedTensor> parseSafetensors(const std::string& bytes, const std::string& file);

// A safetensors header, checked: every tensor's dtype, shape and byte span
// [begin, end) inside the buffer that starts at bufferStart. `start` holds
// the file's first bytes (at least the header), `fileSize` is the whole
// file's size (the spans are checked against it). MappedSafetensors reads
// the same header from a mapped file.
struct SafetensorsEntry {
  std::string name;
  DType dtype = DType::F32;
  Shape shape;
  std::uint64_t begin = 0, end = 0;
};
struct SafetensorsHeader {
  std::uint64_t bufferStart = 0;
  std::vector<SafetensorsEntry> entries;
};
SafetensorsHeader parseSafetensorsHeader(std::string_view start, std::uint64_t fileSize, const std::string& file);
// By extension: .npy, .npz or .safetensors.
std::vector<NamedTensor> readTensorFile(const std::filesystem::path& file);

}  // namespace loupe
