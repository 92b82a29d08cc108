// A Hugging Face Llama checkpoint folder, as users have them:
//   config.json                         (LlamaConfig.h)
//   model.safetensors                   one file, or
//   model.safetensors.index.json        {"weight_map": {tensor: shard file}}
//     + model-0000N-of-0000M.safetensors the shards it names
//   tokenizer.model                     SentencePiece (optional here; Tokenizer.h)
// Tensors are named as LlamaForCausalLM names them (model.embed_tokens.weight,
// model.layers.{i}.self_attn.{q,k,v,o}_proj.weight, …, lm_head.weight).
// The safetensors files are memory-mapped; weights stay in the file's dtype
// (f32, f16 or bf16) and are read in place. Every tensor's shape is checked
// against the config: a wrong one is refused naming the tensor, its shape
// and the expected one; a missing one is named too.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "engines/core/MappedSafetensors.h"
#include "engines/lm/LlamaConfig.h"
#include "engines/lm/TensorSource.h"

namespace loupe::lm {

struct LayerWeights {
  std::vector<float> attnNorm, mlpNorm;  // input_layernorm, post_attention_layernorm (widened to f32)
  Matrix q, k, v, o, gate, up, down;
};

struct Checkpoint : WeightStore {
  LlamaConfig config;
  Matrix embed;   // vocab × hidden
  Matrix lmHead;  // vocab × hidden (the embedding itself when tied)
  std::vector<float> finalNorm;
  std::vector<LayerWeights> layers;
  std::filesystem::path tokenizer;  // empty when the folder has none
};

// Throws InputError naming the folder, file, field or tensor.
std::unique_ptr<Checkpoint> loadCheckpoint(const std::filesystem::path& folder);

}  // namespace loupe::lm
