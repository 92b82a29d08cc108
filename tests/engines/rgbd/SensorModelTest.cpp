// Each synthetic sensor model checked for its defining property, with the
// check computed independently of the model's code:
// - stereo: depth-error standard deviation grows as z² (fitted exponent 2 ± 0.2);
// - time-of-flight: flying pixels appear only next to depth discontinuities
//   of the ground truth;
// - structured light: holes on a wall lie in the box's projector shadow,
//   whose outline is computed analytically (corners projected from the
//   projector onto the wall plane).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <opencv2/imgproc.hpp>
#include <vector>

#include "engines/rgbd/DepthMetrics.h"
#include "engines/rgbd/SyntheticScene.h"

namespace loupe::rgbd {
namespace {

const PinholeIntrinsics kCamera{640, 480, 525.0, 525.0, 319.5, 239.5};

TEST(SensorModel, StereoErrorGrowsAsZSquared) {
  // A floor receding from 1 m to 8 m gives every depth in one frame.
  Scene scene;
  scene.planes.push_back({{0, -1, 0}, -0.6, {0.8, 0.8, 0.8}, false});
  scene.planes.push_back({{0, 0, -1}, -9.0, {0.8, 0.8, 0.8}, false});
  SensorModel stereo;
  stereo.kind = SensorKind::Stereo;
  // Collect errors over several frames for stable statistics.
  std::vector<std::vector<double>> bins(8);
  for (int frame = 0; frame < 6; ++frame) {
    const SyntheticFrame f = renderSynthetic(scene, kCamera, stereo, 11, frame);
    for (std::size_t i = 0; i < f.depth.size(); ++i) {
      const double z = f.truth[i];
      if (std::isnan(f.depth[i]) || !(z >= 1.0 && z < 8.0)) continue;
      if (std::fabs(z - 9.0) < 1e-6) continue;  // the back wall
      bins[static_cast<std::size_t>(z - 1.0)].push_back(f.depth[i] - z);
    }
  }
  std::vector<double> logZ, logSigma;
  for (std::size_t b = 0; b < bins.size(); ++b) {
    if (bins[b].size() < 2000) continue;
    double mean = 0, sq = 0;
    for (double e : bins[b]) mean += e;
    mean /= bins[b].size();
    for (double e : bins[b]) sq += (e - mean) * (e - mean);
    logZ.push_back(std::log(1.5 + b));
    logSigma.push_back(std::log(std::sqrt(sq / (bins[b].size() - 1))));
  }
  ASSERT_GE(logZ.size(), 4u);
  double mx = 0, my = 0;
  for (std::size_t i = 0; i < logZ.size(); ++i) mx += logZ[i], my += logSigma[i];
  mx /= logZ.size();
  my /= logZ.size();
  double num = 0, den = 0;
  for (std::size_t i = 0; i < logZ.size(); ++i)
    num += (logZ[i] - mx) * (logSigma[i] - my), den += (logZ[i] - mx) * (logZ[i] - mx);
  const double exponent = num / den;
  std::printf("stereo: fitted exponent %.3f over %zu depth bins\n", exponent, logZ.size());
  EXPECT_NEAR(exponent, 2.0, 0.2);
  // And the size: σ_z ≈ z²·σ_d/(f·B) at z = 4.5 m (bin 3).
  const double expected = 4.5 * 4.5 * std::sqrt(0.08 * 0.08 + 1.0 / (12 * 256)) / (525.0 * 0.12);
  EXPECT_NEAR(std::exp(my + exponent * (std::log(4.5) - mx)), expected, 0.25 * expected);
}

TEST(SensorModel, TofFlyingPixelsOnlyNextToDepthDiscontinuities) {
  const Scene scene = Scene::room(5);
  SensorModel tof;
  tof.kind = SensorKind::TimeOfFlight;
  const SyntheticFrame f = renderSynthetic(scene, kCamera, tof, 5, 3);
  const int w = kCamera.width, h = kCamera.height;
  int flying = 0, isolated = 0;
  for (int v = 0; v < h; ++v) {
    for (int u = 0; u < w; ++u) {
      const std::size_t i = static_cast<std::size_t>(v) * w + u;
      if (std::isnan(f.depth[i]) || std::isnan(f.truth[i])) continue;
      if (std::fabs(f.depth[i] - f.truth[i]) < 0.25) continue;  // noise + multipath stay far below
      ++flying;
      // A discontinuity in the ground truth within the 3 × 3 neighbourhood?
      float lo = INFINITY, hi = -INFINITY;
      for (int dv = -1; dv <= 1; ++dv)
        for (int du = -1; du <= 1; ++du) {
          const int uu = u + du, vv = v + dv;
          if (uu < 0 || vv < 0 || uu >= w || vv >= h) continue;
          const float t = f.truth[static_cast<std::size_t>(vv) * w + uu];
          if (std::isnan(t)) continue;
          lo = std::min(lo, t);
          hi = std::max(hi, t);
        }
      isolated += hi - lo < 0.25f;
    }
  }
  std::printf("tof: %d flying pixels, %d away from a discontinuity\n", flying, isolated);
  EXPECT_GT(flying, 200);
  EXPECT_EQ(isolated, 0);
}

TEST(SensorModel, TofMultipathBiasIsLargestInCorners) {
  // Floor meets back wall at z = 4: pixels close to that edge read long.
  Scene scene;
  scene.planes.push_back({{0, -1, 0}, -1.0, {0.8, 0.8, 0.8}, false});
  scene.planes.push_back({{0, 0, -1}, -4.0, {0.8, 0.8, 0.8}, false});
  SensorModel tof;
  tof.kind = SensorKind::TimeOfFlight;
  tof.flyingFraction = 0;
  double nearCorner = 0, farFromCorner = 0;
  int nNear = 0, nFar = 0;
  for (int frame = 0; frame < 4; ++frame) {
    const SyntheticFrame f = renderSynthetic(scene, kCamera, tof, 2, frame);
    for (std::size_t i = 0; i < f.depth.size(); ++i) {
      const int v = static_cast<int>(i) / kCamera.width;
      const double z = f.truth[i], y = (v - kCamera.cy) / kCamera.fy * z;
      const double toEdge = std::hypot(1.0 - y, 4.0 - z);  // distance to the line y = 1, z = 4
      if (toEdge < 0.05) nearCorner += f.depth[i] - z, ++nNear;
      if (toEdge > 1.0 && z < 3.5) farFromCorner += f.depth[i] - z, ++nFar;
    }
  }
  ASSERT_GT(nNear, 100);
  ASSERT_GT(nFar, 1000);
  EXPECT_GT(nearCorner / nNear, 0.02);
  EXPECT_LT(std::fabs(farFromCorner / nFar), 0.003);
}

TEST(SensorModel, StructuredLightHolesLieInTheProjectorShadow) {
  Scene scene;
  const double wallZ = 3.0;
  scene.planes.push_back({{0, 0, -1}, -wallZ, {0.8, 0.8, 0.8}, false});
  scene.boxes.push_back({{-0.3, -0.3, 1.5}, {0.1, 0.2, 1.8}, {0.8, 0.7, 0.6}});
  SensorModel sl;
  sl.kind = SensorKind::StructuredLight;
  const SyntheticFrame f = renderSynthetic(scene, kCamera, sl, 1, 0);

  // The shadow outline: box corners projected from the projector onto the wall,
  // then into the camera image.
  const double px = sl.projectorBaseline;
  std::vector<cv::Point2f> outline;
  for (int c = 0; c < 8; ++c) {
    const double x = (c & 1) ? 0.1 : -0.3, y = (c & 2) ? 0.2 : -0.3, z = (c & 4) ? 1.8 : 1.5;
    const double s = wallZ / z;  // from the projector at (px, 0, 0) through the corner to z = wallZ
    const double wx = px + (x - px) * s, wy = y * s;
    outline.emplace_back(static_cast<float>(kCamera.fx * wx / wallZ + kCamera.cx),
                         static_cast<float>(kCamera.fy * wy / wallZ + kCamera.cy));
  }
  std::vector<cv::Point2f> hull;
  cv::convexHull(outline, hull);

  int wallHoles = 0, outside = 0, insideVisible = 0, insideHoles = 0;
  for (int v = 0; v < kCamera.height; ++v) {
    for (int u = 0; u < kCamera.width; ++u) {
      const std::size_t i = static_cast<std::size_t>(v) * kCamera.width + u;
      if (std::fabs(f.truth[i] - wallZ) > 1e-6) continue;  // the wall only
      const double inside = cv::pointPolygonTest(hull, cv::Point2f(static_cast<float>(u), static_cast<float>(v)), true);
      const bool hole = std::isnan(f.depth[i]);
      wallHoles += hole;
      if (hole && inside < -1.5) ++outside;
      if (inside > 1.5) {
        ++insideVisible;
        insideHoles += hole;
      }
    }
  }
  std::printf("structured light: %d wall holes, %d outside the shadow, %d of %d shadowed wall pixels are holes\n",
              wallHoles, outside, insideHoles, insideVisible);
  EXPECT_GT(wallHoles, 500);
  EXPECT_EQ(outside, 0) << "holes on the wall outside the projector's shadow";
  ASSERT_GT(insideVisible, 500);
  EXPECT_GT(static_cast<double>(insideHoles) / insideVisible, 0.99);
}

TEST(SensorModel, StructuredLightLosesDarkAndGrazingSurfaces) {
  const Scene scene = Scene::room(5);
  SensorModel sl;
  sl.kind = SensorKind::StructuredLight;
  const SyntheticFrame f = renderSynthetic(scene, kCamera, sl, 5, 0);
  // The dark box (index 1 of the boxes) returns nothing.
  const SceneBox& dark = scene.boxes[1];
  int darkPixels = 0, darkMeasured = 0;
  for (int v = 0; v < kCamera.height; ++v) {
    for (int u = 0; u < kCamera.width; ++u) {
      const std::size_t i = static_cast<std::size_t>(v) * kCamera.width + u;
      const double z = f.truth[i];
      if (std::isnan(z)) continue;
      const double x = (u - kCamera.cx) / kCamera.fx * z, y = (v - kCamera.cy) / kCamera.fy * z;
      const bool onDark = x >= dark.min[0] - 1e-6 && x <= dark.max[0] + 1e-6 && y >= dark.min[1] - 1e-6 &&
                          y <= dark.max[1] + 1e-6 && z >= dark.min[2] - 1e-6 && z <= dark.max[2] + 1e-6;
      darkPixels += onDark;
      darkMeasured += onDark && !std::isnan(f.depth[i]);
    }
  }
  EXPECT_GT(darkPixels, 1000);
  EXPECT_EQ(darkMeasured, 0);
  EXPECT_GT(fillRate(f.depth.data(), f.depth.size()), 0.7);
}

TEST(SensorModel, SameSeedSameFrameSameImages) {
  const Scene scene = Scene::room(9);
  SensorModel tof;
  tof.kind = SensorKind::TimeOfFlight;
  const auto a = renderSynthetic(scene, kCamera, tof, 9, 4);
  const auto b = renderSynthetic(scene, kCamera, tof, 9, 4);
  const auto c = renderSynthetic(scene, kCamera, tof, 9, 5);
  EXPECT_EQ(std::memcmp(a.depth.data(), b.depth.data(), a.depth.size() * 4), 0);
  EXPECT_EQ(a.rgb, b.rgb);
  EXPECT_NE(a.rgb, c.rgb);  // the sphere moved
}

}  // namespace
}  // namespace loupe::rgbd

namespace loupe::rgbd {
namespace {

// The fast renderer (static geometry cached, moving sphere per frame) must
// give exactly what the reference renderer gives.
TEST(SyntheticRenderer, FastPathEqualsReferenceBitForBit) {
  const Scene scene = Scene::room(21);
  for (SensorKind kind :
       {SensorKind::Ideal, SensorKind::Stereo, SensorKind::TimeOfFlight, SensorKind::StructuredLight}) {
    SensorModel m;
    m.kind = kind;
    const SyntheticRenderer fast(scene, kCamera, m);
    for (std::int64_t frame : {0, 7, 40}) {
      const SyntheticFrame a = renderSynthetic(scene, kCamera, m, 21, frame);
      const SyntheticFrame b = fast.render(21, frame);
      ASSERT_EQ(a.depth.size(), b.depth.size());
      EXPECT_EQ(std::memcmp(a.depth.data(), b.depth.data(), a.depth.size() * 4), 0)
          << static_cast<int>(kind) << " " << frame;
      EXPECT_EQ(std::memcmp(a.truth.data(), b.truth.data(), a.truth.size() * 4), 0);
      EXPECT_EQ(a.rgb, b.rgb);
      EXPECT_EQ(a.shadowed, b.shadowed);
    }
  }
}

}  // namespace
}  // namespace loupe::rgbd
