// Reading a Hugging Face config.json's fields, checked: shared by the
// Llama and Mamba configs. Every error names the file and the field.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "engines/core/DType.h"

namespace loupe::lm::config {

inline constexpr int kMaxDimension = 1 << 20;  // no real model comes near; keeps every product in 64 bits
// 10^13 parameters: far past any checkpoint, and a count int64 holds with room.
inline constexpr double kMaxParameters = 1e13;

// A whole number in 1 … kMaxDimension; a missing one is `fallback` when ≥ 0, else an error.
int positiveInt(const nlohmann::json& j, const char* key, const std::string& where, int fallback = -1);
// A positive finite number; `fallback` when missing.
double positiveNumber(const nlohmann::json& j, const char* key, const std::string& where, double fallback);
// A field whose presence with any value but `harmless` means a feature we lack.
void refuseUnless(const nlohmann::json& j, const char* key, const nlohmann::json& harmless, const std::string& where,
                  const std::string& feature);
// true / false, `fallback` when missing.
bool boolean(const nlohmann::json& j, const char* key, const std::string& where, bool fallback);
// torch_dtype: float32, float16 or bfloat16 (F32 when missing).
DType torchDtype(const nlohmann::json& j, const std::string& where);
// bos_token_id / eos_token_id below vocab (the first of a list); unchanged when missing.
void tokenIds(const nlohmann::json& j, int vocab, const std::string& where, int& bos, int& eos);

}  // namespace loupe::lm::config
