// A Mamba (S6) model's hyper-parameters, read from a Hugging Face
// MambaConfig config.json. Defaults are MambaConfig's own (transformers
// 4.x): state_size 16, expand 2, conv_kernel 4, time_step_rank "auto"
// (⌈hidden_size / 16⌉), layer_norm_epsilon 1e-5, use_bias false,
// use_conv_bias true, tie_word_embeddings true.
//
// Fields that only steer training or initialisation are accepted; a field
// this engine does not know, or one asking for a feature it lacks (an
// activation other than SiLU, another model_type), is refused by name.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "engines/core/DType.h"

namespace loupe::lm {

struct MambaConfig {
  int hidden = 0;      // hidden_size
  int state = 16;      // state_size (N)
  int layers = 0;      // num_hidden_layers
  int expand = 2;      // d_inner = expand · hidden
  int convKernel = 4;  // conv_kernel
  int dtRank = 0;      // time_step_rank
  int vocab = 0;       // vocab_size
  double eps = 1e-5;   // layer_norm_epsilon (RMSNorm)
  bool useBias = false, useConvBias = true, tiedEmbeddings = true;
  DType dtype = DType::F32;
  int bosId = 0, eosId = 0;

  int inner() const { return expand * hidden; }
  std::int64_t parameterCount() const;
};

MambaConfig parseMambaConfig(const std::string& jsonText, const std::string& where);
MambaConfig readMambaConfig(const std::filesystem::path& file);

// Whether `folder`'s config.json names a Mamba (model_type "mamba", or
// MambaForCausalLM among its architectures) — which loader a kind taking
// "any checkpoint" uses. Throws InputError for a config.json that is not
// JSON; false when there is none.
bool isMambaCheckpoint(const std::filesystem::path& folder);

}  // namespace loupe::lm
