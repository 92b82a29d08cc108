#include "engines/rgbd/CloudProcessing.h"

#include <cmath>
#include <opencv2/imgproc.hpp>
#include <unordered_map>

namespace loupe::rgbd {

void filterDepth(std::vector<float>& depth, int width, int height, DepthFilter filter) {
  if (filter == DepthFilter::None) return;
  cv::Mat z(height, width, CV_32F, depth.data());
  cv::Mat valid = z == z;  // NaN ≠ NaN
  cv::Mat zeroed = z.clone();
  zeroed.setTo(0, ~valid);
  cv::Mat out;
  if (filter == DepthFilter::Bilateral) {
    // σ_space 2 px, σ_range 3 cm: smooths noise, keeps depth edges.
    cv::bilateralFilter(zeroed, out, 5, 0.03, 2.0);
  } else {
    cv::medianBlur(zeroed, out, filter == DepthFilter::Median3 ? 3 : 5);
  }
  for (int y = 0; y < height; ++y) {
    const float* o = out.ptr<float>(y);
    const std::uint8_t* v = valid.ptr<std::uint8_t>(y);
    float* d = z.ptr<float>(y);
    // A zero from the invalid neighbours, or near them, is not a depth.
    for (int x = 0; x < width; ++x) d[x] = v[x] && o[x] > 0 ? o[x] : NAN;
  }
}

PointCloud voxelDownsample(const PointCloud& cloud, double voxel) {
  struct Accumulator {
    double x = 0, y = 0, z = 0, r = 0, g = 0, b = 0;
    int n = 0;
  };
  std::unordered_map<std::uint64_t, Accumulator> cells;
  cells.reserve(static_cast<std::size_t>(cloud.size() / 4 + 16));
  const double inv = 1.0 / voxel;
  auto key = [](std::int64_t a, std::int64_t b, std::int64_t c) {
    return (static_cast<std::uint64_t>(a & 0x1FFFFF) << 42) | (static_cast<std::uint64_t>(b & 0x1FFFFF) << 21) |
           static_cast<std::uint64_t>(c & 0x1FFFFF);
  };
  std::vector<std::uint64_t> order;  // first-seen order keeps output deterministic
  for (std::int64_t i = 0; i < cloud.size(); ++i) {
    const float* p = &cloud.xyz[3 * i];
    if (std::isnan(p[2])) continue;
    const auto k =
        key(static_cast<std::int64_t>(std::floor(p[0] * inv)), static_cast<std::int64_t>(std::floor(p[1] * inv)),
            static_cast<std::int64_t>(std::floor(p[2] * inv)));
    auto [it, inserted] = cells.try_emplace(k);
    if (inserted) order.push_back(k);
    Accumulator& a = it->second;
    a.x += p[0];
    a.y += p[1];
    a.z += p[2];
    if (cloud.hasColor()) {
      a.r += cloud.rgb[3 * i];
      a.g += cloud.rgb[3 * i + 1];
      a.b += cloud.rgb[3 * i + 2];
    }
    ++a.n;
  }
  PointCloud out;
  out.width = static_cast<int>(order.size());
  out.height = 1;
  out.xyz.reserve(order.size() * 3);
  if (cloud.hasColor()) out.rgb.reserve(order.size() * 3);
  for (auto k : order) {
    const Accumulator& a = cells[k];
    out.xyz.insert(out.xyz.end(),
                   {static_cast<float>(a.x / a.n), static_cast<float>(a.y / a.n), static_cast<float>(a.z / a.n)});
    if (cloud.hasColor()) {
      out.rgb.insert(out.rgb.end(), {static_cast<std::uint8_t>(std::lround(a.r / a.n)),
                                     static_cast<std::uint8_t>(std::lround(a.g / a.n)),
                                     static_cast<std::uint8_t>(std::lround(a.b / a.n))});
    }
  }
  return out;
}

void estimateOrganizedNormals(PointCloud& cloud) {
  const int w = cloud.width, h = cloud.height;
  cloud.normals.assign(static_cast<std::size_t>(w) * h * 3, NAN);
  auto at = [&](int u, int v) { return &cloud.xyz[3 * (static_cast<std::size_t>(v) * w + u)]; };
  for (int v = 1; v + 1 < h; ++v) {
    for (int u = 1; u + 1 < w; ++u) {
      const float *l = at(u - 1, v), *r = at(u + 1, v), *up = at(u, v - 1), *dn = at(u, v + 1), *c = at(u, v);
      if (std::isnan(l[2]) || std::isnan(r[2]) || std::isnan(up[2]) || std::isnan(dn[2]) || std::isnan(c[2])) continue;
      const double a[3] = {r[0] - l[0], r[1] - l[1], r[2] - l[2]};
      const double b[3] = {dn[0] - up[0], dn[1] - up[1], dn[2] - up[2]};
      double n[3] = {a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]};
      const double len = std::sqrt(n[0] * n[0] + n[1] * n[1] + n[2] * n[2]);
      if (len == 0) continue;
      // Towards the camera (the origin): n · p < 0.
      const double s = (n[0] * c[0] + n[1] * c[1] + n[2] * c[2]) > 0 ? -1.0 / len : 1.0 / len;
      float* out = &cloud.normals[3 * (static_cast<std::size_t>(v) * w + u)];
      for (int k = 0; k < 3; ++k) out[k] = static_cast<float>(n[k] * s);
    }
  }
}

}  // namespace loupe::rgbd
