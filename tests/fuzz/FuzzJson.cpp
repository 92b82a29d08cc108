// libFuzzer target: bounded JSON parsing (engines/core/BoundedJson.h), the
// entry of every recipe, --set value, tree list, network file and
// safetensors header. Any input may only parse or throw InputError; a parsed
// value's excerpt must be computable (it recurses over the value).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "engines/core/BoundedJson.h"
#include "engines/core/Error.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const auto value =
        loupe::parseBoundedJson(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.json");
    (void)loupe::jsonExcerpt(value);
  } catch (const loupe::InputError&) {
  }
  return 0;
}
