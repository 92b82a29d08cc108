// libFuzzer target: the .pcd reader (engines/rgbd/PointCloudIO.h, parsePcd) on
// arbitrary bytes. Any input may only parse or throw InputError — no crash,
// no hang, no allocation past what the file's bytes can describe.
#include <cstddef>
#include <cstdint>
#include <string>

#include "engines/core/Error.h"
#include "engines/rgbd/PointCloudIO.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    (void)loupe::rgbd::parsePcd(std::string(reinterpret_cast<const char*>(data), size), "fuzz.pcd");
  } catch (const loupe::InputError&) {
  }
  return 0;
}
