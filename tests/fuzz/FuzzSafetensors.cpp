// libFuzzer target: the safetensors reader (engines/core/TensorFiles.h,
// parseSafetensors) on arbitrary bytes: the header length, the JSON header,
// dtypes, shapes and data_offsets against the buffer. Any input may only
// parse or throw InputError.
#include <cstddef>
#include <cstdint>
#include <string>

#include "engines/core/Error.h"
#include "engines/core/TensorFiles.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    (void)loupe::parseSafetensors(std::string(reinterpret_cast<const char*>(data), size), "fuzz.safetensors");
  } catch (const loupe::InputError&) {
  }
  return 0;
}
