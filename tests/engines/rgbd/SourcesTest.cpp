// Sources read the shared data sets' layouts; processing steps against
// hand-computed expectations.
#include <gtest/gtest.h>

#include <chrono>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <opencv2/imgcodecs.hpp>
#include <random>

#include "engines/core/Error.h"
#include "engines/rgbd/CloudProcessing.h"
#include "engines/rgbd/RgbdSource.h"
#include "engines/rgbd/SequenceFiles.h"
#include "tests/support/TestHelpers.h"

namespace loupe::rgbd {
namespace {

namespace fs = std::filesystem;
const fs::path kData(LOUPE_SHARED_DATA);

TEST(Sources, PclTiffFramesInMillimetres) {
  auto source = openSequence(kData / "pcl_kinect_depth_to_cloud", SequenceLayout::Auto);
  ASSERT_EQ(source->frameCount(), 3);
  RgbdFrame f;
  ASSERT_TRUE(source->read(1, f));
  EXPECT_EQ(f.intrinsics.cx, 320.0);
  const cv::Mat raw =
      cv::imread((kData / "pcl_kinect_depth_to_cloud/tiff/frame_20121214T142256.068683_depth.tiff").string(),
                 cv::IMREAD_UNCHANGED);
  for (int i : {1000, 150000, 300000}) {
    const auto d = raw.ptr<std::uint16_t>()[i];
    if (d) {
      EXPECT_FLOAT_EQ(f.depth[i], d * 0.001f);
    } else {
      EXPECT_TRUE(std::isnan(f.depth[i]));
    }
  }
  EXPECT_NEAR(f.timestamp - 51776.068683, 0.0, 1e-6);  // 14:22:56.068683 as seconds of the day
  EXPECT_EQ(f.rgb.size(), 640u * 480 * 3);
  EXPECT_FALSE(source->read(3, f));
}

TEST(Sources, RedwoodAndTumLayouts) {
  auto redwood = openSequence(kData / "redwood_rgbd_open3d", SequenceLayout::Auto);
  EXPECT_EQ(redwood->frameCount(), 5);
  RgbdFrame f;
  ASSERT_TRUE(redwood->read(4, f));
  EXPECT_EQ(f.intrinsics.cx, 319.5);
  const cv::Mat raw = cv::imread((kData / "redwood_rgbd_open3d/depth/00004.png").string(), cv::IMREAD_UNCHANGED);
  const auto d = raw.ptr<std::uint16_t>()[200000];
  ASSERT_GT(d, 0);
  EXPECT_FLOAT_EQ(f.depth[200000], d * 0.001f);

  auto pair = openSequence(kData / "tum_pair_slambook2", SequenceLayout::Tum);
  EXPECT_EQ(pair->frameCount(), 2);
  ASSERT_TRUE(pair->read(0, f));
  const cv::Mat tum = cv::imread((kData / "tum_pair_slambook2/1_depth.png").string(), cv::IMREAD_UNCHANGED);
  const auto t = tum.ptr<std::uint16_t>()[123456];
  ASSERT_GT(t, 0);
  EXPECT_FLOAT_EQ(f.depth[123456], static_cast<float>(t / 5000.0));
}

TEST(Sources, TumListsAreAssociatedWithin20ms) {
  testing::TempDir dir;
  const fs::path tum = kData / "tum_single_frame_open3d";
  fs::copy_file(tum / "TUM_color.png", dir / "c.png");
  fs::copy_file(tum / "TUM_depth.png", dir / "d.png");
  testing::writeFile(dir / "rgb.txt", "# colour\n100.000 c.png\n100.500 c.png\n");
  testing::writeFile(dir / "depth.txt", "# depth\n100.010 d.png\n100.300 d.png\n100.515 d.png\n");
  auto source = openSequence(dir.path(), SequenceLayout::Tum);
  EXPECT_EQ(source->frameCount(), 2);  // 100.300 has no colour within 20 ms
  RgbdFrame f;
  ASSERT_TRUE(source->read(1, f));
  EXPECT_DOUBLE_EQ(f.timestamp, 100.515);
  testing::writeFile(dir / "depth.txt", "100.010\n");
  try {
    openSequence(dir.path(), SequenceLayout::Tum);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), (dir / "depth.txt").string() + ": line 1: expected \"timestamp filename\"");
  }
}

TEST(Sources, RealTumLayoutWithFoldersIsTumNotRedwood) {
  testing::TempDir dir;
  fs::create_directories(dir / "rgb");
  fs::create_directories(dir / "depth");
  const fs::path tum = kData / "tum_single_frame_open3d";
  fs::copy_file(tum / "TUM_color.png", dir / "rgb" / "1.png");
  fs::copy_file(tum / "TUM_depth.png", dir / "depth" / "1.png");
  testing::writeFile(dir / "rgb.txt", "1.0 rgb/1.png\n");
  testing::writeFile(dir / "depth.txt", "1.001 depth/1.png\n");
  auto source = openSequence(dir.path(), SequenceLayout::Auto);
  RgbdFrame f;
  ASSERT_TRUE(source->read(0, f));
  const cv::Mat raw = cv::imread((tum / "TUM_depth.png").string(), cv::IMREAD_UNCHANGED);
  std::size_t i = 0;
  while (raw.ptr<std::uint16_t>()[i] == 0) ++i;
  EXPECT_FLOAT_EQ(f.depth[i], static_cast<float>(raw.ptr<std::uint16_t>()[i] / 5000.0));  // TUM's scale
  EXPECT_FALSE(f.rgb.empty());
}

TEST(Sources, RedwoodReadsItsCameraJson) {
  testing::TempDir dir;
  fs::create_directories(dir / "depth");
  fs::copy_file(kData / "redwood_rgbd_open3d/depth/00000.png", dir / "depth" / "00000.png");
  testing::writeFile(
      dir / "camera_primesense.json",
      R"({"width": 640, "height": 480, "intrinsic_matrix": [600.0, 0, 0, 0, 610.0, 0, 320.0, 241.0, 1]})");
  auto source = openSequence(dir.path(), SequenceLayout::Auto);
  RgbdFrame f;
  ASSERT_TRUE(source->read(0, f));
  EXPECT_EQ(f.intrinsics.fx, 600.0);
  EXPECT_EQ(f.intrinsics.fy, 610.0);
  EXPECT_EQ(f.intrinsics.cx, 320.0);
  EXPECT_EQ(f.intrinsics.cy, 241.0);
}

// fx = 0 once passed silently (every pixel back-projected to infinity): a
// focal length must be positive, a frame size positive, and the error names
// the field. (JSON has no infinity or NaN; 1e999 is already a JSON error.)
TEST(Sources, RedwoodCameraJsonRefusesImpossibleIntrinsics) {
  const auto json = [](const std::string& width, const std::string& height, const std::string& fx,
                       const std::string& fy, const std::string& cx = "320") {
    return R"({"width": )" + width + R"(, "height": )" + height + R"(, "intrinsic_matrix": [)" + fx + ", 0, 0, 0, " +
           fy + ", 0, " + cx + ", 240, 1]}";
  };
  const PinholeIntrinsics k = parseOpen3dIntrinsics(json("640", "480", "525", "526"), "camera.json");
  EXPECT_EQ(k.width, 640);
  EXPECT_EQ(k.fy, 526.0);
  const std::vector<std::pair<std::string, std::string>> bad = {
      {json("640", "480", "0", "525"), "fx"},
      {json("640", "480", "525", "0"), "fy"},
      {json("640", "480", "-525", "525"), "fx"},
      {json("640", "480", "525", "-1e-3"), "fy"},
      {json("0", "480", "525", "525"), "width"},
      {json("640", "-480", "525", "525"), "height"},
      {json("640.5", "480", "525", "525"), "width"},
      {json("640", "480", "525", "525", "\"c\""), "intrinsic_matrix"},
      {R"({"height": 480, "intrinsic_matrix": [1,0,0,0,1,0,0,0,1]})", "width"},
  };
  for (const auto& [text, field] : bad) {
    try {
      parseOpen3dIntrinsics(text, "camera.json");
      ADD_FAILURE() << "accepted " << text;
    } catch (const InputError& e) {
      EXPECT_EQ(std::string(e.what()).rfind("camera.json: " + field, 0), 0u) << e.what();
    }
  }
  // Through the Redwood layout: the camera file's fx = 0 is an error, not a frame.
  testing::TempDir dir;
  fs::create_directories(dir / "depth");
  fs::copy_file(kData / "redwood_rgbd_open3d/depth/00000.png", dir / "depth" / "00000.png");
  testing::writeFile(dir / "camera_primesense.json", json("640", "480", "0", "525"));
  EXPECT_THROW(openSequence(dir.path(), SequenceLayout::Auto), InputError);
}

TEST(Sources, MissingThingsAreClearErrors) {
  testing::TempDir dir;
  EXPECT_THROW(openSequence(dir / "nope", SequenceLayout::Auto), InputError);
  EXPECT_THROW(openSequence(dir.path(), SequenceLayout::Tum), InputError);
  EXPECT_THROW(openStereoPair(dir / "l.png", dir / "r.png", std::nullopt, 500, 0.1, {}), InputError);
  try {
    openOpenNi2();
    GTEST_SKIP() << "an OpenNI2 device is attached";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("openni2: ", 0), 0u) << e.what();
  }
}

TEST(Sources, StereoPairGivesDepthAndTruth) {
  const fs::path aloe = kData / "middlebury_aloe";
  auto source = openStereoPair(aloe / "aloeL.jpg", aloe / "aloeR.jpg", aloe / "aloeGT.png", 3740.0, 0.16, {});
  RgbdFrame f;
  ASSERT_TRUE(source->read(0, f));
  ASSERT_EQ(f.depth.size(), f.truth.size());
  // Where disparity and truth exist, depth follows z = f·B/d exactly.
  int checked = 0;
  for (std::size_t i = 0; i < f.depth.size(); i += 997) {
    if (!(f.disparity[i] > 0) || std::isnan(f.truthDisparity[i])) continue;  // d = 0 is at infinity: NaN depth
    EXPECT_NEAR(f.depth[i], 3740.0 * 0.16 / f.disparity[i], 1e-3);
    EXPECT_NEAR(f.truth[i], 3740.0 * 0.16 / f.truthDisparity[i], 1e-3);
    ++checked;
  }
  EXPECT_GT(checked, 500);
}

TEST(Processing, VoxelCentroidsByHand) {
  PointCloud c;
  c.xyz = {0.01f, 0.01f, 0.01f, 0.03f, 0.05f, 0.07f, 0.5f, 0.5f, 0.5f, NAN, NAN, NAN};
  c.rgb = {10, 20, 30, 30, 40, 50, 200, 200, 200, 0, 0, 0};
  c.width = 4;
  const PointCloud v = voxelDownsample(c, 0.1);
  ASSERT_EQ(v.size(), 2);
  EXPECT_FLOAT_EQ(v.xyz[0], 0.02f);
  EXPECT_FLOAT_EQ(v.xyz[1], 0.03f);
  EXPECT_FLOAT_EQ(v.xyz[2], 0.04f);
  EXPECT_EQ(v.rgb[0], 20);
  EXPECT_EQ(v.rgb[2], 40);
  EXPECT_FLOAT_EQ(v.xyz[3], 0.5f);
}

TEST(Processing, NormalsOfATiltedPlane) {
  // The plane z = 2 + 0.5·x seen by a pinhole camera: normal ∝ (0.5, 0, −1).
  PinholeIntrinsics k{40, 30, 50, 50, 19.5, 14.5};
  PointCloud c;
  c.width = 40;
  c.height = 30;
  for (int v = 0; v < 30; ++v)
    for (int u = 0; u < 40; ++u) {
      const double a = (u - k.cx) / k.fx, b = (v - k.cy) / k.fy;
      const double z = 2.0 / (1 - 0.5 * a);  // solve z = 2 + 0.5·a·z
      c.xyz.insert(c.xyz.end(), {static_cast<float>(a * z), static_cast<float>(b * z), static_cast<float>(z)});
    }
  estimateOrganizedNormals(c);
  const double n[3] = {0.5 / std::sqrt(1.25), 0, -1 / std::sqrt(1.25)};
  const float* got = &c.normals[3 * (15 * 40 + 20)];
  for (int a = 0; a < 3; ++a) EXPECT_NEAR(got[a], n[a], 1e-4);
  EXPECT_TRUE(std::isnan(c.normals[0]));  // border
}

TEST(Processing, TooSmallVoxelsAreRefusedNotMerged) {
  PointCloud c;
  c.xyz = {0, 0, 2.0f, 0, 0, 2.5f};
  c.width = 2;
  EXPECT_THROW(voxelDownsample(c, 1e-6), std::invalid_argument);
}

TEST(Processing, MedianRemovesASpikeAndKeepsHoles) {
  std::vector<float> depth(25, 2.0f);
  depth[12] = 9.0f;  // a spike
  depth[0] = NAN;
  filterDepth(depth, 5, 5, DepthFilter::Median3);
  EXPECT_FLOAT_EQ(depth[12], 2.0f);
  EXPECT_TRUE(std::isnan(depth[0]));
}

}  // namespace
}  // namespace loupe::rgbd

namespace loupe::rgbd {
namespace {

// Against Open3D: its voxel grid starts half a voxel below the cloud's min
// bound (0.16: min_bound − voxel/2), ours at the origin; with the min bound
// at −voxel/2 both grids coincide and the centroids must agree.
TEST(Processing, VoxelDownsampleMatchesOpen3d) {
  testing::TempDir dir;
  PointCloud c;
  std::mt19937 rng(4);
  std::uniform_real_distribution<float> u(-0.049f, 0.949f);
  c.xyz = {-0.05f, -0.05f, -0.05f};
  for (int i = 0; i < 20000; ++i) c.xyz.insert(c.xyz.end(), {u(rng), u(rng), u(rng)});
  c.width = static_cast<int>(c.xyz.size() / 3);
  const PointCloud ours = voxelDownsample(c, 0.1);
  testing::writeFile(dir / "in.bin", std::string(reinterpret_cast<const char*>(c.xyz.data()), c.xyz.size() * 4));
  const auto r = testing::runPython(
      "import sys, numpy as np, open3d as o3d\n"
      "p = o3d.geometry.PointCloud(o3d.utility.Vector3dVector(np.fromfile(sys.argv[1], np.float32).reshape(-1, "
      "3).astype(np.float64)))\n"
      "q = np.asarray(p.voxel_down_sample(0.1).points)\n"
      "q = q[np.lexsort((q[:, 2], q[:, 1], q[:, 0]))]\n"
      "q.astype(np.float64).tofile(sys.argv[2])\n",
      {(dir / "in.bin").string(), (dir / "out.bin").string()});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  const std::string bytes = testing::readFile(dir / "out.bin");
  std::vector<double> theirs(bytes.size() / 8);
  std::memcpy(theirs.data(), bytes.data(), bytes.size());
  ASSERT_EQ(theirs.size(), ours.xyz.size());
  std::vector<std::array<double, 3>> mine;
  for (std::int64_t i = 0; i < ours.size(); ++i)
    mine.push_back({ours.xyz[3 * i], ours.xyz[3 * i + 1], ours.xyz[3 * i + 2]});
  std::sort(mine.begin(), mine.end());
  for (std::size_t i = 0; i < mine.size(); ++i)
    for (int a = 0; a < 3; ++a) ASSERT_NEAR(mine[i][a], theirs[3 * i + a], 1e-6) << i;
}

}  // namespace
// Issue 19's reproducer: a small PNG declaring 30000 × 30000 pixels took
// 5.2 GB while OpenCV decoded it, before any size error. Its header is read
// first now, and the frame refused by size with the file's name.
TEST(Sources, AHugeDeclaredImageIsRefusedBeforeDecoding) {
  testing::TempDir dir;
  fs::create_directories(dir / "rgb");
  fs::create_directories(dir / "depth");
  const fs::path tum = kData / "tum_single_frame_open3d";
  fs::copy_file(tum / "TUM_color.png", dir / "rgb" / "1.png");
  std::string png = testing::readFile(tum / "TUM_depth.png");
  const unsigned char side[4] = {0x00, 0x00, 0x75, 0x30};  // 30000, big-endian
  png.replace(16, 4, reinterpret_cast<const char*>(side), 4);
  png.replace(20, 4, reinterpret_cast<const char*>(side), 4);
  testing::writeFile(dir / "depth" / "1.png", png);
  testing::writeFile(dir / "rgb.txt", "1.0 rgb/1.png\n");
  testing::writeFile(dir / "depth.txt", "1.001 depth/1.png\n");
  auto source = openSequence(dir.path(), SequenceLayout::Auto);
  RgbdFrame f;
  try {
    source->read(0, f);
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), (dir / "depth" / "1.png").string() +
                                         ": is a 30000 × 30000 px image, more than the 67108864 pixels an input "
                                         "image may have");
  }
}

// Issue 19's reproducer: TUM association scanned every colour frame for each
// depth frame, so 100k-line lists took over 30 s. Bisection gives the same
// pairs (nearest within 20 ms, the first listed of two equally near) at once;
// the bound below only guards against the quadratic scan coming back.
TEST(Sources, TumAssociationOf100kLinesIsNotQuadratic) {
  testing::TempDir dir;
  const fs::path tum = kData / "tum_single_frame_open3d";
  fs::copy_file(tum / "TUM_color.png", dir / "c.png");
  fs::copy_file(tum / "TUM_depth.png", dir / "d.png");
  std::string rgb, depth;
  for (int i = 0; i < 100000; ++i) {
    rgb += std::to_string(1000.0 + 0.1 * i) + " c.png\n";
    // Every third depth frame lies 50 ms from any colour frame: no partner.
    depth += std::to_string(1000.0 + 0.1 * i + (i % 3 == 0 ? 0.05 : 0.01)) + " d.png\n";
  }
  testing::writeFile(dir / "rgb.txt", rgb);
  testing::writeFile(dir / "depth.txt", depth);
  const auto t0 = std::chrono::steady_clock::now();
  auto source = openSequence(dir.path(), SequenceLayout::Tum);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(source->frameCount(), 100000 - 33334);
  EXPECT_LT(seconds, 10.0);
  std::printf("TUM association of 2 × 100k lines: %.2f s\n", seconds);
}

}  // namespace loupe::rgbd
