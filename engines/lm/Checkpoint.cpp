#include "engines/lm/Checkpoint.h"

#include <cstdint>
#include <cstring>
#include <map>

#include "engines/core/BoundedJson.h"
#include "engines/core/DTypeConvert.h"
#include "engines/core/Error.h"
#include "engines/core/InputFile.h"
#include "engines/lm/TensorSource.h"

namespace loupe::lm {

namespace fs = std::filesystem;

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
