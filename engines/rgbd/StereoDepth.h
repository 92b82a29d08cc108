// Passive stereo: rectified left/right images → disparity (OpenCV StereoSGBM
// or StereoBM) → depth z = f·B/d. Invalid disparities are NaN, never 0 or a
// sentinel, so they cannot be mistaken for far points.
//
// Scoring against ground-truth disparity follows the Middlebury convention:
// GT value 0 is unknown; "bad-N" is the percentage of matched GT-valid pixels
// whose |d − d_gt| > N px; the matched fraction says how much was compared.
#pragma once

#include <opencv2/core.hpp>

namespace loupe::rgbd {

struct StereoParams {
  enum class Algorithm { Sgbm, Bm };
  Algorithm algorithm = Algorithm::Sgbm;
  int minDisparity = 0;
  int numDisparities = 256;  // multiple of 16
  int blockSize = 5;         // odd
  int p1 = 0;                // 0: 8·channels·blockSize² (OpenCV's advice)
  int p2 = 0;                // 0: 32·channels·blockSize²
  int uniquenessRatio = 10;
  int speckleWindowSize = 100;
  int speckleRange = 2;
  int disp12MaxDiff = 1;
};

// left/right: 8-bit, 1 or 3 channels, same size. Returns CV_32F disparity in
// pixels (left view), NaN where the matcher found none. Throws
// std::invalid_argument on mismatched or unsupported images.
cv::Mat computeDisparity(const cv::Mat& left, const cv::Mat& right, const StereoParams& params);

// z = f·B/d in metres (f in pixels, B in metres); NaN where d ≤ 0 or NaN.
cv::Mat disparityToDepth(const cv::Mat& disparity, double focalPx, double baselineM);

struct DisparityScore {
  double gtValidFraction = 0;           // of all pixels, GT known
  double matchedFraction = 0;           // of GT-known pixels, disparity found
  double bad1 = 0, bad2 = 0, bad4 = 0;  // % of matched
  double medianAbsError = 0;            // px, over matched
};

// gt: CV_8U (Middlebury PNG, value = disparity, 0 = unknown) or CV_32F (NaN/0 unknown).
DisparityScore scoreDisparity(const cv::Mat& disparity, const cv::Mat& gt);

}  // namespace loupe::rgbd
