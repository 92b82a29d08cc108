#include "engines/rgbd/CloudProcessing.h"

#include <cmath>
#include <opencv2/imgproc.hpp>
#include <stdexcept>
#include <string>

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
  // Open addressing over packed voxel keys (21 bits per axis, offset so
  // negative indices fit), into accumulators kept in first-seen order so
  // the output is deterministic. The table is reused across calls on the
  // same thread and "cleared" by a generation stamp: a stream of frames
  // allocates nothing. std::unordered_map cost ~4x more here.
  struct Slot {
    std::uint64_t key;
    std::uint32_t index;
    std::uint32_t generation;
  };
  struct Accumulator {
    double x, y, z;
    std::uint32_t r, g, b, n;
  };
  thread_local std::vector<Slot> table;
  thread_local std::uint32_t generation = 0;
  std::vector<Accumulator> cells;
  const std::int64_t n = cloud.size();
  // Start small and grow at half load. (Cost is dominated by one cache miss
  // per new voxel: ~20 ms for 165k voxels of a noisy 640×480 frame at 2 cm.)
  std::size_t capacity = std::size_t{1} << 16;
  auto reset = [&](std::size_t size) {
    if (table.size() != size) {
      table.assign(size, Slot{0, 0, 0});
      generation = 0;
    }
    if (++generation == 0) {  // wrapped: start clean
      std::fill(table.begin(), table.end(), Slot{0, 0, 0});
      generation = 1;
    }
  };
  reset(std::max(capacity, table.size()));  // keep a table grown by earlier frames
  const double inv = 1.0 / voxel;
  constexpr std::int64_t kOffset = 1 << 20;
  cells.reserve(static_cast<std::size_t>(n / 8 + 16));
  std::vector<std::uint64_t> keys;  // per cell, for rehashing
  auto insert = [&](std::uint64_t key, std::uint32_t index) {
    const std::size_t mask = table.size() - 1;
    std::size_t h = static_cast<std::size_t>((key * 0x9E3779B97F4A7C15ull) >> 20) & mask;
    while (table[h].generation == generation && table[h].key != key) h = (h + 1) & mask;
    if (table[h].generation != generation) table[h] = {key, index, generation};
    return table[h].index;
  };
  std::uint64_t lastKey = ~std::uint64_t{0};
  std::uint32_t lastIndex = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    const float* p = &cloud.xyz[3 * i];
    if (std::isnan(p[2])) continue;
    // floor() without a libm call (baseline x86-64 has no SSE4.1 roundsd).
    auto cell = [inv, voxel](float x) {
      const double v = x * inv;
      // 21 bits per axis: beyond ±2^20 voxels keys would collide.
      if (!(std::fabs(v) < (1 << 20))) {
        throw std::invalid_argument("voxel size " + std::to_string(voxel) + " m is too small for a cloud this large");
      }
      const auto t = static_cast<std::int64_t>(v);
      return static_cast<std::uint64_t>(t - (v < static_cast<double>(t)) + kOffset);
    };
    const std::uint64_t key = (cell(p[0]) << 42) | (cell(p[1]) << 21) | cell(p[2]);
    // Neighbouring pixels usually fall in the same voxel: skip the lookup.
    if (key != lastKey) {
      const auto fresh = static_cast<std::uint32_t>(cells.size());
      lastIndex = insert(key, fresh);
      lastKey = key;
      if (lastIndex == fresh) {
        cells.push_back({0, 0, 0, 0, 0, 0, 0});
        keys.push_back(key);
        if (cells.size() * 2 > table.size()) {
          reset(table.size() * 2);
          for (std::uint32_t c = 0; c < keys.size(); ++c) insert(keys[c], c);
        }
      }
    }
    Accumulator& a = cells[lastIndex];
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
  out.width = static_cast<int>(cells.size());
  out.height = 1;
  out.xyz.resize(cells.size() * 3);
  if (cloud.hasColor()) out.rgb.resize(cells.size() * 3);
  for (std::size_t c = 0; c < cells.size(); ++c) {
    const Accumulator& a = cells[c];
    out.xyz[3 * c] = static_cast<float>(a.x / a.n);
    out.xyz[3 * c + 1] = static_cast<float>(a.y / a.n);
    out.xyz[3 * c + 2] = static_cast<float>(a.z / a.n);
    if (cloud.hasColor()) {
      out.rgb[3 * c] = static_cast<std::uint8_t>((a.r + a.n / 2) / a.n);
      out.rgb[3 * c + 1] = static_cast<std::uint8_t>((a.g + a.n / 2) / a.n);
      out.rgb[3 * c + 2] = static_cast<std::uint8_t>((a.b + a.n / 2) / a.n);
    }
  }
  return out;
}

PointCloud strideSample(const PointCloud& organized, int stride) {
  PointCloud out;
  out.xyz.reserve(static_cast<std::size_t>(organized.size() / (stride * stride) + 1) * 3);
  for (int v = 0; v < organized.height; v += stride) {
    for (int u = 0; u < organized.width; u += stride) {
      const std::size_t i = static_cast<std::size_t>(v) * organized.width + u;
      const float* p = &organized.xyz[3 * i];
      if (std::isnan(p[2])) continue;
      out.xyz.insert(out.xyz.end(), p, p + 3);
      if (organized.hasColor()) out.rgb.insert(out.rgb.end(), &organized.rgb[3 * i], &organized.rgb[3 * i] + 3);
    }
  }
  out.width = static_cast<int>(out.xyz.size() / 3);
  out.height = 1;
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
