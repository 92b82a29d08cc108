// One frame's journey: source → depth filter → organized cloud (fast path)
// → optional normals → down-sampled cloud for recording/viewing → metrics
// against ground truth, with the time of each stage. The organized cloud's
// buffers are reused from frame to frame.
//
// Threading: one pipeline per run, on the run's worker thread.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "engines/rgbd/CloudProcessing.h"
#include "engines/rgbd/DepthMetrics.h"
#include "engines/rgbd/DepthToCloud.h"
#include "engines/rgbd/RgbdSource.h"

namespace loupe::rgbd {

struct PipelineOptions {
  DepthFilter filter = DepthFilter::None;
  DepthRange range{0.1, 10.0};
  double voxel = 0;    // > 0: the kept cloud is voxel down-sampled
  int keepStride = 1;  // else every keepStride-th pixel (1: all valid points)
  bool normals = false;
  double badThresholdM = 0.05;
  // Back-project on the GPU (DepthToCloudCuda.h); on CudaUnavailable the
  // CPU from then on, the reason kept in cudaFallback().
  bool cuda = false;
};

struct FrameResult {
  std::int64_t index = 0;
  RgbdFrame frame;
  PointCloud organized;
  PointCloud kept;  // compact, down-sampled when voxel > 0
  std::optional<DepthScore> score;
  std::optional<DisparityScore> disparityScore;
  double fill = 0;  // valid depth / all pixels
  double sourceMs = 0, filterMs = 0, cloudMs = 0, keepMs = 0, metricsMs = 0;
};

class RgbdPipeline {
 public:
  RgbdPipeline(std::unique_ptr<RgbdSource> source, PipelineOptions options);
  const RgbdSource& source() const { return *m_source; }
  // False when the source has no more frames.
  bool next(FrameResult& out);
  const std::string& cudaFallback() const { return m_cudaFallback; }

 private:
  std::unique_ptr<RgbdSource> m_source;
  PipelineOptions m_options;
  std::int64_t m_index = 0;
  std::string m_cudaFallback;
};

}  // namespace loupe::rgbd
