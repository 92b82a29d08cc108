#include "engines/rgbd/StereoDepth.h"

#include <algorithm>
#include <cmath>
#include <opencv2/calib3d.hpp>
#include <opencv2/imgproc.hpp>
#include <stdexcept>
#include <vector>

namespace loupe::rgbd {

cv::Mat computeDisparity(const cv::Mat& left, const cv::Mat& right, const StereoParams& p) {
  if (left.empty() || right.empty()) throw std::invalid_argument("stereo: empty image");
  if (left.size() != right.size() || left.type() != right.type()) {
    throw std::invalid_argument("stereo: left and right differ in size or type");
  }
  if (left.depth() != CV_8U || (left.channels() != 1 && left.channels() != 3)) {
    throw std::invalid_argument("stereo: images must be 8-bit with 1 or 3 channels");
  }
  if (p.numDisparities <= 0 || p.numDisparities % 16 != 0) {
    throw std::invalid_argument("stereo: numDisparities must be a positive multiple of 16");
  }
  // What OpenCV 4.6's matchers need, checked here: an image narrower than
  // the disparity range made SGBM throw from a destructor while unwinding,
  // and the process terminated (a 16 × 16 pair; the Aloe pair at 320 px
  // with 512 disparities).
  const bool bm = p.algorithm == StereoParams::Algorithm::Bm;
  const int block = bm ? std::max(5, p.blockSize | 1) : p.blockSize;
  if (block < 1 || block % 2 == 0 || block > 255)
    throw std::invalid_argument("stereo: block_size must be odd, in 1 … 255 (BM: 5 … 255), got " +
                                std::to_string(p.blockSize));
  const int reach = std::max(0, p.minDisparity) + p.numDisparities + block;
  if (left.cols <= reach || left.rows < block)
    throw std::invalid_argument("stereo: the images are " + std::to_string(left.cols) + " × " +
                                std::to_string(left.rows) + " px, too small for min_disparity " +
                                std::to_string(p.minDisparity) + " + num_disparities " +
                                std::to_string(p.numDisparities) + " + block_size " + std::to_string(block) +
                                " (they must be wider than the sum and at least block_size tall)");
  cv::Mat fixed;  // CV_16S, disparity × 16
  try {
    if (p.algorithm == StereoParams::Algorithm::Sgbm) {
      const int channels = left.channels();
      const int area = p.blockSize * p.blockSize;
      auto sgbm =
          cv::StereoSGBM::create(p.minDisparity, p.numDisparities, p.blockSize, p.p1 ? p.p1 : 8 * channels * area,
                                 p.p2 ? p.p2 : 32 * channels * area, p.disp12MaxDiff, 0, p.uniquenessRatio,
                                 p.speckleWindowSize, p.speckleRange, cv::StereoSGBM::MODE_SGBM_3WAY);
      sgbm->compute(left, right, fixed);
    } else {
      cv::Mat l = left, r = right;
      if (left.channels() == 3) {
        cv::cvtColor(left, l, cv::COLOR_BGR2GRAY);
        cv::cvtColor(right, r, cv::COLOR_BGR2GRAY);
      }
      auto matcher = cv::StereoBM::create(p.numDisparities, block);
      matcher->setMinDisparity(p.minDisparity);
      matcher->setUniquenessRatio(p.uniquenessRatio);
      matcher->setSpeckleWindowSize(p.speckleWindowSize);
      matcher->setSpeckleRange(p.speckleRange);
      matcher->setDisp12MaxDiff(p.disp12MaxDiff);
      matcher->compute(l, r, fixed);
    }
  } catch (const cv::Exception& e) {
    // Anything else OpenCV refuses becomes our error, in one line.
    throw std::invalid_argument("stereo: OpenCV's matcher refused the pair: " + e.err);
  }
  cv::Mat disparity(fixed.size(), CV_32F);
  const int invalidBelow = p.minDisparity * 16;  // OpenCV marks misses as (minDisparity − 1)·16
  for (int y = 0; y < fixed.rows; ++y) {
    const short* in = fixed.ptr<short>(y);
    float* out = disparity.ptr<float>(y);
    for (int x = 0; x < fixed.cols; ++x) out[x] = in[x] < invalidBelow ? NAN : static_cast<float>(in[x]) / 16.0f;
  }
  return disparity;
}

cv::Mat disparityToDepth(const cv::Mat& disparity, double focalPx, double baselineM) {
  CV_Assert(disparity.type() == CV_32F);
  cv::Mat depth(disparity.size(), CV_32F);
  const double fb = focalPx * baselineM;
  for (int y = 0; y < disparity.rows; ++y) {
    const float* d = disparity.ptr<float>(y);
    float* z = depth.ptr<float>(y);
    for (int x = 0; x < disparity.cols; ++x) z[x] = d[x] > 0 ? static_cast<float>(fb / d[x]) : NAN;
  }
  return depth;
}

DisparityScore scoreDisparity(const cv::Mat& disparity, const cv::Mat& gt) {
  CV_Assert(disparity.type() == CV_32F && disparity.size() == gt.size());
  DisparityScore s;
  std::vector<float> errors;
  std::int64_t known = 0;
  for (int y = 0; y < gt.rows; ++y) {
    for (int x = 0; x < gt.cols; ++x) {
      const double g = gt.type() == CV_8U ? gt.at<std::uint8_t>(y, x) : gt.at<float>(y, x);
      if (!(g > 0)) continue;
      ++known;
      const float d = disparity.at<float>(y, x);
      if (std::isnan(d)) continue;
      errors.push_back(static_cast<float>(std::fabs(d - g)));
    }
  }
  const double total = static_cast<double>(gt.total());
  s.gtValidFraction = known / total;
  s.matchedFraction = known ? static_cast<double>(errors.size()) / known : 0;
  if (errors.empty()) return s;
  auto pct = [&](float t) {
    return 100.0 * std::count_if(errors.begin(), errors.end(), [t](float e) { return e > t; }) / errors.size();
  };
  s.bad1 = pct(1);
  s.bad2 = pct(2);
  s.bad4 = pct(4);
  std::nth_element(errors.begin(), errors.begin() + errors.size() / 2, errors.end());
  s.medianAbsError = errors[errors.size() / 2];
  return s;
}

}  // namespace loupe::rgbd
