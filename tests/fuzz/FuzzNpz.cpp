// libFuzzer target: the .npz reader (engines/core/TensorFiles.h, parseNpz)
// on arbitrary bytes: the zip directory walk, stored and deflated members,
// and each member's .npy header. Any input may only parse or throw
// InputError — no crash, no hang, no allocation past the checked sizes.
#include <cstddef>
#include <cstdint>
#include <string>

#include "engines/core/Error.h"
#include "engines/core/TensorFiles.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    (void)loupe::parseNpz(std::string(reinterpret_cast<const char*>(data), size), "fuzz.npz");
  } catch (const loupe::InputError&) {
  }
  return 0;
}
