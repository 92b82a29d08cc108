// libFuzzer target: the .ply reader (engines/rgbd/PointCloudIO.h, parsePly) on
// arbitrary bytes. Any input may only parse or throw InputError — no crash,
// no hang, no allocation past what the file's bytes can describe.
#include <cstddef>
#include <cstdint>
#include <string>

#include "engines/core/Error.h"
#include "engines/rgbd/PointCloudIO.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    (void)loupe::rgbd::parsePly(std::string(reinterpret_cast<const char*>(data), size), "fuzz.ply");
  } catch (const loupe::InputError&) {
  }
  return 0;
}
