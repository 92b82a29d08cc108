#include "engines/rgbd/SequenceFiles.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>

#include "engines/core/BoundedJson.h"
#include "engines/core/Error.h"

namespace loupe::rgbd {

std::vector<std::pair<double, std::string>> parseTumList(const std::string& text, const std::string& where) {
  std::istringstream in(text);
  std::vector<std::pair<double, std::string>> out;
  std::string line;
  int lineNo = 0;
  while (std::getline(in, line)) {
    ++lineNo;
    if (line.empty() || line[0] == '#') continue;
    std::istringstream s(line);
    double t;
    std::string name;
    if (!(s >> t >> name) || !std::isfinite(t))
      throw InputError(where, "line " + std::to_string(lineNo) + ": expected \"timestamp filename\"");
    out.emplace_back(t, name);
  }
  return out;
}

std::vector<std::pair<std::size_t, std::size_t>> associateTum(const std::vector<std::pair<double, std::string>>& rgb,
                                                              const std::vector<std::pair<double, std::string>>& depth,
                                                              double maxSeconds) {
  // Colour frames in time order (file order among equal times), searched
  // by bisection: a linear scan per depth frame took over 30 s for 100k lines.
  std::vector<std::size_t> byTime(rgb.size());
  for (std::size_t i = 0; i < byTime.size(); ++i) byTime[i] = i;
  std::stable_sort(byTime.begin(), byTime.end(),
                   [&](std::size_t a, std::size_t b) { return rgb[a].first < rgb[b].first; });
  auto firstAt = [&](double time) {  // first position whose time is ≥ `time`
    return std::lower_bound(byTime.begin(), byTime.end(), time,
                            [&](std::size_t i, double v) { return rgb[i].first < v; });
  };
  std::vector<std::pair<std::size_t, std::size_t>> out;
  for (std::size_t d = 0; d < depth.size(); ++d) {
    const double t = depth[d].first;
    const auto after = firstAt(t);
    std::size_t best = rgb.size();
    auto consider = [&](std::size_t i) {
      const double distance = std::fabs(rgb[i].first - t),
                   bestDistance = best < rgb.size() ? std::fabs(rgb[best].first - t) : INFINITY;
      if (distance < bestDistance || (distance == bestDistance && i < best)) best = i;
    };
    if (after != byTime.end()) consider(*after);
    if (after != byTime.begin()) consider(*firstAt(rgb[*std::prev(after)].first));
    if (best == rgb.size() || std::fabs(rgb[best].first - t) > maxSeconds) continue;
    out.emplace_back(d, best);
  }
  return out;
}

PinholeIntrinsics parseOpen3dIntrinsics(const std::string& text, const std::string& where) {
  const nlohmann::json j = parseBoundedJson(text, where);
  if (!j.is_object()) throw InputError(where, "expected an object with width, height and intrinsic_matrix");
  auto size = [&](const char* key) {
    if (!j.contains(key)) throw InputError(where, std::string(key) + ": missing");
    const auto& v = j[key];
    // Sides up to 2^20 px: any real sensor, far from where width × height
    // overflows an int. (A non-negative JSON integer is an unsigned number.)
    if (!v.is_number_unsigned() || v.get<std::uint64_t>() == 0 || v.get<std::uint64_t>() > (1u << 20))
      throw InputError(where, std::string(key) + ": must be a positive integer up to 2^20, not " + jsonExcerpt(v));
    return static_cast<int>(v.get<std::int64_t>());
  };
  PinholeIntrinsics k;
  k.width = size("width");
  k.height = size("height");
  const auto m = j.find("intrinsic_matrix");
  if (m == j.end() || !m->is_array() || m->size() != 9) throw InputError(where, "intrinsic_matrix: expected 9 numbers");
  for (const auto& e : *m)
    if (!e.is_number()) throw InputError(where, "intrinsic_matrix: " + jsonExcerpt(e) + " is not a number");
  k.fx = (*m)[0].get<double>();
  k.fy = (*m)[4].get<double>();
  k.cx = (*m)[6].get<double>();
  k.cy = (*m)[7].get<double>();
  // Column-major: entries 0 and 4 are fx and fy, 6 and 7 are cx and cy.
  for (const auto& [name, value] : {std::pair{"fx (intrinsic_matrix[0])", k.fx}, {"fy (intrinsic_matrix[4])", k.fy}})
    if (!(std::isfinite(value) && value > 0))
      throw InputError(where, std::string(name) + ": the focal length must be a positive finite number, not " +
                                  std::to_string(value));
  for (const auto& [name, value] : {std::pair{"cx (intrinsic_matrix[6])", k.cx}, {"cy (intrinsic_matrix[7])", k.cy}})
    if (!std::isfinite(value))
      throw InputError(where, std::string(name) + ": must be a finite number, not " + std::to_string(value));
  return k;
}

}  // namespace loupe::rgbd
