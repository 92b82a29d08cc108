// A Llama-family model's hyper-parameters, read from a Hugging Face
// config.json under LlamaConfig's names. Defaults are LlamaConfig's own
// (transformers 4.x): num_key_value_heads = num_attention_heads,
// rms_norm_eps 1e-6, rope_theta 10000, max_position_embeddings 2048,
// tie_word_embeddings false.
//
// A feature this engine does not implement is refused, naming the field
// (rope_scaling, sliding_window, attention_bias, mlp_bias, a quantization
// config, an activation other than SiLU, another model_type): a model that
// loaded but computed something else would be worse than no model.
#pragma once

#include <filesystem>
#include <string>

#include "engines/core/DType.h"

namespace loupe::lm {

struct LlamaConfig {
  int hidden = 0;        // hidden_size
  int intermediate = 0;  // intermediate_size
  int heads = 0;         // num_attention_heads
  int kvHeads = 0;       // num_key_value_heads
  int layers = 0;        // num_hidden_layers
  int vocab = 0;         // vocab_size
  int maxPositions = 2048;
  double rmsEps = 1e-6;
  double ropeTheta = 10000.0;
  bool tiedEmbeddings = false;
  DType dtype = DType::F32;  // torch_dtype: what the checkpoint stores (compute is f32)
  int bosId = 1, eosId = 2;

  int headDim() const { return hidden / heads; }
  int kvWidth() const { return kvHeads * headDim(); }
  std::int64_t parameterCount() const;
};

// `where` names the file in errors ("…/config.json: num_key_value_heads: …").
LlamaConfig parseLlamaConfig(const std::string& jsonText, const std::string& where);
LlamaConfig readLlamaConfig(const std::filesystem::path& file);

}  // namespace loupe::lm
