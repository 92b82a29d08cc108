// `rgbd.stream`: any depth source through the RGBD pipeline, one step per
// frame. Each step records the depth (u16 millimetres, 0 = none; zstd packs
// it well), the colour image, the kept cloud (down-sampled) with colours,
// the absolute error against ground truth where there is any, and metrics:
// fill rate, RMSE/MAE/bad-% against GT, bad-2px for stereo pairs with GT
// disparity, stage times and frames per second. The organized cloud can be
// rebuilt exactly from the recorded depth and the recipe's intrinsics.
#include "experiments/kinds/RgbdKinds.h"

#include <algorithm>
#include <cmath>

#include "engines/core/CheckedSize.h"
#include "engines/core/Error.h"
#include "engines/core/Timer.h"
#include "engines/rgbd/RgbdPipeline.h"
#include "experiments/DeviceChoice.h"
#include "experiments/RunContext.h"
#include "experiments/kinds/RgbdRecords.h"

namespace loupe {

namespace {

using namespace loupe::rgbd;
namespace rec = loupe::rgbd_records;

SensorModel sensorFrom(const RunContext& ctx) {
  SensorModel m;
  const std::string sensor = ctx.paramString("sensor");
  m.kind = sensor == "tof"                ? SensorKind::TimeOfFlight
           : sensor == "structured_light" ? SensorKind::StructuredLight
           : sensor == "ideal"            ? SensorKind::Ideal
                                          : SensorKind::Stereo;
  m.baseline = ctx.paramFloat("sensor_baseline_m");
  m.disparityNoisePx = ctx.paramFloat("disparity_noise_px");
  m.modulationHz = ctx.paramFloat("tof_modulation_mhz") * 1e6;
  return m;
}

std::unique_ptr<RgbdSource> sourceFrom(const RunContext& ctx) {
  const std::string source = ctx.paramString("source");
  const std::string path = ctx.paramString("path");
  PinholeIntrinsics k{static_cast<int>(ctx.paramInt("width")),
                      static_cast<int>(ctx.paramInt("height")),
                      ctx.paramFloat("fx"),
                      ctx.paramFloat("fy"),
                      ctx.paramFloat("cx"),
                      ctx.paramFloat("cy")};
  // 0 means "the source's own": centre of the image for cx/cy.
  if (k.cx <= 0) k.cx = (k.width - 1) / 2.0;
  if (k.cy <= 0) k.cy = (k.height - 1) / 2.0;
  const bool custom = ctx.paramFloat("fx") > 0;
  if (k.fx <= 0) k.fx = 525.0 * k.width / 640.0;
  if (k.fy <= 0) k.fy = k.fx;
  if (source == "synthetic") {
    // A frame's depth, colour, organized and kept clouds with colours,
    // normals, filter buffers and the recorded copies: about 80 bytes a pixel.
    checkWithinBudget(static_cast<std::uint64_t>(k.width) * static_cast<std::uint64_t>(k.height) * 80,
                      k.width >= k.height ? "params.width" : "params.height",
                      "a synthetic " + std::to_string(k.width) + "×" + std::to_string(k.height) + " frame");
    return openSynthetic(Scene::room(ctx.seed()), sensorFrom(ctx), k, ctx.seed(), ctx.paramInt("frames"),
                         ctx.paramFloat("fps"));
  }
  if (path.empty() && source != "openni2") throw InputError("params.path", "source \"" + source + "\" needs a path");
  if (source == "stereo_pair") {
    StereoParams p;
    p.algorithm =
        ctx.paramString("stereo_algorithm") == "bm" ? StereoParams::Algorithm::Bm : StereoParams::Algorithm::Sgbm;
    p.numDisparities = static_cast<int>(ctx.paramInt("num_disparities"));
    if (p.numDisparities % 16)
      throw InputError("params.num_disparities", "must be a multiple of 16, got " + std::to_string(p.numDisparities));
    p.minDisparity = static_cast<int>(ctx.paramInt("min_disparity"));
    p.blockSize = static_cast<int>(ctx.paramInt("block_size"));
    if (p.blockSize % 2 == 0) throw InputError("params.block_size", "must be odd, got " + std::to_string(p.blockSize));
    const std::string right = ctx.paramString("right"), truth = ctx.paramString("truth");
    if (right.empty()) throw InputError("params.right", "a stereo pair needs the right image");
    return openStereoPair(path, right, truth.empty() ? std::nullopt : std::optional<std::filesystem::path>(truth),
                          ctx.paramFloat("stereo_focal_px"), ctx.paramFloat("stereo_baseline_m"), p);
  }
  if (source == "sequence") {
    const std::string layout = ctx.paramString("layout");
    const SequenceLayout l = layout == "tum"        ? SequenceLayout::Tum
                             : layout == "redwood"  ? SequenceLayout::Redwood
                             : layout == "pcl_tiff" ? SequenceLayout::PclTiff
                                                    : SequenceLayout::Auto;
    // Custom focal lengths apply with the sequence's own frame size (width 0:
    // taken from the first image; cx/cy 0: its centre).
    PinholeIntrinsics own{0, 0, k.fx, k.fy, ctx.paramFloat("cx"), ctx.paramFloat("cy")};
    return openSequence(path, l, custom ? std::optional<PinholeIntrinsics>(own) : std::nullopt);
  }
  return openOpenNi2();
}

DepthFilter filterFrom(const std::string& name) {
  if (name == "median3") return DepthFilter::Median3;
  if (name == "median5") return DepthFilter::Median5;
  if (name == "bilateral") return DepthFilter::Bilateral;
  return DepthFilter::None;
}

Array depthMillimetres(const std::vector<float>& depth, int width, int height) {
  Array a(DType::U16, {height, width});
  auto* out = a.data<std::uint16_t>();
  for (std::size_t i = 0; i < depth.size(); ++i) {
    const float mm = depth[i] * rec::kMmPerMetre;
    out[i] =
        std::isfinite(mm) && mm > 0 ? static_cast<std::uint16_t>(std::min(65535.0f, std::round(mm))) : rec::kNoDepthMm;
  }
  return a;
}

void runStream(RunContext& ctx) {
  PipelineOptions options;
  options.filter = filterFrom(ctx.paramString("filter"));
  options.range = {ctx.paramFloat("depth_min_m"), ctx.paramFloat("depth_max_m")};
  options.voxel = ctx.paramFloat("voxel_m");
  if (options.voxel > 0 && options.voxel < 1e-3) {
    throw InputError("params.voxel_m", "must be 0 (off) or at least 0.001, got " + std::to_string(options.voxel));
  }
  options.keepStride = static_cast<int>(ctx.paramInt("record_stride"));
  options.normals = ctx.paramBool("normals");
  DeviceChoice device(ctx);
  options.cuda = device.usingCuda();
  RgbdPipeline pipeline(sourceFrom(ctx), options);
  const std::int64_t frames = ctx.paramInt("frames");
  const bool keepCloud = ctx.paramString("record") == "cloud";
  FrameResult r;
  for (std::int64_t step = 0; step < frames; ++step) {
    ctx.throwIfCancelled();
    const Stopwatch total;
    if (!pipeline.next(r)) break;
    const PinholeIntrinsics& k = r.frame.intrinsics;
    StepRecord record;
    record.step = step;
    // The pipeline falls back inside itself; the run says so once and records it per frame.
    if (!pipeline.cudaFallback().empty()) device.fallBack(pipeline.cudaFallback());
    device.annotate(record);
    record.metric(rec::kTimestamp, r.frame.timestamp)
        .metric(rec::kFillRate, r.fill)
        .metric(rec::kPoints, static_cast<double>(r.kept.size()));
    if (r.score) {
      record.metric(rec::kGtFillRate, r.score->fillRate)
          .metric(rec::kRmse, r.score->rmse)
          .metric(rec::kMae, r.score->mae)
          .metric(rec::kBadPct, r.score->badPercent);
    }
    if (r.disparityScore) {
      record.metric(rec::kBad2Pct, r.disparityScore->bad2)
          .metric(rec::kMatchedPct, 100 * r.disparityScore->matchedFraction)
          .metric(rec::kMedianDisparityError, r.disparityScore->medianAbsError);
    }
    record.array(rec::kDepthMm, depthMillimetres(r.frame.depth, k.width, k.height));
    if (!r.frame.rgb.empty()) {
      Array rgb(DType::U8, {k.height, k.width, 3});
      std::copy(r.frame.rgb.begin(), r.frame.rgb.end(), rgb.data<std::uint8_t>());
      record.array(rec::kRgb, std::move(rgb));
    }
    if (!r.frame.truth.empty()) {
      Array err(DType::F32, {k.height, k.width});
      for (std::size_t i = 0; i < r.frame.depth.size(); ++i) {
        err.data<float>()[i] = std::fabs(r.frame.depth[i] - r.frame.truth[i]);  // NaN where either is missing
      }
      record.array(rec::kAbsError, std::move(err));
    }
    if (!r.frame.disparity.empty()) {
      record.array(rec::kDisparity,
                   Array::fromValues<float>({k.height, k.width}, std::span<const float>(r.frame.disparity)));
    }
    if (keepCloud) {
      record.array(rec::kCloud, Array::fromValues<float>({r.kept.size(), 3}, std::span<const float>(r.kept.xyz)));
      if (r.kept.hasColor()) {
        record.array(rec::kCloudRgb,
                     Array::fromValues<std::uint8_t>({r.kept.size(), 3}, std::span<const std::uint8_t>(r.kept.rgb)));
      }
    }
    const double ms = total.milliseconds();
    record.metric(rec::kSourceMs, r.sourceMs)
        .metric(rec::kFilterMs, r.filterMs)
        .metric(rec::kCloudMs, r.cloudMs)
        .metric(rec::kKeepMs, r.keepMs)
        .metric(rec::kTotalMs, ms)
        .metric(rec::kFps, 1000.0 / std::max(ms, 1e-3));
    ctx.emitStep(std::move(record));
    const std::int64_t count = pipeline.source().frameCount();
    const std::int64_t planned = count >= 0 ? std::min(frames, count) : frames;
    ctx.progress(static_cast<double>(step + 1) / static_cast<double>(planned), "frame " + std::to_string(step + 1));
  }
}

}  // namespace

void registerRgbdKinds(KindRegistry& registry) {
  EngineKind k;
  k.name = "rgbd.stream";
  k.supportsCuda = true;  // back-projection on the GPU
  k.version = "1.0";
  k.summary =
      "depth camera (synthetic stereo/ToF/structured light, stereo pair, TUM/Redwood/PCL sequence, OpenNI2) → point "
      "cloud";
  k.schema = ParamSchema{
      ParamSpec::choice("source", {"synthetic", "stereo_pair", "sequence", "openni2"}, "synthetic",
                        "where frames come from"),
      ParamSpec::choice("sensor", {"stereo", "tof", "structured_light", "ideal"}, "stereo", "synthetic sensor model"),
      ParamSpec::integer("frames", 60, "frames to process (a sequence stops at its end)").range(1, 1000000),
      ParamSpec::number("fps", 30, "synthetic frame rate (timestamps)").range(1, 1000),
      ParamSpec::integer("width", 640, "synthetic image width").range(16, 8192),
      ParamSpec::integer("height", 480, "synthetic image height").range(16, 8192),
      ParamSpec::number("fx", 0, "focal length x in px (0: 525 at 640 px, or the source's)").range(0, 1e5),
      ParamSpec::number("fy", 0, "focal length y in px (0: = fx)").range(0, 1e5),
      ParamSpec::number("cx", 0, "principal point x (0: image centre)").range(0, 1e5),
      ParamSpec::number("cy", 0, "principal point y (0: image centre)").range(0, 1e5),
      ParamSpec::number("sensor_baseline_m", 0.12, "synthetic stereo baseline").range(0.01, 2),
      ParamSpec::number("disparity_noise_px", 0.08, "synthetic stereo sub-pixel noise σ").range(0, 5),
      ParamSpec::number("tof_modulation_mhz", 20, "ToF modulation frequency (range c/2f)").range(1, 500),
      ParamSpec::text("path", "", "sequence directory, or the left image of a stereo pair"),
      ParamSpec::text("right", "", "stereo pair: right image"),
      ParamSpec::text("truth", "", "stereo pair: ground-truth disparity PNG (0 = unknown)"),
      ParamSpec::choice("layout", {"auto", "tum", "redwood", "pcl_tiff"}, "auto", "sequence layout"),
      ParamSpec::number("stereo_focal_px", 3740, "stereo pair focal length (Middlebury 2006 full size)").range(1, 1e5),
      ParamSpec::number("stereo_baseline_m", 0.16, "stereo pair baseline (Middlebury 2006)").range(1e-4, 10),
      ParamSpec::choice("stereo_algorithm", {"sgbm", "bm"}, "sgbm", "OpenCV matcher"),
      ParamSpec::integer("num_disparities", 256, "disparity search range (multiple of 16)").range(16, 1024),
      ParamSpec::integer("min_disparity", 0, "smallest disparity searched").range(-1024, 1024),
      ParamSpec::integer("block_size", 5, "matching block size (odd)").range(1, 51),
      ParamSpec::number("depth_min_m", 0.1, "closer points are dropped").range(0, 100),
      ParamSpec::number("depth_max_m", 10, "points at or beyond are dropped").range(0.01, 1000),
      ParamSpec::choice("filter", {"none", "median3", "median5", "bilateral"}, "none", "depth filter"),
      ParamSpec::number("voxel_m", 0, "voxel down-sampling of the kept cloud (0: off)").range(0, 1),
      ParamSpec::integer("record_stride", 2, "without voxels, keep every n-th pixel in u and v").range(1, 16),
      ParamSpec::boolean("normals", false, "estimate normals of the organized cloud"),
      ParamSpec::choice("record", {"cloud", "depth"}, "cloud", "record the cloud too, or depth and images only"),
  };
  k.run = runStream;
  registry.add(std::move(k));
}

}  // namespace loupe
