// libFuzzer target: a checkpoint's config.json (engines/lm/LlamaConfig.h):
// bounded JSON, then every field read and checked. Any input may only give
// a config whose sizes multiply without overflow, or throw InputError.
#include <cstddef>
#include <cstdint>
#include <string>

#include "engines/core/Error.h"
#include "engines/lm/LlamaConfig.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const auto c = loupe::lm::parseLlamaConfig(std::string(reinterpret_cast<const char*>(data), size), "config.json");
    (void)c.parameterCount();
    (void)c.kvWidth();
  } catch (const loupe::InputError&) {
  }
  return 0;
}
