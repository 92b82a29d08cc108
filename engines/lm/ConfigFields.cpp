#include "engines/lm/ConfigFields.h"

#include <cmath>

#include "engines/core/BoundedJson.h"
#include "engines/core/Error.h"

namespace loupe::lm::config {

int positiveInt(const nlohmann::json& j, const char* key, const std::string& where, int fallback) {
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

void refuseUnless(const nlohmann::json& j, const char* key, const nlohmann::json& harmless, const std::string& where,
                  const std::string& feature) {
  if (!j.contains(key) || j[key].is_null() || j[key] == harmless) return;
  throw InputError(where, std::string(key) + ": " + jsonExcerpt(j[key]) + " asks for " + feature +
                              ", which this engine does not implement");
}

bool boolean(const nlohmann::json& j, const char* key, const std::string& where, bool fallback) {
  if (!j.contains(key) || j[key].is_null()) return fallback;
  if (!j[key].is_boolean())
    throw InputError(where, std::string(key) + ": must be true or false, not " + jsonExcerpt(j[key]));
  return j[key].get<bool>();
}

DType torchDtype(const nlohmann::json& j, const std::string& where) {
  if (!j.contains("torch_dtype") || j["torch_dtype"].is_null()) return DType::F32;
  const auto& t = j["torch_dtype"];
  if (t == "float32") return DType::F32;
  if (t == "float16") return DType::F16;
  if (t == "bfloat16") return DType::BF16;
  throw InputError(where, "torch_dtype: " + jsonExcerpt(t) + " is not float32, float16 or bfloat16");
}

void tokenIds(const nlohmann::json& j, int vocab, const std::string& where, int& bos, int& eos) {
  for (const char* key : {"bos_token_id", "eos_token_id"}) {
    if (!j.contains(key) || j[key].is_null()) continue;
    // Llama 3 lists several end tokens; the first is the one generation stops on here.
    const nlohmann::json& id = j[key].is_array() && !j[key].empty() ? j[key][0] : j[key];
    if (!id.is_number_integer() || id.get<std::int64_t>() < 0 || id.get<std::int64_t>() >= vocab)
      throw InputError(where, std::string(key) + ": " + jsonExcerpt(j[key]) + " is not a token id below vocab_size");
    (std::string(key) == "bos_token_id" ? bos : eos) = id.get<int>();
  }
}

}  // namespace loupe::lm::config
