#include "engines/lm/TensorSource.h"

#include <cstdint>
#include <cstring>

#include "engines/core/BoundedJson.h"
#include "engines/core/DTypeConvert.h"
#include "engines/core/Error.h"
#include "engines/core/InputFile.h"

namespace loupe::lm {

namespace fs = std::filesystem;

namespace {

std::string shapeText(const Shape& s) {
  std::string t = "[";
  for (std::size_t i = 0; i < s.size(); ++i) t += (i ? ", " : "") + std::to_string(s[i]);
  return t + "]";
}

}  // namespace

// Where each tensor lives: one file, or the shards an index names.
std::map<std::string, MappedSafetensors*> mapTensors(WeightStore& c) {
  std::map<std::string, MappedSafetensors*> where;
  const fs::path single = c.folder / "model.safetensors", index = c.folder / "model.safetensors.index.json";
  if (fs::exists(index)) {
    const std::string indexName = index.string();
    const nlohmann::json j = parseBoundedJson(readInputFile(index, std::uint64_t{64} << 20), indexName);
    if (!j.is_object() || !j.contains("weight_map") || !j["weight_map"].is_object())
      throw InputError(indexName, "weight_map: is missing or not an object");
    std::map<std::string, MappedSafetensors*> shards;
    for (const auto& [tensor, file] : j["weight_map"].items()) {
      if (!file.is_string()) throw InputError(indexName, "weight_map." + tensor + ": is not a file name");
      const std::string name = file.get<std::string>();
      if (name.empty() || name.find('/') != std::string::npos || name == "." || name == "..")
        throw InputError(indexName, "weight_map." + tensor + ": " + jsonExcerpt(file) +
                                        " is not a file name inside the checkpoint folder");
      auto it = shards.find(name);
      if (it == shards.end()) {
        if (!fs::exists(c.folder / name))
          throw InputError(indexName,
                           "weight_map." + tensor + ": the shard " + name + " is not in " + c.folder.string());
        c.files.push_back(std::make_unique<MappedSafetensors>(c.folder / name));
        it = shards.emplace(name, c.files.back().get()).first;
      }
      if (!it->second->contains(tensor))
        throw InputError((c.folder / name).string() + ": tensor '" + tensor + "'",
                         "is not in the shard the index names for it");
      where[tensor] = it->second;
    }
    return where;
  }
  if (!fs::exists(single))
    throw InputError(c.folder.string(), "has neither model.safetensors nor model.safetensors.index.json");
  c.files.push_back(std::make_unique<MappedSafetensors>(single));
  for (const std::string& name : c.files.back()->names()) where[name] = c.files.back().get();
  return where;
}

ArrayView TensorSource::find(const std::string& name, const Shape& expected) {
  const auto it = m_where.find(name);
  if (it == m_where.end()) throw InputError(m_c.folder.string() + ": tensor '" + name + "'", "is missing");
  const ArrayView v = it->second->view(name);
  const std::string where = it->second->path().string() + ": tensor '" + name + "'";
  if (v.shape() != expected)
    throw InputError(where, "has shape " + shapeText(v.shape()) + ", the config asks for " + shapeText(expected));
  if (v.dtype() != DType::F32 && v.dtype() != DType::F16 && v.dtype() != DType::BF16)
    throw InputError(where, "is " + std::string(dtypeName(v.dtype())) + "; weights must be F32, F16 or BF16");
  return v;
}

Matrix TensorSource::matrix(const std::string& name, int rows, int cols) {
  const ArrayView v = find(name, {rows, cols});
  Matrix m{v.dtype(), rows, cols, v.data(), name};
  // A safetensors offset need not be a multiple of the element size; the
  // kernels load whole elements, so a misaligned tensor is copied once.
  if (reinterpret_cast<std::uintptr_t>(v.data()) % dtypeSize(v.dtype()) != 0) {
    m_c.copies.emplace_back(v.nbytes());
    std::memcpy(m_c.copies.back().data(), v.data(), v.nbytes());
    m.data = m_c.copies.back().data();
  }
  m_c.weightBytes += v.nbytes();
  return m;
}

std::vector<float> TensorSource::vector(const std::string& name, int size) {
  return toFloat32(find(name, {size}));
}

std::vector<float> TensorSource::widened(const std::string& name, const Shape& shape) {
  return toFloat32(find(name, shape));
}

}  // namespace loupe::lm
