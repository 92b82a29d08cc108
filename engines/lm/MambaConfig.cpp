#include "engines/lm/MambaConfig.h"

#include <set>

#include "engines/core/BoundedJson.h"
#include "engines/core/Error.h"
#include "engines/core/InputFile.h"
#include "engines/lm/ConfigFields.h"

namespace loupe::lm {

using namespace config;

std::int64_t MambaConfig::parameterCount() const {
  const std::int64_t h = hidden, di = inner(), n = state, r = dtRank, k = convKernel;
  const std::int64_t perLayer = h + 2 * di * h + (useBias ? 2 * di : 0) + di * k + (useConvBias ? di : 0) +
                                (r + 2 * n) * di + di * r + di + di * n + di + h * di + (useBias ? h : 0);
  return static_cast<std::int64_t>(vocab) * h * (tiedEmbeddings ? 1 : 2) + layers * perLayer + h;
}

MambaConfig parseMambaConfig(const std::string& text, const std::string& where) {
  const nlohmann::json j = parseBoundedJson(text, where, std::size_t{1} << 20);
  if (!j.is_object()) throw InputError(where, "is not a JSON object");
  if (j.contains("model_type") && j["model_type"] != "mamba")
    throw InputError(where, "model_type: " + jsonExcerpt(j["model_type"]) +
                                " is not \"mamba\" (this engine implements Mamba-1, MambaForCausalLM)");
  // What MambaConfig holds: read below, or only steering training and
  // initialisation (harmless for inference), or bookkeeping.
  static const std::set<std::string> known = {"hidden_size",
                                              "state_size",
                                              "num_hidden_layers",
                                              "expand",
                                              "conv_kernel",
                                              "time_step_rank",
                                              "vocab_size",
                                              "layer_norm_epsilon",
                                              "use_bias",
                                              "use_conv_bias",
                                              "tie_word_embeddings",
                                              "torch_dtype",
                                              "bos_token_id",
                                              "eos_token_id",
                                              "pad_token_id",
                                              "model_type",
                                              "architectures",
                                              "transformers_version",
                                              "hidden_act",
                                              "intermediate_size",
                                              "initializer_range",
                                              "rescale_prenorm_residual",
                                              "residual_in_fp32",
                                              "time_step_scale",
                                              "time_step_min",
                                              "time_step_max",
                                              "time_step_init_scheme",
                                              "time_step_floor",
                                              "use_cache",
                                              "use_mambapy",
                                              "n_layer",
                                              "d_model"};
  for (const auto& [key, value] : j.items())
    if (!known.count(key))
      throw InputError(where, key + ": is not a MambaConfig field this engine knows; refusing rather than guessing");
  refuseUnless(j, "hidden_act", "silu", where, "an activation other than SiLU");

  MambaConfig c;
  c.hidden = positiveInt(j, "hidden_size", where);
  c.state = positiveInt(j, "state_size", where, 16);
  c.layers = positiveInt(j, "num_hidden_layers", where);
  c.expand = positiveInt(j, "expand", where, 2);
  // d_inner = expand · hidden_size sizes every mixer tensor: it obeys the
  // same bound as a field (and int arithmetic stays defined).
  if (std::int64_t{c.expand} * c.hidden > kMaxDimension)
    throw InputError(where, "expand · hidden_size = " + std::to_string(std::int64_t{c.expand} * c.hidden) +
                                " is more than " + std::to_string(kMaxDimension));
  c.convKernel = positiveInt(j, "conv_kernel", where, 4);
  c.vocab = positiveInt(j, "vocab_size", where);
  c.eps = positiveNumber(j, "layer_norm_epsilon", where, 1e-5);
  if (j.contains("time_step_rank") && j["time_step_rank"] == "auto")
    c.dtRank = (c.hidden + 15) / 16;
  else
    c.dtRank = positiveInt(j, "time_step_rank", where, (c.hidden + 15) / 16);
  if (j.contains("intermediate_size") && !j["intermediate_size"].is_null() && j["intermediate_size"] != c.inner())
    throw InputError(where, "intermediate_size: " + jsonExcerpt(j["intermediate_size"]) +
                                " differs from expand · hidden_size = " + std::to_string(c.inner()));
  c.useBias = boolean(j, "use_bias", where, false);
  c.useConvBias = boolean(j, "use_conv_bias", where, true);
  c.tiedEmbeddings = boolean(j, "tie_word_embeddings", where, true);
  c.dtype = torchDtype(j, where);
  tokenIds(j, c.vocab, where, c.bosId, c.eosId);
  // Counted in double first: every size may be at its bound, and their
  // products would overflow int64 in parameterCount().
  const double h = c.hidden, di = c.inner(), n = c.state, r = c.dtRank, k = c.convKernel;
  const double params = double(c.vocab) * h * 2 + c.layers * (h + 2 * di * h + 2 * di + di * k + di + (r + 2 * n) * di +
                                                              di * r + di + di * n + di + h * di + h);
  if (params > kMaxParameters)
    throw InputError(where, "these sizes make a model of " + std::to_string(params) + " parameters, more than " +
                                std::to_string(kMaxParameters) + "; refusing before anything is allocated");
  return c;
}

MambaConfig readMambaConfig(const std::filesystem::path& file) {
  return parseMambaConfig(readInputFile(file, std::uint64_t{1} << 20), file.string());
}

bool isMambaCheckpoint(const std::filesystem::path& folder) {
  const std::filesystem::path file = folder / "config.json";
  if (!std::filesystem::is_regular_file(file)) return false;
  const nlohmann::json j =
      parseBoundedJson(readInputFile(file, std::uint64_t{1} << 20), file.string(), std::size_t{1} << 20);
  if (!j.is_object()) return false;
  if (j.contains("model_type")) return j["model_type"] == "mamba";
  if (j.contains("architectures") && j["architectures"].is_array())
    for (const auto& a : j["architectures"])
      if (a == "MambaForCausalLM") return true;
  return false;
}

}  // namespace loupe::lm
