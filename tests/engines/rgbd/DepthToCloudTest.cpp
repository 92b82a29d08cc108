// Back-projection against PCL's own organized clouds of three real Kinect
// frames (../shared/data/pcl_kinect_depth_to_cloud), and the fast path
// against the float64 reference on the same input.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <random>

#include "engines/core/NumericCompare.h"
#include "engines/rgbd/DepthToCloud.h"
#include "engines/rgbd/PointCloudIO.h"
#include "tests/support/TestHelpers.h"

namespace loupe::rgbd {
namespace {

namespace fs = std::filesystem;

const fs::path kKinect = fs::path(LOUPE_SHARED_DATA) / "pcl_kinect_depth_to_cloud";
const char* kFrames[] = {"frame_20121214T142255.814212", "frame_20121214T142256.068683",
                         "frame_20121214T142256.332395"};

// PCL's "old intrinsics which were used to generate these tests" (README).
PinholeIntrinsics kinectIntrinsics() {
  return {640, 480, 525.0, 525.0, 320.0, 240.0};
}

struct KinectFrame {
  cv::Mat depth;  // CV_16U, millimetres
  cv::Mat rgb;    // CV_8UC3, RGB order
};

KinectFrame loadFrame(const std::string& name) {
  KinectFrame f;
  f.depth = cv::imread((kKinect / "tiff" / (name + "_depth.tiff")).string(), cv::IMREAD_UNCHANGED);
  const cv::Mat bgr = cv::imread((kKinect / "tiff" / (name + "_rgb.tiff")).string(), cv::IMREAD_COLOR);
  cv::cvtColor(bgr, f.rgb, cv::COLOR_BGR2RGB);
  return f;
}

void expectSameCloud(const PointCloud& ours, const PointCloud& pcl, const std::string& what) {
  ASSERT_EQ(ours.width, pcl.width) << what;
  ASSERT_EQ(ours.height, pcl.height) << what;
  double worst = 0;
  std::int64_t maskMismatch = 0, colourMismatch = 0, valid = 0;
  for (std::int64_t i = 0; i < ours.size(); ++i) {
    const bool oursNan = std::isnan(ours.xyz[3 * i + 2]), pclNan = std::isnan(pcl.xyz[3 * i + 2]);
    if (oursNan != pclNan) {
      ++maskMismatch;
      continue;
    }
    if (oursNan) continue;
    ++valid;
    for (int a = 0; a < 3; ++a) worst = nanAwareMax(worst, std::fabs(double{ours.xyz[3 * i + a]} - pcl.xyz[3 * i + a]));
    for (int c = 0; c < 3; ++c) colourMismatch += ours.rgb[3 * i + c] != pcl.rgb[3 * i + c];
  }
  EXPECT_EQ(maskMismatch, 0) << what;
  EXPECT_EQ(colourMismatch, 0) << what;
  EXPECT_LE(worst, 1e-6) << what;
  EXPECT_GT(valid, 200000) << what;
}

TEST(DepthToCloud, KinectFramesEqualPclsOrganizedClouds) {
  for (const char* name : kFrames) {
    const KinectFrame f = loadFrame(name);
    ASSERT_EQ(f.depth.type(), CV_16U) << name;
    const PointCloud pcl = readPcd(kKinect / "pcd" / (std::string(name) + ".pcd"));
    PointCloud fast;
    depthToOrganizedCloud(f.depth.ptr<std::uint16_t>(), 0.001, f.rgb.ptr<std::uint8_t>(), kinectIntrinsics(), {}, fast);
    expectSameCloud(fast, pcl, std::string("fast ") + name);
    const PointCloud reference =
        depthToCloudReference(f.depth.ptr<std::uint16_t>(), 0.001, f.rgb.ptr<std::uint8_t>(), kinectIntrinsics());
    expectSameCloud(reference, pcl, std::string("reference ") + name);
  }
}

// Our PCD reader is part of the chain above; Open3D reads the same file
// independently and must see the same points.
TEST(DepthToCloud, OurPcdReaderAgreesWithOpen3d) {
  testing::TempDir dir;
  const fs::path pcd = kKinect / "pcd" / (std::string(kFrames[0]) + ".pcd");
  const PointCloud ours = readPcd(pcd);
  const auto r = testing::runPython(
      "import sys, numpy as np, open3d as o3d\n"
      "p = o3d.io.read_point_cloud(sys.argv[1], remove_nan_points=False, remove_infinite_points=False)\n"
      "np.asarray(p.points, dtype=np.float32).tofile(sys.argv[2])\n"
      "np.round(np.asarray(p.colors) * 255).astype(np.uint8).tofile(sys.argv[3])\n",
      {pcd.string(), (dir / "xyz.bin").string(), (dir / "rgb.bin").string()});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  const std::string xyz = testing::readFile(dir / "xyz.bin"), rgb = testing::readFile(dir / "rgb.bin");
  ASSERT_EQ(xyz.size(), ours.xyz.size() * 4);
  ASSERT_EQ(rgb.size(), ours.rgb.size());
  EXPECT_EQ(std::memcmp(rgb.data(), ours.rgb.data(), rgb.size()), 0);
  const float* theirs = reinterpret_cast<const float*>(xyz.data());
  for (std::size_t i = 0; i < ours.xyz.size(); ++i) {
    if (std::isnan(ours.xyz[i])) {
      ASSERT_TRUE(std::isnan(theirs[i])) << i;
    } else {
      ASSERT_EQ(ours.xyz[i], theirs[i]) << i;
    }
  }
}

TEST(DepthToCloud, FastMatchesReferenceOnRandomDepthWithRange) {
  PinholeIntrinsics k{160, 120, 200.5, 198.0, 80.3, 59.7};
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> z(0.2f, 5.0f);
  std::vector<float> depth(160 * 120);
  for (auto& d : depth) d = z(rng);
  depth[5] = 0.0f;
  depth[6] = NAN;
  depth[7] = -1.0f;
  depth[8] = 3.0f;  // exactly the max: dropped, as Open3D does
  const DepthRange range{0.5, 3.0};
  const PointCloud ref = depthToCloudReference(depth.data(), nullptr, k, range);
  PointCloud fast;
  depthToOrganizedCloud(depth.data(), nullptr, k, range, fast);
  ASSERT_EQ(fast.xyz.size(), ref.xyz.size());
  for (std::size_t i = 0; i < ref.xyz.size(); ++i) {
    if (std::isnan(ref.xyz[i])) {
      ASSERT_TRUE(std::isnan(fast.xyz[i])) << i;
    } else {
      ASSERT_NEAR(fast.xyz[i], ref.xyz[i], 2e-6 * std::fabs(ref.xyz[i]) + 1e-7) << i;
    }
  }
  for (int i : {5, 6, 7, 8}) EXPECT_TRUE(std::isnan(fast.xyz[3 * i + 2])) << i;
  const PointCloud compact = compactCloud(fast);
  std::int64_t expected = 0;
  for (float d : depth) expected += d > 0 && d >= 0.5f && d < 3.0f;
  EXPECT_EQ(compact.size(), expected);
}

}  // namespace
}  // namespace loupe::rgbd
