// Middlebury Aloe through StereoSGBM against its ground-truth disparity, with
// the parameters documented in ../shared/data/middlebury_aloe/README.txt.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "engines/rgbd/DepthMetrics.h"
#include "engines/rgbd/StereoDepth.h"

namespace loupe::rgbd {
namespace {

const std::filesystem::path kAloe = std::filesystem::path(LOUPE_SHARED_DATA) / "middlebury_aloe";

TEST(StereoDepth, AloeSgbmBad2OnMatchedPixelsAtMost5Percent) {
  const cv::Mat left = cv::imread((kAloe / "aloeL.jpg").string(), cv::IMREAD_COLOR);
  const cv::Mat right = cv::imread((kAloe / "aloeR.jpg").string(), cv::IMREAD_COLOR);
  const cv::Mat gt = cv::imread((kAloe / "aloeGT.png").string(), cv::IMREAD_GRAYSCALE);
  ASSERT_FALSE(left.empty() || right.empty() || gt.empty());
  StereoParams p;  // SGBM 3WAY, block 5, P1 = 8·3·25, P2 = 32·3·25, uniqueness 10, speckle 100/2, disp12MaxDiff 1
  p.minDisparity = 0;
  p.numDisparities = 256;
  const cv::Mat disparity = computeDisparity(left, right, p);
  const DisparityScore s = scoreDisparity(disparity, gt);

  // An independent count of bad-2px, written out here.
  std::int64_t matched = 0, bad = 0;
  for (int y = 0; y < gt.rows; ++y) {
    for (int x = 0; x < gt.cols; ++x) {
      const int g = gt.at<std::uint8_t>(y, x);
      const float d = disparity.at<float>(y, x);
      if (g == 0 || std::isnan(d)) continue;
      ++matched;
      bad += std::fabs(d - g) > 2.0f;
    }
  }
  EXPECT_NEAR(s.bad2, 100.0 * bad / matched, 1e-9);
  EXPECT_LE(s.bad2, 5.0);
  EXPECT_GE(s.matchedFraction, 0.65);  // README: 70.2 % with these parameters
  EXPECT_NEAR(s.gtValidFraction, 1 - 0.0345, 0.005);
  std::printf("Aloe SGBM: matched %.1f %% of GT-valid, bad>1 %.2f %%, bad>2 %.2f %%, bad>4 %.2f %%, median %.3f px\n",
              100 * s.matchedFraction, s.bad1, s.bad2, s.bad4, s.medianAbsError);
}

TEST(StereoDepth, BmAlsoRunsAndBadInputIsRefused) {
  const cv::Mat left = cv::imread((kAloe / "aloeL.jpg").string(), cv::IMREAD_GRAYSCALE);
  const cv::Mat right = cv::imread((kAloe / "aloeR.jpg").string(), cv::IMREAD_GRAYSCALE);
  StereoParams p;
  p.algorithm = StereoParams::Algorithm::Bm;
  p.numDisparities = 256;
  p.blockSize = 15;
  const cv::Mat gt = cv::imread((kAloe / "aloeGT.png").string(), cv::IMREAD_GRAYSCALE);
  const DisparityScore s = scoreDisparity(computeDisparity(left, right, p), gt);
  EXPECT_GT(s.matchedFraction, 0.3);
  EXPECT_LT(s.bad2, 25.0);
  EXPECT_THROW(computeDisparity(left, right(cv::Rect(0, 0, 100, 100)), p), std::invalid_argument);
  p.numDisparities = 100;
  EXPECT_THROW(computeDisparity(left, right, p), std::invalid_argument);
}

// Issue 19's reproducers: pairs narrower than the disparity range made
// OpenCV 4.6's SGBM throw from a destructor while unwinding, and the process
// terminated. Now they are refused, naming the parameters, before OpenCV runs.
TEST(StereoDepth, PairsTooSmallForTheSearchAreRefusedNotFatal) {
  const cv::Mat tiny(16, 16, CV_8UC3, cv::Scalar(90, 120, 150));
  StereoParams p;
  try {
    computeDisparity(tiny, tiny, p);
    FAIL() << "no error";
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()),
              "stereo: the images are 16 × 16 px, too small for min_disparity 0 + num_disparities 256 + block_size 5 "
              "(they must be wider than the sum and at least block_size tall)");
  }
  const cv::Mat left = cv::imread((kAloe / "aloeL.jpg").string(), cv::IMREAD_COLOR);
  const cv::Mat right = cv::imread((kAloe / "aloeR.jpg").string(), cv::IMREAD_COLOR);
  cv::Mat smallLeft, smallRight;
  cv::resize(left, smallLeft, cv::Size(320, left.rows * 320 / left.cols));
  cv::resize(right, smallRight, smallLeft.size());
  p.numDisparities = 512;
  EXPECT_THROW(computeDisparity(smallLeft, smallRight, p), std::invalid_argument);
  p.numDisparities = 64;  // what fits runs
  EXPECT_EQ(computeDisparity(smallLeft, smallRight, p).size(), smallLeft.size());
  p.blockSize = 4;
  EXPECT_THROW(computeDisparity(smallLeft, smallRight, p), std::invalid_argument);
}

TEST(StereoDepth, DisparityToDepthIsFbOverD) {
  cv::Mat d = (cv::Mat_<float>(1, 4) << 10.0f, 0.0f, NAN, 80.0f);
  const cv::Mat z = disparityToDepth(d, 500.0, 0.1);
  EXPECT_FLOAT_EQ(z.at<float>(0, 0), 5.0f);
  EXPECT_TRUE(std::isnan(z.at<float>(0, 1)));
  EXPECT_TRUE(std::isnan(z.at<float>(0, 2)));
  EXPECT_FLOAT_EQ(z.at<float>(0, 3), 0.625f);
}

TEST(DepthMetrics, ScoresByHand) {
  const float truth[] = {1, 2, 0, 4, 5};
  const float measured[] = {1.1f, NAN, 3, 4, 5.2f};
  const DepthScore s = scoreDepth(measured, truth, 5, 0.15);
  EXPECT_EQ(s.compared, 3);
  EXPECT_DOUBLE_EQ(s.fillRate, 0.75);
  EXPECT_NEAR(s.mae, (0.1 + 0 + 0.2) / 3, 1e-6);
  EXPECT_NEAR(s.rmse, std::sqrt((0.01 + 0 + 0.04) / 3), 1e-6);
  EXPECT_NEAR(s.badPercent, 100.0 / 3, 1e-9);
}

}  // namespace
}  // namespace loupe::rgbd
