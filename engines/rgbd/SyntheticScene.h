// The synthetic RGBD demo: a room (floor, three walls) with boxes, spheres
// and one moving sphere, ray-cast exactly, then seen through one of three
// depth-sensor models. The noise-free depth is kept as ground truth.
// Deterministic: the same seed and frame index give the same images.
//
// Camera at the origin looking down +z (x right, y down), pinhole intrinsics.
//
// Sensor models (defaults follow common hardware):
// - Stereo (baseline B): disparity d = f·B/z gets Gaussian sub-pixel noise
//   σ_d and 1/16-px quantisation, z = f·B/d', so σ_z ≈ z²·σ_d/(f·B); pixels
//   the right camera cannot see (occlusion) are holes.
// - Time-of-flight (modulation f_mod): phase noise growing with range and
//   falling with albedo; depth wraps at c/(2·f_mod); multipath adds a bias
//   near concave corners (where two room planes meet); "flying pixels" at
//   depth discontinuities mix foreground and background depth.
// - Structured light (projector offset B_p along x): holes where the
//   projector is shadowed, on dark surfaces and at grazing angles; depth
//   from disparity quantised to 1/8 px.
//
// Thread-safety: render() is const and parallel internally (ThreadPool).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "engines/rgbd/PointCloud.h"

namespace loupe::rgbd {

using Vec3 = std::array<double, 3>;

struct ScenePlane {
  Vec3 normal;    // unit, pointing into the room
  double offset;  // normal · p = offset
  Vec3 albedo;    // RGB in [0, 1]
  bool checker = false;
};
struct SceneBox {
  Vec3 min, max;
  Vec3 albedo;
};
struct SceneSphere {
  Vec3 centre;
  double radius;
  Vec3 albedo;
};

struct Scene {
  std::vector<ScenePlane> planes;
  std::vector<SceneBox> boxes;
  std::vector<SceneSphere> spheres;
  int movingSphere = -1;  // index in spheres that moves with time, or -1
  Vec3 movingFrom{}, movingTo{};

  // The demo room; the seed jitters object placement and colours.
  static Scene room(std::uint64_t seed);
  // The scene at time t seconds (moves the moving sphere back and forth).
  Scene at(double t) const;

  struct Hit {
    double t = 0;  // ray parameter
    Vec3 normal{};
    Vec3 albedo{};
    int object = -1;  // planes, then boxes, then spheres
  };
  // Nearest hit along origin + t·dir with t in (tMin, tMax); object −1: none.
  Hit intersect(const Vec3& origin, const Vec3& dir, double tMin = 1e-6, double tMax = 1e30) const;
  // True if the segment from `from` to `to` is blocked by the scene.
  bool blocked(const Vec3& from, const Vec3& to) const;
};

enum class SensorKind { Ideal, Stereo, TimeOfFlight, StructuredLight };

struct SensorModel {
  SensorKind kind = SensorKind::Stereo;
  // stereo
  double baseline = 0.12;          // m
  double disparityNoisePx = 0.08;  // σ_d
  double subpixelSteps = 16;       // disparity quantisation 1/steps px
  // time of flight
  double modulationHz = 20e6;
  double tofNoiseM = 0.003;      // σ at 0 m on a white surface
  double multipathBiasM = 0.03;  // at a corner, decaying over multipathRangeM
  double multipathRangeM = 0.15;
  double flyingFraction = 0.6;  // of edge pixels that fly
  double flyingEdgeM = 0.3;     // depth jump that counts as an edge
  // structured light
  double projectorBaseline = 0.075;
  double darkAlbedo = 0.12;  // mean albedo below which the pattern is lost
  double grazingDegrees = 78;
  double slSubpixelSteps = 8;
};

struct SyntheticFrame {
  double timestamp = 0;
  PinholeIntrinsics intrinsics;
  std::vector<std::uint8_t> rgb;       // height × width × 3
  std::vector<float> depth;            // measured, metres, NaN = no measurement
  std::vector<float> truth;            // noise-free, metres (NaN: nothing hit)
  std::vector<std::uint8_t> shadowed;  // 1 where the projector/right camera cannot see (SL, stereo)
};

// Reference: renders frame `index` at `fps` (timestamp = index / fps),
// every ray against the whole scene.
SyntheticFrame renderSynthetic(const Scene& scene, const PinholeIntrinsics& k, const SensorModel& sensor,
                               std::uint64_t seed, std::int64_t index, double fps = 30.0);

// Fast path, identical output: the static part of the scene (room, boxes,
// still spheres) is ray-cast once; per frame only the moving sphere is
// intersected, for primary rays and for the second viewpoint's visibility.
class SyntheticRenderer {
 public:
  SyntheticRenderer(Scene scene, PinholeIntrinsics k, SensorModel sensor);
  SyntheticFrame render(std::uint64_t seed, std::int64_t index, double fps = 30.0) const;

 private:
  struct Cache;
  Scene m_scene;
  PinholeIntrinsics m_k;
  SensorModel m_m;
  std::shared_ptr<Cache> m_cache;
};

}  // namespace loupe::rgbd
