#include "engines/rgbd/RgbdPipeline.h"

#include "engines/core/Device.h"
#include "engines/rgbd/DepthToCloudCuda.h"

#include <cmath>
#include <opencv2/core.hpp>

#include "engines/core/Timer.h"

namespace loupe::rgbd {

RgbdPipeline::RgbdPipeline(std::unique_ptr<RgbdSource> source, PipelineOptions options)
    : m_source(std::move(source)), m_options(options) {}

bool RgbdPipeline::next(FrameResult& out) {
  const std::int64_t count = m_source->frameCount();
  if (count >= 0 && m_index >= count) return false;
  Stopwatch clock;
  if (!m_source->read(m_index, out.frame)) return false;
  out.index = m_index++;
  out.sourceMs = clock.milliseconds();

  clock.restart();
  const PinholeIntrinsics& k = out.frame.intrinsics;
  filterDepth(out.frame.depth, k.width, k.height, m_options.filter);
  out.filterMs = clock.milliseconds();

  clock.restart();
  const std::uint8_t* rgb = out.frame.rgb.empty() ? nullptr : out.frame.rgb.data();
  if (m_options.cuda) {
    try {
      depthToCloudCuda(out.frame.depth.data(), rgb, k, m_options.range, out.organized);
    } catch (const CudaUnavailable& e) {
      m_options.cuda = false;
      m_cudaFallback = e.what();
    }
  }
  if (!m_options.cuda) depthToOrganizedCloud(out.frame.depth.data(), rgb, k, m_options.range, out.organized);
  if (m_options.normals) estimateOrganizedNormals(out.organized);
  out.cloudMs = clock.milliseconds();

  clock.restart();
  out.kept = m_options.voxel > 0        ? voxelDownsample(out.organized, m_options.voxel)
             : m_options.keepStride > 1 ? strideSample(out.organized, m_options.keepStride)
                                        : compactCloud(out.organized);
  out.keepMs = clock.milliseconds();

  clock.restart();
  out.fill = fillRate(out.frame.depth.data(), out.frame.depth.size());
  out.score.reset();
  out.disparityScore.reset();
  if (!out.frame.truth.empty()) {
    out.score =
        scoreDepth(out.frame.depth.data(), out.frame.truth.data(), out.frame.depth.size(), m_options.badThresholdM);
  }
  if (!out.frame.truthDisparity.empty() && !out.frame.disparity.empty()) {
    const cv::Mat d(k.height, k.width, CV_32F, out.frame.disparity.data());
    const cv::Mat gt(k.height, k.width, CV_32F, out.frame.truthDisparity.data());
    out.disparityScore = scoreDisparity(d, gt);
  }
  out.metricsMs = clock.milliseconds();
  return true;
}

}  // namespace loupe::rgbd
