#include "engines/rgbd/SyntheticScene.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <random>

#include "engines/core/ThreadPool.h"

namespace loupe::rgbd {

namespace {

constexpr double kSpeedOfLight = 299792458.0;
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

double dot(const Vec3& a, const Vec3& b) {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}
Vec3 sub(const Vec3& a, const Vec3& b) {
  return {a[0] - b[0], a[1] - b[1], a[2] - b[2]};
}
Vec3 add(const Vec3& a, const Vec3& b) {
  return {a[0] + b[0], a[1] + b[1], a[2] + b[2]};
}
Vec3 scale(const Vec3& a, double s) {
  return {a[0] * s, a[1] * s, a[2] * s};
}
double norm(const Vec3& a) {
  return std::sqrt(dot(a, a));
}

// Distance from point p to the infinite line through a with unit direction u.
double distanceToLine(const Vec3& p, const Vec3& a, const Vec3& u) {
  const Vec3 d = sub(p, a);
  const Vec3 along = scale(u, dot(d, u));
  return norm(sub(d, along));
}

// SplitMix64 (Steele, Lea & Flood, 2014): a tiny, fast, well-mixed generator;
// mt19937_64 with its seed_seq cost more than the rest of a row's noise.
struct SplitMix64 {
  using result_type = std::uint64_t;
  std::uint64_t state;
  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return ~result_type{0}; }
  result_type operator()() {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
};

// A per-(seed, frame, row) generator: the same noise whatever the thread count.
SplitMix64 rowRng(std::uint64_t seed, std::int64_t frame, std::int64_t row, std::uint64_t salt) {
  SplitMix64 mix{seed ^ (static_cast<std::uint64_t>(frame) * 0xD1B54A32D192ED03ull)};
  mix.state ^= static_cast<std::uint64_t>(row) * 0x8CB92BA72F3D8DD7ull + salt * 0x9E3779B97F4A7C15ull;
  mix();  // decorrelate nearby seeds
  return mix;
}

}  // namespace

Scene Scene::room(std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> jitter(-0.15, 0.15);
  Scene s;
  // Floor (y = 1.2, normal up = −y), back wall z = 5, side walls x = ±2.5.
  s.planes.push_back({{0, -1, 0}, -1.2, {0.75, 0.7, 0.6}, true});
  s.planes.push_back({{0, 0, -1}, -5.0, {0.8, 0.8, 0.85}, false});
  s.planes.push_back({{1, 0, 0}, -2.5, {0.7, 0.75, 0.8}, false});
  s.planes.push_back({{-1, 0, 0}, -2.5, {0.8, 0.72, 0.7}, false});
  s.boxes.push_back({{-1.6 + jitter(rng), 0.4, 2.8}, {-0.8 + jitter(rng), 1.2, 3.6}, {0.85, 0.35, 0.25}});
  s.boxes.push_back({{0.9 + jitter(rng), 0.6, 2.0}, {1.5 + jitter(rng), 1.2, 2.6}, {0.05, 0.05, 0.06}});  // dark
  s.boxes.push_back({{-0.3, 0.9, 4.0 + jitter(rng)}, {0.5, 1.2, 4.6}, {0.3, 0.6, 0.85}});
  s.spheres.push_back({{0.2 + jitter(rng), 0.6, 3.2}, 0.6, {0.9, 0.85, 0.3}});
  s.spheres.push_back({{-0.6, 0.2, 1.6}, 0.25, {0.3, 0.8, 0.4}});
  s.movingSphere = 1;
  s.movingFrom = {-1.2, 0.2, 1.6};
  s.movingTo = {0.8, -0.2, 1.9};
  return s;
}

Scene Scene::at(double t) const {
  Scene s = *this;
  if (movingSphere >= 0) {
    const double phase = 0.5 - 0.5 * std::cos(t * 0.8);  // back and forth, smooth
    s.spheres[movingSphere].centre = add(movingFrom, scale(sub(movingTo, movingFrom), phase));
  }
  return s;
}

Scene::Hit Scene::intersect(const Vec3& o, const Vec3& d, double tMin, double tMax) const {
  Hit best;
  best.t = tMax;
  int id = 0;
  for (const auto& p : planes) {
    const double denom = dot(p.normal, d);
    if (std::fabs(denom) > 1e-12) {
      const double t = (p.offset - dot(p.normal, o)) / denom;
      if (t > tMin && t < best.t) {
        best = {t, p.normal, p.albedo, id};
        if (p.checker) {
          const Vec3 q = add(o, scale(d, t));
          const bool odd = (static_cast<int>(std::floor(q[0] * 2)) + static_cast<int>(std::floor(q[2] * 2))) & 1;
          if (odd) best.albedo = scale(p.albedo, 0.55);
        }
      }
    }
    ++id;
  }
  for (const auto& b : boxes) {
    double t0 = tMin, t1 = best.t;
    int axis = -1;
    double sign = 0;
    bool miss = false;
    for (int a = 0; a < 3 && !miss; ++a) {
      if (std::fabs(d[a]) < 1e-15) {
        if (o[a] < b.min[a] || o[a] > b.max[a]) miss = true;
        continue;
      }
      double ta = (b.min[a] - o[a]) / d[a], tb = (b.max[a] - o[a]) / d[a];
      double s = -1;  // entering through the min face: normal −axis
      if (ta > tb) {
        std::swap(ta, tb);
        s = 1;
      }
      if (ta > t0) {
        t0 = ta;
        axis = a;
        sign = s;
      }
      t1 = std::min(t1, tb);
      if (t0 > t1) miss = true;
    }
    if (!miss && axis >= 0 && t0 < best.t) {
      Vec3 n{0, 0, 0};
      n[axis] = sign;
      best = {t0, n, b.albedo, id};
    }
    ++id;
  }
  for (const auto& s : spheres) {
    const Vec3 oc = sub(o, s.centre);
    const double a = dot(d, d), b = dot(oc, d), c = dot(oc, oc) - s.radius * s.radius;
    const double disc = b * b - a * c;
    if (disc >= 0) {
      const double t = (-b - std::sqrt(disc)) / a;
      if (t > tMin && t < best.t) {
        const Vec3 p = add(o, scale(d, t));
        best = {t, scale(sub(p, s.centre), 1.0 / s.radius), s.albedo, id};
      }
    }
    ++id;
  }
  if (best.object < 0) best.t = 0;
  return best;
}

bool Scene::blocked(const Vec3& from, const Vec3& to) const {
  const Vec3 d = sub(to, from);
  // t in (ε, 1 − ε): anything strictly between the two points blocks.
  return intersect(from, d, 1e-6, 1.0 - 1e-5).object >= 0;
}

namespace {

// What the sensor models need per pixel, from exact geometry.
struct PixelGeometry {
  std::vector<float> truth;  // z of the hit, NaN for none
  std::vector<Vec3> normal, albedo;
  std::vector<std::uint8_t> blocked;  // stereo: right camera cannot see; SL: projector cannot
  std::vector<float> corner;          // ToF: distance to the nearest concave room edge
  std::vector<std::uint8_t> rgb;
  void resize(std::size_t n) {
    truth.assign(n, kNaN);
    normal.assign(n, Vec3{});
    albedo.assign(n, Vec3{});
    blocked.assign(n, 0);
    corner.assign(n, 1e9f);
    rgb.assign(n * 3, 0);
  }
};

Vec3 rayDirection(const PinholeIntrinsics& k, int u, std::int64_t v) {
  return {(u - k.cx) / k.fx, (v - k.cy) / k.fy, 1.0};  // t along it is z
}

// The point whose visibility the sensor checks: the right camera (stereo) or the projector (SL).
std::optional<Vec3> secondViewpoint(const SensorModel& m) {
  if (m.kind == SensorKind::Stereo) return Vec3{m.baseline, 0, 0};
  if (m.kind == SensorKind::StructuredLight) return Vec3{m.projectorBaseline, 0, 0};
  return std::nullopt;
}

double cornerDistance(const Scene& scene, const Vec3& p) {
  double corner = 1e9;
  for (std::size_t pa = 0; pa < scene.planes.size(); ++pa) {
    for (std::size_t pb = pa + 1; pb < scene.planes.size(); ++pb) {
      const Vec3& na = scene.planes[pa].normal;
      const Vec3& nb = scene.planes[pb].normal;
      const Vec3 u3{na[1] * nb[2] - na[2] * nb[1], na[2] * nb[0] - na[0] * nb[2], na[0] * nb[1] - na[1] * nb[0]};
      const double len = norm(u3);
      if (len < 1e-9) continue;  // parallel walls never meet
      // Every non-parallel pair of room planes meets in a concave edge.
      const double da = scene.planes[pa].offset, db = scene.planes[pb].offset, nn = dot(na, nb);
      const Vec3 point = add(scale(na, (da - db * nn) / (1 - nn * nn)), scale(nb, (db - da * nn) / (1 - nn * nn)));
      corner = std::min(corner, distanceToLine(p, point, scale(u3, 1.0 / len)));
    }
  }
  return corner;
}

// Fills pixel i from a hit (shading: Lambert from a light at the camera + ambient).
void shadePixel(PixelGeometry& g, std::size_t i, const Scene::Hit& hit, const Vec3& dir) {
  g.truth[i] = static_cast<float>(hit.t);
  g.normal[i] = hit.normal;
  g.albedo[i] = hit.albedo;
  const double shade = 0.25 + 0.75 * std::fabs(dot(hit.normal, scale(dir, 1.0 / norm(dir))));
  for (int c = 0; c < 3; ++c) {
    g.rgb[3 * i + c] = static_cast<std::uint8_t>(std::clamp(255.0 * hit.albedo[c] * shade, 0.0, 255.0));
  }
}

// Reference geometry: every ray against the whole scene.
void geometryReference(const Scene& scene, const PinholeIntrinsics& k, const SensorModel& m, PixelGeometry& g) {
  g.resize(static_cast<std::size_t>(k.width) * k.height);
  const auto viewpoint = secondViewpoint(m);
  ThreadPool::shared().parallelFor(0, k.height, 8, [&](std::int64_t v0, std::int64_t v1) {
    for (std::int64_t v = v0; v < v1; ++v) {
      for (int u = 0; u < k.width; ++u) {
        const std::size_t i = static_cast<std::size_t>(v) * k.width + u;
        const Vec3 dir = rayDirection(k, u, v);
        const Scene::Hit hit = scene.intersect({0, 0, 0}, dir);
        if (hit.object < 0) continue;
        shadePixel(g, i, hit, dir);
        const Vec3 p = scale(dir, hit.t);
        if (viewpoint) g.blocked[i] = scene.blocked(*viewpoint, p);
        if (m.kind == SensorKind::TimeOfFlight) g.corner[i] = static_cast<float>(cornerDistance(scene, p));
      }
    }
  });
}

// The sensor model on exact geometry, then flying pixels for ToF.
SyntheticFrame sensorPass(const PixelGeometry& g, const PinholeIntrinsics& k, const SensorModel& m, std::uint64_t seed,
                          std::int64_t index, double timestamp) {
  SyntheticFrame f;
  f.timestamp = timestamp;
  f.intrinsics = k;
  f.rgb = g.rgb;
  f.truth = g.truth;
  const std::size_t n = g.truth.size();
  f.depth.assign(n, kNaN);
  f.shadowed.assign(n, 0);
  const double fx = k.fx;
  ThreadPool::shared().parallelFor(0, k.height, 8, [&](std::int64_t v0, std::int64_t v1) {
    for (std::int64_t v = v0; v < v1; ++v) {
      auto rng = rowRng(seed, index, v, static_cast<std::uint64_t>(m.kind));
      std::normal_distribution<double> gauss;
      for (int u = 0; u < k.width; ++u) {
        const std::size_t i = static_cast<std::size_t>(v) * k.width + u;
        const double z = g.truth[i];
        if (std::isnan(z)) continue;
        switch (m.kind) {
          case SensorKind::Ideal:
            f.depth[i] = static_cast<float>(z);
            break;
          case SensorKind::Stereo: {
            if (g.blocked[i]) {  // the right camera cannot see it
              f.shadowed[i] = 1;
              break;
            }
            const double d = fx * m.baseline / z + m.disparityNoisePx * gauss(rng);
            const double dq = std::round(d * m.subpixelSteps) / m.subpixelSteps;
            if (dq > 0) f.depth[i] = static_cast<float>(fx * m.baseline / dq);
            break;
          }
          case SensorKind::TimeOfFlight: {
            const Vec3& al = g.albedo[i];
            const double a = std::max(0.02, (al[0] + al[1] + al[2]) / 3);
            double zm = z + m.tofNoiseM * (1 + (z / 5) * (z / 5)) / std::sqrt(a) * gauss(rng);
            // Multipath: light bouncing off the adjacent plane adds path near room corners.
            zm += m.multipathBiasM * std::exp(-g.corner[i] / m.multipathRangeM);
            const double range = kSpeedOfLight / (2 * m.modulationHz);
            f.depth[i] = static_cast<float>(std::fmod(zm, range));  // phase wraps every c/(2 f_mod)
            break;
          }
          case SensorKind::StructuredLight: {
            if (g.blocked[i]) {
              f.shadowed[i] = 1;
              break;
            }
            const Vec3 p = scale(rayDirection(k, u, v), z);
            const Vec3 toProjector = sub(Vec3{m.projectorBaseline, 0, 0}, p);
            const double cosAngle = std::fabs(dot(g.normal[i], toProjector)) / norm(toProjector);
            const Vec3& al = g.albedo[i];
            if ((al[0] + al[1] + al[2]) / 3 < m.darkAlbedo || cosAngle < std::cos(m.grazingDegrees * M_PI / 180)) break;
            const double d = fx * m.projectorBaseline / z + 0.03 * gauss(rng);
            const double dq = std::round(d * m.slSubpixelSteps) / m.slSubpixelSteps;
            if (dq > 0) f.depth[i] = static_cast<float>(fx * m.projectorBaseline / dq);
            break;
          }
        }
      }
    }
  });

  // Flying pixels (ToF): at depth discontinuities the return mixes both sides.
  if (m.kind == SensorKind::TimeOfFlight) {
    std::vector<float> mixed = f.depth;
    for (int v = 1; v + 1 < k.height; ++v) {
      auto rng = rowRng(seed, index, v, 99);
      std::uniform_real_distribution<double> uniform;
      for (int u = 1; u + 1 < k.width; ++u) {
        const std::size_t i = static_cast<std::size_t>(v) * k.width + u;
        if (std::isnan(f.truth[i])) continue;
        float other = f.truth[i];
        for (int dv = -1; dv <= 1; ++dv)
          for (int du = -1; du <= 1; ++du) {
            const float t = f.truth[i + dv * k.width + du];
            if (!std::isnan(t) && std::fabs(t - f.truth[i]) > std::fabs(other - f.truth[i])) other = t;
          }
        if (std::fabs(other - f.truth[i]) < m.flyingEdgeM) continue;
        const double draw = uniform(rng), alpha = 0.15 + 0.7 * uniform(rng);
        if (draw < m.flyingFraction) mixed[i] = static_cast<float>(alpha * f.depth[i] + (1 - alpha) * other);
      }
    }
    f.depth = std::move(mixed);
  }
  return f;
}

}  // namespace

SyntheticFrame renderSynthetic(const Scene& base, const PinholeIntrinsics& k, const SensorModel& m, std::uint64_t seed,
                               std::int64_t index, double fps) {
  const double timestamp = static_cast<double>(index) / fps;
  PixelGeometry g;
  geometryReference(base.at(timestamp), k, m, g);
  return sensorPass(g, k, m, seed, index, timestamp);
}

// --- the fast path: static geometry once, the moving sphere per frame -------

struct SyntheticRenderer::Cache {
  PixelGeometry staticGeometry;
  Scene staticScene;  // without the moving sphere
};

SyntheticRenderer::SyntheticRenderer(Scene scene, PinholeIntrinsics k, SensorModel m)
    : m_scene(std::move(scene)), m_k(k), m_m(m), m_cache(std::make_shared<Cache>()) {
  m_cache->staticScene = m_scene;
  if (m_scene.movingSphere >= 0) {
    m_cache->staticScene.spheres.erase(m_cache->staticScene.spheres.begin() + m_scene.movingSphere);
    m_cache->staticScene.movingSphere = -1;
  }
  geometryReference(m_cache->staticScene, m_k, m_m, m_cache->staticGeometry);
}

SyntheticFrame SyntheticRenderer::render(std::uint64_t seed, std::int64_t index, double fps) const {
  const double timestamp = static_cast<double>(index) / fps;
  if (m_scene.movingSphere < 0) return sensorPass(m_cache->staticGeometry, m_k, m_m, seed, index, timestamp);
  const Scene scene = m_scene.at(timestamp);
  const SceneSphere& moving = scene.spheres[static_cast<std::size_t>(scene.movingSphere)];
  // Only the moving sphere's own object index differs between the two scenes:
  // it sits after planes, boxes and the spheres before it.
  const int movingId = static_cast<int>(scene.planes.size() + scene.boxes.size()) + scene.movingSphere;
  Scene sphereOnly;
  sphereOnly.spheres.push_back(moving);
  PixelGeometry g = m_cache->staticGeometry;
  const auto viewpoint = secondViewpoint(m_m);
  ThreadPool::shared().parallelFor(0, m_k.height, 8, [&](std::int64_t v0, std::int64_t v1) {
    for (std::int64_t v = v0; v < v1; ++v) {
      for (int u = 0; u < m_k.width; ++u) {
        const std::size_t i = static_cast<std::size_t>(v) * m_k.width + u;
        const Vec3 dir = rayDirection(m_k, u, v);
        const double tStatic = std::isnan(g.truth[i]) ? 1e30 : g.truth[i];
        Scene::Hit hit = sphereOnly.intersect({0, 0, 0}, dir, 1e-6, 1e30);
        if (hit.object >= 0 && hit.t < tStatic) {
          // The moving sphere is in front: everything about this pixel is new.
          hit.object = movingId;
          shadePixel(g, i, hit, dir);
          const Vec3 p = scale(dir, hit.t);
          if (viewpoint) g.blocked[i] = scene.blocked(*viewpoint, p);
          if (m_m.kind == SensorKind::TimeOfFlight) g.corner[i] = static_cast<float>(cornerDistance(scene, p));
        } else if (viewpoint && !g.blocked[i] && !std::isnan(g.truth[i])) {
          // A static point: blocked if the static scene blocks it (cached) or the sphere does.
          g.blocked[i] = sphereOnly.blocked(*viewpoint, scale(dir, tStatic));
        }
      }
    }
  });
  return sensorPass(g, m_k, m_m, seed, index, timestamp);
}

}  // namespace loupe::rgbd
