#include "experiments/CloudExport.h"

#include <algorithm>
#include <cctype>
#include <string>

#include "engines/core/Error.h"
#include "engines/rgbd/PointCloudIO.h"

namespace loupe {

namespace {

void requirePoints(const Array& a, DType dtype, const char* name) {
  if (a.dtype() != dtype || a.ndim() != 2 || a.shape()[1] != 3)
    throw InputError(name, "expected a " + std::string(dtypeName(dtype)) + " array of shape [N, 3], got " +
                               std::string(dtypeName(a.dtype())) + " " + shapeToString(a.shape()));
}

}  // namespace

void writeRecordedCloud(const std::filesystem::path& path, const Array& xyz, const Array* rgb) {
  requirePoints(xyz, DType::F32, "cloud");
  rgbd::PointCloud c;
  c.width = static_cast<int>(xyz.shape()[0]);
  c.xyz.assign(xyz.data<float>(), xyz.data<float>() + xyz.numel());
  if (rgb) {
    requirePoints(*rgb, DType::U8, "cloud_rgb");
    if (rgb->shape()[0] != xyz.shape()[0])
      throw InputError("cloud_rgb",
                       std::to_string(rgb->shape()[0]) + " colours for " + std::to_string(xyz.shape()[0]) + " points");
    c.rgb.assign(rgb->data<std::uint8_t>(), rgb->data<std::uint8_t>() + rgb->numel());
  }
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char ch) { return std::tolower(ch); });
  if (ext == ".pcd")
    rgbd::writePcd(path, c, rgbd::PcdEncoding::Binary);
  else
    rgbd::writePly(path, c, true);
}

}  // namespace loupe
