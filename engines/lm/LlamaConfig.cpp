#include "engines/lm/LlamaConfig.h"

#include <cmath>

#include "engines/core/BoundedJson.h"
#include "engines/core/Error.h"
#include "engines/core/InputFile.h"

namespace loupe::lm {

namespace {

constexpr int kMaxDimension = 1 << 20;  // no real model comes near; keeps every product in 64 bits

int positiveInt(const nlohmann::json& j, const char* key, const std::string& where, int fallback = -1) {
  if (!j.contains(key) || j[key].is_null()) {
    if (fallback >= 0) return fallback;
    throw InputError(where, std::string(key) + ": is missing");
  }
  const auto& v = j[key];
  if (!v.is_number_integer() && !(v.is_number_float() && std::floor(v.get<double>()) == v.get<double>()))
    throw InputError(where, std::string(key) + ": must be a whole number, not " + jsonExcerpt(v));
  const double x = v.get<double>();
  if (x < 1 || x > kMaxDimension)
    throw InputError(where,
                     std::string(key) + ": " + jsonExcerpt(v) + " is outside 1.." + std::to_string(kMaxDimension));
  return static_cast<int>(x);
}

double positiveNumber(const nlohmann::json& j, const char* key, const std::string& where, double fallback) {
  if (!j.contains(key) || j[key].is_null()) return fallback;
  const auto& v = j[key];
  if (!v.is_number() || !(v.get<double>() > 0) || !std::isfinite(v.get<double>()))
    throw InputError(where, std::string(key) + ": must be a positive number, not " + jsonExcerpt(v));
  return v.get<double>();
}

// A field whose presence with any value but `harmless` means a feature we lack.
void refuseUnless(const nlohmann::json& j, const char* key, const nlohmann::json& harmless, const std::string& where,
                  const std::string& feature) {
  if (!j.contains(key) || j[key].is_null() || j[key] == harmless) return;
  throw InputError(where, std::string(key) + ": " + jsonExcerpt(j[key]) + " asks for " + feature +
                              ", which this engine does not implement");
}

}  // namespace

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
  if (j.contains("tie_word_embeddings")) {
    if (!j["tie_word_embeddings"].is_boolean())
      throw InputError(where,
                       "tie_word_embeddings: must be true or false, not " + jsonExcerpt(j["tie_word_embeddings"]));
    c.tiedEmbeddings = j["tie_word_embeddings"].get<bool>();
  }
  if (j.contains("torch_dtype") && !j["torch_dtype"].is_null()) {
    const auto& t = j["torch_dtype"];
    if (t == "float32")
      c.dtype = DType::F32;
    else if (t == "float16")
      c.dtype = DType::F16;
    else if (t == "bfloat16")
      c.dtype = DType::BF16;
    else
      throw InputError(where, "torch_dtype: " + jsonExcerpt(t) + " is not float32, float16 or bfloat16");
  }
  for (const char* key : {"bos_token_id", "eos_token_id"}) {
    if (!j.contains(key) || j[key].is_null()) continue;
    // Llama 3 lists several end tokens; the first is the one generation stops on here.
    const nlohmann::json& id = j[key].is_array() && !j[key].empty() ? j[key][0] : j[key];
    if (!id.is_number_integer() || id.get<std::int64_t>() < 0 || id.get<std::int64_t>() >= c.vocab)
      throw InputError(where, std::string(key) + ": " + jsonExcerpt(j[key]) + " is not a token id below vocab_size");
    (std::string(key) == "bos_token_id" ? c.bosId : c.eosId) = id.get<int>();
  }
  return c;
}

LlamaConfig readLlamaConfig(const std::filesystem::path& file) {
  return parseLlamaConfig(readInputFile(file, std::uint64_t{1} << 20), file.string());
}

}  // namespace loupe::lm
