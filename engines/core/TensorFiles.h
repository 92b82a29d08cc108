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

#include <filesystem>
#include <string>
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
// By extension: .npy, .npz or .safetensors.
std::vector<NamedTensor> readTensorFile(const std::filesystem::path& file);

}  // namespace loupe
