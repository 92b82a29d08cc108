// libFuzzer target: network files (engines/scaling/Network.h): bounded JSON,
// then networkFromJson building every layer's shape and cost. Any input may
// only build a network or throw InputError — no overflowed cost, no crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "engines/core/BoundedJson.h"
#include "engines/core/Error.h"
#include "engines/scaling/Network.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const auto j = loupe::parseBoundedJson(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.json");
    const auto net = loupe::scaling::networkFromJson(j, "fuzz.json");
    (void)net.total();
    for (const auto& l : net.layers) (void)l.intensity();
  } catch (const loupe::InputError&) {
  }
  return 0;
}
