// Writing draft heads as safetensors (an 8-byte little-endian header
// length, the JSON header, then the tensors' bytes in header order), in f32
// or f16 — f16 halves what a shipped file weighs; readers widen either.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace loupe::specdec {

struct HeadTensor {
  std::string name;
  const std::vector<float>* data;
  std::vector<std::int64_t> shape;
};

// Throws InputError naming the file when it cannot be written whole.
void writeHeadTensors(const std::filesystem::path& file, const std::vector<HeadTensor>& tensors, bool half);

}  // namespace loupe::specdec
