// libFuzzer target: the .npy parser (engines/core/NpyRead.h) on arbitrary
// bytes. Any input may only parse or throw InputError — no crash, no hang,
// no allocation past the checked sizes (ASan + UBSan find the rest).
#include <cstddef>
#include <cstdint>
#include <string>

#include "engines/core/Error.h"
#include "engines/core/NpyRead.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    (void)loupe::parseNpy(std::string(reinterpret_cast<const char*>(data), size), "fuzz.npy");
  } catch (const loupe::InputError&) {
  }
  return 0;
}
