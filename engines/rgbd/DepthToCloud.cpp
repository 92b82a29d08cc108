#include "engines/rgbd/DepthToCloud.h"

#include <cmath>
#include <vector>

#include "engines/core/ThreadPool.h"

namespace loupe::rgbd {

namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

template <class DepthAt>
PointCloud referenceImpl(DepthAt depthAt, const std::uint8_t* rgb, const PinholeIntrinsics& k, DepthRange range) {
  PointCloud cloud;
  cloud.width = k.width;
  cloud.height = k.height;
  cloud.xyz.resize(static_cast<std::size_t>(k.width) * k.height * 3);
  if (rgb) cloud.rgb.assign(rgb, rgb + static_cast<std::size_t>(k.width) * k.height * 3);
  for (int v = 0; v < k.height; ++v) {
    for (int u = 0; u < k.width; ++u) {
      const std::size_t i = static_cast<std::size_t>(v) * k.width + u;
      const double z = depthAt(i);
      float* p = &cloud.xyz[3 * i];
      if (!(std::isfinite(z) && z > 0 && z >= range.min && z < range.max)) {
        p[0] = p[1] = p[2] = kNaN;
        continue;
      }
      p[0] = static_cast<float>((u - k.cx) * z / k.fx);
      p[1] = static_cast<float>((v - k.cy) * z / k.fy);
      p[2] = static_cast<float>(z);
    }
  }
  return cloud;
}

template <class Depth>
void fastImpl(const Depth* depth, float scale, const std::uint8_t* rgb, const PinholeIntrinsics& k, DepthRange range,
              PointCloud& out, ThreadPool* pool) {
  const int w = k.width, h = k.height;
  const std::size_t n = static_cast<std::size_t>(w) * h;
  out.width = w;
  out.height = h;
  out.xyz.resize(n * 3);
  out.normals.clear();
  if (rgb)
    out.rgb.assign(rgb, rgb + n * 3);
  else
    out.rgb.clear();
  // (u − cx)/fx per column, (v − cy)/fy per row: two multiplies per point.
  std::vector<float> xFactor(w), yFactor(h);
  for (int u = 0; u < w; ++u) xFactor[u] = static_cast<float>((u - k.cx) / k.fx);
  for (int v = 0; v < h; ++v) yFactor[v] = static_cast<float>((v - k.cy) / k.fy);
  const float zMin = static_cast<float>(std::max(range.min, 0.0));
  const float zMax = static_cast<float>(range.max);
  (pool ? *pool : ThreadPool::shared()).parallelFor(0, h, 16, [&](std::int64_t v0, std::int64_t v1) {
    for (std::int64_t v = v0; v < v1; ++v) {
      const Depth* row = depth + v * w;
      float* p = out.xyz.data() + static_cast<std::size_t>(v) * w * 3;
      const float yf = yFactor[static_cast<std::size_t>(v)];
      for (int u = 0; u < w; ++u) {
        const float z = static_cast<float>(row[u]) * scale;
        // One select; NaN·x is NaN, so x and y follow. The comparison chain
        // rejects NaN input too (every comparison with NaN is false).
        const float zz = ((z > 0.0f) & (z >= zMin) & (z < zMax)) ? z : kNaN;  // & not &&: no branch, so it vectorises
        p[3 * u] = xFactor[u] * zz;
        p[3 * u + 1] = yf * zz;
        p[3 * u + 2] = zz;
      }
    }
  });
}

}  // namespace

PointCloud depthToCloudReference(const float* depth, const std::uint8_t* rgb, const PinholeIntrinsics& k,
                                 DepthRange range) {
  return referenceImpl([depth](std::size_t i) { return static_cast<double>(depth[i]); }, rgb, k, range);
}

PointCloud depthToCloudReference(const std::uint16_t* raw, double depthScale, const std::uint8_t* rgb,
                                 const PinholeIntrinsics& k, DepthRange range) {
  return referenceImpl([raw, depthScale](std::size_t i) { return raw[i] * depthScale; }, rgb, k, range);
}

void depthToOrganizedCloud(const float* depth, const std::uint8_t* rgb, const PinholeIntrinsics& k, DepthRange range,
                           PointCloud& out, ThreadPool* pool) {
  fastImpl(depth, 1.0f, rgb, k, range, out, pool);
}

void depthToOrganizedCloud(const std::uint16_t* raw, double depthScale, const std::uint8_t* rgb,
                           const PinholeIntrinsics& k, DepthRange range, PointCloud& out, ThreadPool* pool) {
  fastImpl(raw, static_cast<float>(depthScale), rgb, k, range, out, pool);
}

PointCloud compactCloud(const PointCloud& organized) {
  PointCloud out;
  const std::int64_t n = organized.size();
  out.xyz.reserve(static_cast<std::size_t>(n) * 3);
  if (organized.hasColor()) out.rgb.reserve(static_cast<std::size_t>(n) * 3);
  const bool normals = !organized.normals.empty();
  for (std::int64_t i = 0; i < n; ++i) {
    const float* p = &organized.xyz[3 * i];
    if (std::isnan(p[2])) continue;
    out.xyz.insert(out.xyz.end(), p, p + 3);
    if (organized.hasColor()) out.rgb.insert(out.rgb.end(), &organized.rgb[3 * i], &organized.rgb[3 * i] + 3);
    if (normals) out.normals.insert(out.normals.end(), &organized.normals[3 * i], &organized.normals[3 * i] + 3);
  }
  out.width = static_cast<int>(out.xyz.size() / 3);
  out.height = 1;
  return out;
}

}  // namespace loupe::rgbd
