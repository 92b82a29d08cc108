// A checkpoint folder's tensors, as Hugging Face stores them: one
// model.safetensors, or model.safetensors.index.json naming shards. Files
// are memory-mapped and weights read in place in their dtype (f32, f16,
// bf16); every tensor's shape is checked against what the config asks, and
// a missing or misshapen one is refused naming the file and the tensor.
// Shared by the Llama and Mamba checkpoints.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engines/core/MappedSafetensors.h"

namespace loupe::lm {

// A row-major [rows × cols] weight in place: y = W·x reads row r for output r.
struct Matrix {
  DType dtype = DType::F32;  // F32, F16 or BF16
  int rows = 0, cols = 0;
  const void* data = nullptr;
  std::string name;
};

// What keeps a checkpoint's weights alive, and what they weigh.
struct WeightStore {
  std::filesystem::path folder;
  std::uint64_t weightBytes = 0;                          // bytes of every matrix as stored (one decode step's reads)
  std::vector<std::unique_ptr<MappedSafetensors>> files;  // the mappings
  std::vector<std::vector<unsigned char>> copies;         // tensors copied because misaligned in their file
};

// Where each tensor of the folder lives (checks the index's shards).
std::map<std::string, MappedSafetensors*> mapTensors(WeightStore& store);

class TensorSource {
 public:
  TensorSource(WeightStore& store, std::map<std::string, MappedSafetensors*> where)
      : m_c(store), m_where(std::move(where)) {}

  bool has(const std::string& name) const { return m_where.count(name) != 0; }
  // The tensor, of exactly `expected` shape and a float dtype.
  ArrayView find(const std::string& name, const Shape& expected);
  Matrix matrix(const std::string& name, int rows, int cols);
  std::vector<float> vector(const std::string& name, int size);             // widened to f32
  std::vector<float> widened(const std::string& name, const Shape& shape);  // any shape, widened to f32

 private:
  WeightStore& m_c;
  std::map<std::string, MappedSafetensors*> m_where;
};

}  // namespace loupe::lm
