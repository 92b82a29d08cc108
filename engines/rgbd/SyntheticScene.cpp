#include "engines/rgbd/SyntheticScene.h"

#include <algorithm>
#include <cmath>
#include <limits>
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

// A per-(seed, frame, row) generator: the same noise whatever the thread count.
std::mt19937_64 rowRng(std::uint64_t seed, std::int64_t frame, std::int64_t row, std::uint64_t salt) {
  std::seed_seq seq{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32),
                    static_cast<std::uint32_t>(frame), static_cast<std::uint32_t>(row),
                    static_cast<std::uint32_t>(salt)};
  return std::mt19937_64(seq);
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

SyntheticFrame renderSynthetic(const Scene& base, const PinholeIntrinsics& k, const SensorModel& m, std::uint64_t seed,
                               std::int64_t index, double fps) {
  SyntheticFrame f;
  f.timestamp = static_cast<double>(index) / fps;
  f.intrinsics = k;
  const Scene scene = base.at(f.timestamp);
  const std::size_t n = static_cast<std::size_t>(k.width) * k.height;
  f.rgb.resize(n * 3);
  f.depth.assign(n, kNaN);
  f.truth.assign(n, kNaN);
  f.shadowed.assign(n, 0);
  std::vector<Vec3> normals(n), albedo(n);

  // Pass 1: exact geometry, colour (Lambert from a light at the camera + ambient).
  ThreadPool::shared().parallelFor(0, k.height, 8, [&](std::int64_t v0, std::int64_t v1) {
    for (std::int64_t v = v0; v < v1; ++v) {
      for (int u = 0; u < k.width; ++u) {
        const std::size_t i = static_cast<std::size_t>(v) * k.width + u;
        const Vec3 dir{(u - k.cx) / k.fx, (v - k.cy) / k.fy, 1.0};  // t along it is z
        const Scene::Hit hit = scene.intersect({0, 0, 0}, dir);
        if (hit.object < 0) continue;
        f.truth[i] = static_cast<float>(hit.t);
        normals[i] = hit.normal;
        albedo[i] = hit.albedo;
        const double shade = 0.25 + 0.75 * std::fabs(dot(hit.normal, scale(dir, 1.0 / norm(dir))));
        for (int c = 0; c < 3; ++c) {
          f.rgb[3 * i + c] = static_cast<std::uint8_t>(std::clamp(255.0 * hit.albedo[c] * shade, 0.0, 255.0));
        }
      }
    }
  });

  const double fx = k.fx;
  // Pass 2: the sensor.
  ThreadPool::shared().parallelFor(0, k.height, 8, [&](std::int64_t v0, std::int64_t v1) {
    for (std::int64_t v = v0; v < v1; ++v) {
      auto rng = rowRng(seed, index, v, static_cast<std::uint64_t>(m.kind));
      std::normal_distribution<double> gauss;
      std::uniform_real_distribution<double> uniform;
      for (int u = 0; u < k.width; ++u) {
        const std::size_t i = static_cast<std::size_t>(v) * k.width + u;
        const double z = f.truth[i];
        if (std::isnan(z)) continue;
        const Vec3 p{(u - k.cx) / k.fx * z, (v - k.cy) / k.fy * z, z};
        switch (m.kind) {
          case SensorKind::Ideal:
            f.depth[i] = static_cast<float>(z);
            break;
          case SensorKind::Stereo: {
            if (scene.blocked({m.baseline, 0, 0}, p)) {  // the right camera cannot see it
              f.shadowed[i] = 1;
              break;
            }
            const double d = fx * m.baseline / z + m.disparityNoisePx * gauss(rng);
            const double dq = std::round(d * m.subpixelSteps) / m.subpixelSteps;
            if (dq > 0) f.depth[i] = static_cast<float>(fx * m.baseline / dq);
            break;
          }
          case SensorKind::TimeOfFlight: {
            const double a = std::max(0.02, (albedo[i][0] + albedo[i][1] + albedo[i][2]) / 3);
            double zm = z + m.tofNoiseM * (1 + (z / 5) * (z / 5)) / std::sqrt(a) * gauss(rng);
            // Multipath: light bouncing off the adjacent plane adds path near room corners.
            double corner = 1e9;
            for (std::size_t pa = 0; pa < scene.planes.size(); ++pa) {
              for (std::size_t pb = pa + 1; pb < scene.planes.size(); ++pb) {
                const Vec3& na = scene.planes[pa].normal;
                const Vec3& nb = scene.planes[pb].normal;
                const Vec3 u3{na[1] * nb[2] - na[2] * nb[1], na[2] * nb[0] - na[0] * nb[2],
                              na[0] * nb[1] - na[1] * nb[0]};
                const double len = norm(u3);
                if (len < 1e-9) continue;  // parallel walls never meet
                // A point on both planes: solve with the line direction's complement.
                const Vec3 dir = scale(u3, 1.0 / len);
                const double da = scene.planes[pa].offset, db = scene.planes[pb].offset;
                const double nn = dot(na, nb);
                const double c1 = (da - db * nn) / (1 - nn * nn), c2 = (db - da * nn) / (1 - nn * nn);
                const Vec3 point = add(scale(na, c1), scale(nb, c2));
                // Every non-parallel pair of room planes meets in a concave edge.
                corner = std::min(corner, distanceToLine(p, point, dir));
              }
            }
            zm += m.multipathBiasM * std::exp(-corner / m.multipathRangeM);
            const double range = kSpeedOfLight / (2 * m.modulationHz);
            zm = std::fmod(zm, range);  // phase wraps every c/(2 f_mod)
            f.depth[i] = static_cast<float>(zm);
            break;
          }
          case SensorKind::StructuredLight: {
            const Vec3 projector{m.projectorBaseline, 0, 0};
            const Vec3 toProjector = sub(projector, p);
            const double cosAngle = std::fabs(dot(normals[i], toProjector)) / norm(toProjector);
            const double meanAlbedo = (albedo[i][0] + albedo[i][1] + albedo[i][2]) / 3;
            if (scene.blocked(projector, p)) {
              f.shadowed[i] = 1;
              break;
            }
            if (meanAlbedo < m.darkAlbedo || cosAngle < std::cos(m.grazingDegrees * M_PI / 180)) break;
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

}  // namespace loupe::rgbd
