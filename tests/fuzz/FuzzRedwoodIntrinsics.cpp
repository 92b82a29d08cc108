// libFuzzer target: Open3D / Redwood camera intrinsic JSON
// (engines/rgbd/SequenceFiles.h, parseOpen3dIntrinsics). Any input may only
// parse or throw InputError; what parses has a positive size and positive,
// finite focal lengths and a finite principal point.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>

#include "engines/core/Error.h"
#include "engines/rgbd/SequenceFiles.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const auto k = loupe::rgbd::parseOpen3dIntrinsics(std::string(reinterpret_cast<const char*>(data), size),
                                                      "camera_primesense.json");
    if (k.width <= 0 || k.height <= 0 || !(k.fx > 0) || !(k.fy > 0) || !std::isfinite(k.fx) || !std::isfinite(k.fy) ||
        !std::isfinite(k.cx) || !std::isfinite(k.cy))
      __builtin_trap();
  } catch (const loupe::InputError&) {
  }
  return 0;
}
