// rgbd.stream end to end through the runner and the store, on a real TUM
// frame (the shared data's tum_single_frame_open3d): the recorded depth is
// the file's, as Open3D reads it, and the recorded cloud is the one Open3D's
// create_from_depth_image makes with the same intrinsics, stride and range;
// a source without its path fails naming the parameter and records nothing.
#include <gtest/gtest.h>

#include <cmath>

#include "experiments/KindRegistry.h"
#include "tests/support/RecordRun.h"
#include "tests/support/TestHelpers.h"

namespace loupe {
namespace {

namespace fs = std::filesystem;

class RgbdKind : public ::testing::Test {
 protected:
  RgbdKind() {
    registerBuiltinKinds(kinds);
    // A TUM layout around the real frame: rgb.txt / depth.txt and their folders.
    const fs::path tum = fs::path(LOUPE_SHARED_DATA) / "tum_single_frame_open3d";
    fs::create_directories(dir / "seq" / "rgb");
    fs::create_directories(dir / "seq" / "depth");
    fs::copy_file(tum / "TUM_color.png", dir / "seq" / "rgb" / "1.png");
    fs::copy_file(tum / "TUM_depth.png", dir / "seq" / "depth" / "1.png");
    testing::writeFile(dir / "seq" / "rgb.txt", "1.0 rgb/1.png\n");
    testing::writeFile(dir / "seq" / "depth.txt", "1.001 depth/1.png\n");
  }
  KindRegistry kinds;
  testing::TempDir dir;
  Store store{dir / "r.sqlite"};
};

TEST_F(RgbdKind, RecordedDepthAndCloudAreOpen3dsOfTheRealFrame) {
  const auto r =
      testing::recordRun(store, kinds,
                         R"({"kind": "rgbd.stream", "params": {"source": "sequence", "layout": "tum", "path": ")" +
                             (dir / "seq").string() + R"(", "frames": 1, "fx": 525, "fy": 525, "cx": 319.5,
                                        "cy": 239.5, "record_stride": 2, "depth_min_m": 0, "depth_max_m": 10}})");
  ASSERT_EQ(r.status, RunStatus::Finished) << r.error;
  const Array depth = store.readArray(r.run, 0, "depth_mm");
  const Array cloud = store.readArray(r.run, 0, "cloud");
  ASSERT_EQ(depth.shape(), (Shape{480, 640}));
  ASSERT_EQ(cloud.ndim(), 2);
  ASSERT_EQ(cloud.shape()[1], 3);
  testing::writeFile(dir / "depth_mm.bin",
                     std::string(reinterpret_cast<const char*>(depth.data<std::uint16_t>()), depth.numel() * 2));
  testing::writeFile(dir / "cloud.bin",
                     std::string(reinterpret_cast<const char*>(cloud.data<float>()), cloud.numel() * 4));
  // Open3D reads the PNG and back-projects it; numpy compares.
  const auto py = testing::runPython(R"(
import sys, numpy as np, open3d as o3d
png, d = sys.argv[1], sys.argv[2]
raw = np.asarray(o3d.io.read_image(png)).astype(np.float64)
ours = np.fromfile(d + '/depth_mm.bin', dtype=np.uint16).reshape(raw.shape).astype(np.float64)
want = np.where((raw > 0) & (raw / 5000.0 < 10.0), raw / 5.0, 0.0)
holes = int(np.sum((want == 0) != (ours == 0)))
worst = float(np.max(np.abs(ours - want)[want > 0]))
k = o3d.camera.PinholeCameraIntrinsic(640, 480, 525.0, 525.0, 319.5, 239.5)
pc = o3d.geometry.PointCloud.create_from_depth_image(o3d.io.read_image(png), k, depth_scale=5000.0,
                                                     depth_trunc=10.0, stride=2)
theirs = np.asarray(pc.points)
mine = np.fromfile(d + '/cloud.bin', dtype=np.float32).reshape(-1, 3).astype(np.float64)
print(holes, worst, len(theirs), len(mine),
      float(np.max(np.abs(theirs - mine))) if len(theirs) == len(mine) else -1.0)
)",
                                     {(dir / "seq" / "depth" / "1.png").string(), dir.path().string()});
  ASSERT_EQ(py.exitCode, 0) << py.err;
  std::istringstream in(py.out);
  std::printf("Open3D check (holes, worst mm, points Open3D / ours, worst m): %s", py.out.c_str());
  long holes = -1, theirs = -1, mine = -1;
  double worstMm = -1, worstM = -1;
  in >> holes >> worstMm >> theirs >> mine >> worstM;
  EXPECT_EQ(holes, 0) << "pixels with depth in one and not the other";
  EXPECT_LE(worstMm, 0.5 + 1e-6) << "recorded millimetres are the file's value / 5, rounded";
  EXPECT_GT(theirs, 50000);
  ASSERT_EQ(mine, theirs) << "points in the stride-2 cloud";
  EXPECT_LE(worstM, 1e-5) << "largest coordinate difference to Open3D's cloud, m";
  EXPECT_GT(store.metricSeries(r.run, "fill_rate").back().value, 0.7);
}

TEST_F(RgbdKind, ASourceWithoutItsPathFailsNamingItAndRecordsNothing) {
  const auto r =
      testing::recordRun(store, kinds, R"({"kind": "rgbd.stream", "params": {"source": "stereo_pair", "frames": 1}})");
  EXPECT_EQ(r.status, RunStatus::Failed);
  EXPECT_NE(r.error.find("params.path"), std::string::npos) << r.error;
  EXPECT_TRUE(store.stepNumbers(r.run).empty());
  const auto missing = testing::recordRun(
      store, kinds,
      R"({"kind": "rgbd.stream", "params": {"source": "sequence", "path": ")" + (dir / "nowhere").string() + R"("}})");
  EXPECT_EQ(missing.status, RunStatus::Failed);
  EXPECT_NE(missing.error.find((dir / "nowhere").string()), std::string::npos) << missing.error;
  EXPECT_TRUE(store.stepNumbers(missing.run).empty());
}

}  // namespace
}  // namespace loupe
