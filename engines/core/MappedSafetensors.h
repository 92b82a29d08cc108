// A safetensors file memory-mapped read-only: the tensors are views into the
// mapping, never copied, so a checkpoint of several GB costs address space,
// not memory, and pages come in as the model touches them. The header is
// checked as readSafetensors checks it (TensorFiles.h) before any view is
// handed out; a file that is not a regular file is refused by name.
#pragma once

#include <cstddef>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "engines/core/ArrayView.h"
#include "engines/core/TensorFiles.h"

namespace loupe {

class MappedSafetensors {
 public:
  explicit MappedSafetensors(const std::filesystem::path& file);
  ~MappedSafetensors();
  MappedSafetensors(const MappedSafetensors&) = delete;
  MappedSafetensors& operator=(const MappedSafetensors&) = delete;

  const std::filesystem::path& path() const { return m_path; }
  // Tensor names in the header's order.
  std::vector<std::string> names() const;
  bool contains(const std::string& name) const { return m_entries.count(name) != 0; }
  const SafetensorsEntry& entry(const std::string& name) const;  // throws InputError naming file and tensor
  ArrayView view(const std::string& name) const;
  std::uint64_t fileBytes() const { return m_size; }

 private:
  std::filesystem::path m_path;
  const std::byte* m_data = nullptr;
  std::uint64_t m_size = 0;
  std::uint64_t m_bufferStart = 0;
  std::vector<std::string> m_order;
  std::map<std::string, SafetensorsEntry> m_entries;
};

}  // namespace loupe
