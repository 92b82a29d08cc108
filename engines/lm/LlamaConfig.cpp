#include "engines/lm/LlamaConfig.h"

#include <cmath>

#include "engines/core/BoundedJson.h"
#include "engines/core/Error.h"
#include "engines/core/InputFile.h"
#include "engines/lm/ConfigFields.h"

namespace loupe::lm {

using namespace config;

std::int64_t LlamaConfig::parameterCount() const {
  const std::int64_t h = hidden, attn = h * heads * headDim() * 2 + h * kvWidth() * 2;
  const std::int64_t perLayer = attn + 3 * h * intermediate + 2 * h;
  return static_cast<std::int64_t>(vocab) * h * (tiedEmbeddings ? 1 : 2) + layers * perLayer + h;
}

LlamaConfig parseLlamaConfig(const std::string& text, const std::string& where) {
  const nlohmann::json j = parseBoundedJson(text, where, std::size_t{1} << 20);
  if (!j.is_object()) throw InputError(where, "is not a JSON object");
  if (j.contains("model_type") && j["model_type"] != "llama")
    throw InputError(where, "model_type: " + jsonExcerpt(j["model_type"]) +
                                " is not \"llama\" (this engine implements the Llama architecture)");
  refuseUnless(j, "rope_scaling", nullptr, where, "scaled rotary positions");
  refuseUnless(j, "sliding_window", nullptr, where, "sliding-window attention");
  refuseUnless(j, "attention_bias", false, where, "biases in the attention projections");
  refuseUnless(j, "mlp_bias", false, where, "biases in the MLP");
  refuseUnless(j, "quantization_config", nullptr, where, "quantized weights");
  refuseUnless(j, "hidden_act", "silu", where, "an activation other than SiLU");
  refuseUnless(j, "attention_dropout", 0.0, where, "attention dropout");

  LlamaConfig c;
  c.hidden = positiveInt(j, "hidden_size", where);
  c.intermediate = positiveInt(j, "intermediate_size", where);
  c.heads = positiveInt(j, "num_attention_heads", where);
  c.kvHeads = positiveInt(j, "num_key_value_heads", where, c.heads);
  c.layers = positiveInt(j, "num_hidden_layers", where);
  c.vocab = positiveInt(j, "vocab_size", where);
  c.maxPositions = positiveInt(j, "max_position_embeddings", where, 2048);
  c.rmsEps = positiveNumber(j, "rms_norm_eps", where, 1e-6);
  c.ropeTheta = positiveNumber(j, "rope_theta", where, 10000.0);
  if (c.hidden % c.heads != 0)
    throw InputError(where, "num_attention_heads: " + std::to_string(c.heads) + " does not divide hidden_size " +
                                std::to_string(c.hidden));
  if (c.headDim() % 2 != 0)
    throw InputError(where, "num_attention_heads: the head width " + std::to_string(c.headDim()) +
                                " is odd; rotary embedding pairs its halves");
  if (c.heads % c.kvHeads != 0)
    throw InputError(where, "num_key_value_heads: " + std::to_string(c.kvHeads) + " does not divide " +
                                std::to_string(c.heads) + " attention heads");
  if (j.contains("head_dim") && !j["head_dim"].is_null() && j["head_dim"] != c.headDim())
    throw InputError(where, "head_dim: " + jsonExcerpt(j["head_dim"]) + " differs from hidden_size / heads = " +
                                std::to_string(c.headDim()) + ", which this engine assumes");
  c.tiedEmbeddings = boolean(j, "tie_word_embeddings", where, false);
  c.dtype = torchDtype(j, where);
  tokenIds(j, c.vocab, where, c.bosId, c.eosId);
  return c;
}

LlamaConfig readLlamaConfig(const std::filesystem::path& file) {
  return parseLlamaConfig(readInputFile(file, std::uint64_t{1} << 20), file.string());
}

}  // namespace loupe::lm
