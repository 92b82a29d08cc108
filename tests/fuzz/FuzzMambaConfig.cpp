// libFuzzer target: a Mamba checkpoint's config.json (engines/lm/MambaConfig.h):
// bounded JSON, then every field read and checked. Any input may only give
// a config whose sizes multiply without overflow, or throw InputError.
#include <cstddef>
#include <cstdint>
#include <string>

#include "engines/core/Error.h"
#include "engines/lm/MambaConfig.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const auto c = loupe::lm::parseMambaConfig(std::string(reinterpret_cast<const char*>(data), size), "config.json");
    (void)c.parameterCount();
    (void)c.inner();
  } catch (const loupe::InputError&) {
  }
  return 0;
}
