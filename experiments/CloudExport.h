// Writing a recorded point cloud (an rgbd step's `cloud` and `cloud_rgb`
// arrays) to a file Open3D, PCL and CloudCompare read, so that panels and the
// CLI need no RGBD engine for it.
#pragma once

#include <filesystem>

#include "engines/core/Array.h"

namespace loupe {

// Writes `xyz` (f32, [N, 3], metres; NaN rows are invalid points) with
// optional colours `rgb` (u8, [N, 3]; nullptr for none) to `path`: a binary
// PCD for a .pcd extension (any case), a binary little-endian PLY otherwise
// (a PLY keeps valid points only). The file is written to a temporary name
// and renamed into place.
// Throws InputError naming the array for a wrong dtype or shape, or an rgb
// array whose point count differs from xyz's; and naming the file when it
// cannot be written.
void writeRecordedCloud(const std::filesystem::path& path, const Array& xyz, const Array* rgb = nullptr);

}  // namespace loupe
