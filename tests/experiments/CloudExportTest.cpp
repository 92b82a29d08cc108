// A recorded cloud written through experiments/ reads back, through the RGBD
// engine's readers, as the same points and colours (PCD keeps NaN rows, PLY
// drops them); wrong arrays are refused naming the array.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "engines/core/Error.h"
#include "engines/rgbd/PointCloudIO.h"
#include "experiments/CloudExport.h"
#include "tests/support/TestHelpers.h"

namespace loupe {
namespace {

const std::vector<float> kXyz = {0.5f, -1.25f, 2.0f, NAN, NAN, NAN, 3.0f, 0.125f, 4.5f};
const std::vector<std::uint8_t> kRgb = {255, 0, 10, 1, 2, 3, 7, 128, 64};

TEST(CloudExport, PcdKeepsEveryRowAndColour) {
  testing::TempDir dir;
  const Array xyz = Array::fromValues<float>({3, 3}, std::span<const float>(kXyz));
  const Array rgb = Array::fromValues<std::uint8_t>({3, 3}, std::span<const std::uint8_t>(kRgb));
  writeRecordedCloud(dir / "c.PCD", xyz, &rgb);
  const rgbd::PointCloud back = rgbd::readPcd(dir / "c.PCD");
  ASSERT_EQ(back.size(), 3);
  for (std::size_t i = 0; i < kXyz.size(); ++i) {
    if (std::isnan(kXyz[i]))
      EXPECT_TRUE(std::isnan(back.xyz[i])) << i;
    else
      EXPECT_EQ(back.xyz[i], kXyz[i]) << i;
  }
  EXPECT_EQ(back.rgb, kRgb);
}

TEST(CloudExport, PlyKeepsValidPointsAndWorksWithoutColours) {
  testing::TempDir dir;
  const Array xyz = Array::fromValues<float>({3, 3}, std::span<const float>(kXyz));
  writeRecordedCloud(dir / "c.ply", xyz);
  const rgbd::PointCloud back = rgbd::readPly(dir / "c.ply");
  ASSERT_EQ(back.size(), 2);
  EXPECT_EQ(back.xyz, (std::vector<float>{0.5f, -1.25f, 2.0f, 3.0f, 0.125f, 4.5f}));
  EXPECT_FALSE(back.hasColor());
}

TEST(CloudExport, RefusesArraysThatAreNotAPointList) {
  testing::TempDir dir;
  const Array xyz = Array::fromValues<float>({3, 3}, std::span<const float>(kXyz));
  const Array flat(DType::F32, {9});
  const Array doubles(DType::F64, {3, 3});
  const Array twoColours(DType::U8, {2, 3});
  EXPECT_THROW(writeRecordedCloud(dir / "a.pcd", flat), InputError);
  EXPECT_THROW(writeRecordedCloud(dir / "a.pcd", doubles), InputError);
  try {
    writeRecordedCloud(dir / "a.pcd", xyz, &twoColours);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_EQ(e.where(), "cloud_rgb");
    EXPECT_EQ(e.problem(), "2 colours for 3 points");
  }
  EXPECT_FALSE(std::filesystem::exists(dir / "a.pcd"));
  EXPECT_THROW(writeRecordedCloud(dir / "missing" / "deeper" / "a.ply", xyz), InputError);
}

}  // namespace
}  // namespace loupe
