// RGBD throughput, each figure next to a peer measured in the same run:
// - 640×480 depth (u16 mm, a real Kinect frame) → organized cloud: ours
//   (fast path, all cores and one core) against Open3D 0.16's C++
//   PointCloud::CreateFromDepthImage (organized: project_valid_depth_only =
//   false) and against a memcpy of the output bytes (the floor);
// - end to end on one core (LOUPE_THREADS=1): synthetic source → cloud →
//   voxel cloud → StoreRecorder into SQLite, frames per second.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <opencv2/imgcodecs.hpp>

#include "engines/core/ThreadPool.h"
#include "engines/core/Timer.h"
#include "engines/rgbd/DepthToCloud.h"
#include "engines/rgbd/RgbdPipeline.h"
#include "experiments/Store.h"
#include "experiments/StoreRecorder.h"

#ifdef LOUPE_BENCH_OPEN3D
#include <open3d/camera/PinholeCameraIntrinsic.h>
#include <open3d/geometry/Image.h>
#include <open3d/geometry/PointCloud.h>
#endif

namespace loupe {
namespace {

using namespace loupe::rgbd;
namespace fs = std::filesystem;

cv::Mat kinectDepth() {
  static const cv::Mat depth = cv::imread(
      (fs::path(LOUPE_SHARED_DATA) / "pcl_kinect_depth_to_cloud/tiff/frame_20121214T142255.814212_depth.tiff").string(),
      cv::IMREAD_UNCHANGED);
  return depth;
}

constexpr int kReps = 200;

void BM_DepthToOrganizedCloud640x480(benchmark::State& state) {
  const cv::Mat depth = kinectDepth();
  if (depth.empty()) {
    state.SkipWithError("Kinect frame not found in ../shared/data");
    return;
  }
  const PinholeIntrinsics k{640, 480, 525, 525, 319.5, 239.5};
  PointCloud cloud;
  double ours = 0, oursOneCore = 0, open3d = 0, copy = 0;
  for (auto _ : state) {
    ThreadPool allCores(-1);  // the shared pool is held to one thread for the end-to-end figure
    Stopwatch clock;
    for (int r = 0; r < kReps; ++r)
      depthToOrganizedCloud(depth.ptr<std::uint16_t>(), 0.001, nullptr, k, {}, cloud, &allCores);
    ours = clock.seconds() / kReps;

    ThreadPool single(0);  // the same kernel on one core, like for like with Open3D's single thread
    clock.restart();
    for (int r = 0; r < kReps; ++r)
      depthToOrganizedCloud(depth.ptr<std::uint16_t>(), 0.001, nullptr, k, {}, cloud, &single);
    oursOneCore = clock.seconds() / kReps;

    std::vector<float> destination(cloud.xyz.size());
    clock.restart();
    for (int r = 0; r < kReps; ++r) {
      std::memcpy(destination.data(), cloud.xyz.data(), cloud.xyz.size() * sizeof(float));
      benchmark::ClobberMemory();
    }
    copy = clock.seconds() / kReps;

#ifdef LOUPE_BENCH_OPEN3D
    open3d::geometry::Image image;
    image.Prepare(640, 480, 1, 2);
    std::memcpy(image.data_.data(), depth.data, 640 * 480 * 2);
    const open3d::camera::PinholeCameraIntrinsic intrinsic(640, 480, 525, 525, 319.5, 239.5);
    clock.restart();
    for (int r = 0; r < kReps / 4; ++r) {
      auto pc = open3d::geometry::PointCloud::CreateFromDepthImage(image, intrinsic, Eigen::Matrix4d::Identity(),
                                                                   1000.0, 1000.0, 1, false);
      benchmark::DoNotOptimize(pc->points_.data());
    }
    open3d = clock.seconds() / (kReps / 4);
#endif
    state.SetIterationTime(ours);
  }
  state.counters["ours_ms"] = ours * 1e3;
  state.counters["ours_1core_ms"] = oursOneCore * 1e3;
  state.counters["memcpy_ms"] = copy * 1e3;
  state.counters["vs_memcpy"] = ours / copy;
  if (open3d > 0) {
    state.counters["open3d_ms"] = open3d * 1e3;
    state.counters["speedup_vs_open3d"] = open3d / ours;
    state.counters["speedup_1core_vs_open3d"] = open3d / oursOneCore;
  }
}

void BM_SyntheticEndToEndOneCore(benchmark::State& state) {
  const fs::path db = fs::temp_directory_path() / ("loupe-rgbd-bench-" + std::to_string(::getpid()) + ".sqlite");
  double fps = 0;
  for (auto _ : state) {
    fs::remove(db);
    Store store(db);
    Recipe recipe;
    recipe.kind = "rgbd.stream";
    recipe.name = "bench";
    const auto run = store.createRun(recipe, "1", "cpu");
    StoreRecorder recorder(store, run);
    recorder.runStarted();
    SensorModel sensor;
    sensor.kind = static_cast<SensorKind>(state.range(0));
    PipelineOptions options;
    options.keepStride = 2;  // the recipe's default preview cloud
    RgbdPipeline pipeline(openSynthetic(Scene::room(1), sensor, {640, 480, 525, 525, 319.5, 239.5}, 1, 60, 30),
                          options);
    FrameResult r;
    Stopwatch clock;
    int frames = 0;
    while (pipeline.next(r)) {
      StepRecord rec;
      rec.step = frames++;
      Array depth(DType::U16, {480, 640});
      for (std::size_t i = 0; i < r.frame.depth.size(); ++i) {
        const float mm = r.frame.depth[i] * 1000.0f;
        depth.data<std::uint16_t>()[i] = mm > 0 && mm < 65535 ? static_cast<std::uint16_t>(mm + 0.5f) : 0;
      }
      rec.array("depth_mm", std::move(depth));
      rec.array("cloud", Array::fromValues<float>({r.kept.size(), 3}, std::span<const float>(r.kept.xyz)));
      rec.metric("fill_rate", r.fill);
      recorder.stepRecorded(rec);
    }
    recorder.runEnded(RunStatus::Finished, "");
    fps = frames / clock.seconds();
    state.SetIterationTime(clock.seconds() / frames);
  }
  fs::remove(db);
  state.counters["fps_one_core"] = fps;
  state.SetLabel(state.range(0) == 1 ? "stereo" : state.range(0) == 2 ? "time-of-flight" : "structured light");
}

BENCHMARK(BM_DepthToOrganizedCloud640x480)->UseManualTime()->Iterations(1)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_SyntheticEndToEndOneCore)
    ->Arg(1)
    ->Arg(2)
    ->Arg(3)
    ->UseManualTime()
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace loupe

int main(int argc, char** argv) {
  // One core for the end-to-end figure; the depth → cloud figure reports both.
  if (!std::getenv("LOUPE_THREADS")) setenv("LOUPE_THREADS", "1", 1);
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
