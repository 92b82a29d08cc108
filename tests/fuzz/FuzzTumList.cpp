// libFuzzer target: TUM RGB-D lists and their association
// (engines/rgbd/SequenceFiles.h). The input is rgb.txt, a line "---", then
// depth.txt (without the line, the same text is both). Parsing may only
// succeed or throw InputError; the association must match a linear scan
// for the nearest colour frame (the first listed among equals) within 20 ms.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>

#include "engines/core/Error.h"
#include "engines/rgbd/SequenceFiles.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const auto split = text.find("\n---\n");
  try {
    const auto rgb = loupe::rgbd::parseTumList(text.substr(0, split), "rgb.txt");
    const auto depth =
        loupe::rgbd::parseTumList(split == std::string::npos ? text : text.substr(split + 5), "depth.txt");
    const auto pairs = loupe::rgbd::associateTum(rgb, depth);
    if (rgb.size() * depth.size() > 4096) return 0;  // the linear scan below is quadratic
    std::size_t next = 0;
    for (std::size_t d = 0; d < depth.size(); ++d) {
      std::size_t best = rgb.size();
      for (std::size_t i = 0; i < rgb.size(); ++i)
        if (best == rgb.size() ||
            std::fabs(rgb[i].first - depth[d].first) < std::fabs(rgb[best].first - depth[d].first))
          best = i;
      if (best == rgb.size() || std::fabs(rgb[best].first - depth[d].first) > 0.02) continue;
      if (next >= pairs.size() || pairs[next].first != d || pairs[next].second != best) __builtin_trap();
      ++next;
    }
    if (next != pairs.size()) __builtin_trap();
  } catch (const loupe::InputError&) {
  }
  return 0;
}
