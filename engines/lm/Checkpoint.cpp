#include "engines/lm/Checkpoint.h"

#include <cstdint>
#include <cstring>
#include <map>

#include "engines/core/BoundedJson.h"
#include "engines/core/DTypeConvert.h"
#include "engines/core/Error.h"
#include "engines/core/InputFile.h"

namespace loupe::lm {

namespace fs = std::filesystem;

namespace {

// Where each tensor lives: one file, or the shards an index names.
std::map<std::string, MappedSafetensors*> mapTensors(Checkpoint& c) {
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

std::string shapeText(const Shape& s) {
  std::string t = "[";
  for (std::size_t i = 0; i < s.size(); ++i) t += (i ? ", " : "") + std::to_string(s[i]);
  return t + "]";
}

class TensorSource {
 public:
  TensorSource(Checkpoint& c, std::map<std::string, MappedSafetensors*> where) : m_c(c), m_where(std::move(where)) {}

  bool has(const std::string& name) const { return m_where.count(name) != 0; }

  ArrayView find(const std::string& name, const Shape& expected) {
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

  Matrix matrix(const std::string& name, int rows, int cols) {
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

  std::vector<float> vector(const std::string& name, int size) { return toFloat32(find(name, {size})); }

 private:
  Checkpoint& m_c;
  std::map<std::string, MappedSafetensors*> m_where;
};

}  // namespace

std::unique_ptr<Checkpoint> loadCheckpoint(const fs::path& folder) {
  auto c = std::make_unique<Checkpoint>();
  c->folder = folder;
  if (!fs::is_directory(folder)) throw InputError(folder.string(), "is not a checkpoint folder");
  c->config = readLlamaConfig(folder / "config.json");
  const LlamaConfig& k = c->config;
  TensorSource t(*c, mapTensors(*c));
  const int h = k.hidden, qw = k.heads * k.headDim(), kvw = k.kvWidth();
  c->embed = t.matrix("model.embed_tokens.weight", k.vocab, h);
  for (int i = 0; i < k.layers; ++i) {
    const std::string p = "model.layers." + std::to_string(i) + ".";
    LayerWeights L;
    L.attnNorm = t.vector(p + "input_layernorm.weight", h);
    L.mlpNorm = t.vector(p + "post_attention_layernorm.weight", h);
    L.q = t.matrix(p + "self_attn.q_proj.weight", qw, h);
    L.k = t.matrix(p + "self_attn.k_proj.weight", kvw, h);
    L.v = t.matrix(p + "self_attn.v_proj.weight", kvw, h);
    L.o = t.matrix(p + "self_attn.o_proj.weight", h, qw);
    L.gate = t.matrix(p + "mlp.gate_proj.weight", k.intermediate, h);
    L.up = t.matrix(p + "mlp.up_proj.weight", k.intermediate, h);
    L.down = t.matrix(p + "mlp.down_proj.weight", h, k.intermediate);
    c->layers.push_back(std::move(L));
  }
  c->finalNorm = t.vector("model.norm.weight", h);
  if (k.tiedEmbeddings) {
    c->lmHead = c->embed;  // HF ties lm_head to the embedding and does not read lm_head.weight
  } else {
    if (!t.has("lm_head.weight"))
      throw InputError(folder.string() + ": tensor 'lm_head.weight'",
                       "is missing, and config.json says tie_word_embeddings is false");
    c->lmHead = t.matrix("lm_head.weight", k.vocab, h);
  }
  if (fs::exists(folder / "tokenizer.model")) c->tokenizer = folder / "tokenizer.model";
  return c;
}

}  // namespace loupe::lm
