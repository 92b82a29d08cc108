// The text files of recorded RGBD sequences, read without OpenCV (so the
// fuzz targets and any tool can use them alone):
// - TUM RGB-D lists (rgb.txt, depth.txt): "timestamp filename" per line,
//   '#' comments; and the association of each depth frame with the nearest
//   colour frame in time, accepted within 20 ms (TUM's associate.py uses
//   0.02 s); of two equally near, the one listed first.
// - Open3D's PinholeCameraIntrinsic JSON (Redwood's camera_primesense.json):
//   "width", "height" and "intrinsic_matrix", column-major 3 × 3, so
//   fx, fy, cx, cy are entries 0, 4, 6, 7.
//
// Malformed input throws InputError naming the file, the line or field and
// the fault: a focal length that is not a positive finite number or a frame
// size that is not positive is refused (fx = 0 once passed silently and
// back-projected every pixel to infinity).
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "engines/rgbd/PointCloud.h"

namespace loupe::rgbd {

// (timestamp in seconds, file name as written) per entry line, in file order.
std::vector<std::pair<double, std::string>> parseTumList(const std::string& text, const std::string& where);

// (depth index, colour index) for each depth frame, in depth-list order,
// that has a colour frame within `maxSeconds`; the others are left out.
std::vector<std::pair<std::size_t, std::size_t>> associateTum(const std::vector<std::pair<double, std::string>>& rgb,
                                                              const std::vector<std::pair<double, std::string>>& depth,
                                                              double maxSeconds = 0.02);

PinholeIntrinsics parseOpen3dIntrinsics(const std::string& json, const std::string& where);

}  // namespace loupe::rgbd
