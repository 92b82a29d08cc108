// The RGBD panel driven as a user would, under Xvfb: synthetic streams of two
// sensor models, their comparison, the Aloe stereo pair, cloud export, and a
// live run started from the panel's own Run button.
#include <gtest/gtest.h>

#include <QApplication>
#include <QComboBox>
#include <QPushButton>
#include <QTableView>
#include <QTest>
#include <set>

#include "app/workbench/MainWindow.h"
#include "engines/rgbd/PointCloudIO.h"
#include "experiments/Recipe.h"
#include "panels/rgbd/RgbdPanel.h"
#include "tests/app/GuiShots.h"
#include "tests/app/GuiWait.h"
#include "tests/app/GuiWindow.h"
#include "tests/support/RecordRun.h"
#include "tests/support/TestHelpers.h"
#include "viewers/GlProbe.h"
#include "viewers/ImageView.h"
#include "viewers/TimelineScrubber.h"
#include "viewers/VtkView.h"

namespace loupe {
namespace {

class RgbdPanelTest : public ::testing::Test {
 protected:
  RgbdPanelTest() {
    registerBuiltinKinds(kinds);
    registerBuiltinPanels(panels);
    db = (dir / "rgbd.sqlite").string();
  }
  std::int64_t record(const std::string& json) {
    Store store(db);
    const auto r = testing::recordRun(store, kinds, json, "1.0");
    EXPECT_EQ(r.status, RunStatus::Finished) << r.error;
    return r.run;
  }
  RgbdPanel* openWindow() {
    window = std::make_unique<MainWindow>(kinds, panels);
    EXPECT_TRUE(testing::showWindowOn(*window, db));
    return nullptr;
  }
  void shot(QWidget* w, const QString& name) { testing::saveScreenshot(*w, name + ".png"); }

  testing::TempDir dir;
  std::string db;
  KindRegistry kinds;
  PanelRegistry panels;
  std::unique_ptr<MainWindow> window;
};

TEST_F(RgbdPanelTest, SyntheticReplayCompareAndExport) {
  const auto stereo = record(R"({"kind": "rgbd.stream", "name": "stereo", "seed": 3,
                                 "params": {"sensor": "stereo", "frames": 8}})");
  const auto tof =
      record(R"({"kind": "rgbd.stream", "name": "tof", "seed": 3, "params": {"sensor": "tof", "frames": 8}})");
  openWindow();
  ASSERT_TRUE(window->openRun(stereo));
  auto* panel = dynamic_cast<RgbdPanel*>(window->activePanel());
  ASSERT_NE(panel, nullptr);
  EXPECT_EQ(panel->scrubber()->count(), 8);
  panel->scrubber()->setPosition(5);
  EXPECT_EQ(panel->shownStep(), 5);
  ASSERT_FALSE(panel->depthView()->image().isNull());
  EXPECT_EQ(panel->depthView()->image().size(), QSize(640, 480));
  EXPECT_GT(testing::distinctColours(panel->depthView()->image(), 3), 50);
  if (probeOpenGl().usable) {
    EXPECT_GT(panel->cloudView()->pointCount(), 30000);  // a quarter of ~300k valid pixels
    EXPECT_GT(testing::distinctColours(panel->cloudView()->grabImage(), 3), 50);
  }
  shot(window.get(), "rgbd-synthetic");

  ASSERT_TRUE(window->compareRuns(stereo, tof));
  EXPECT_EQ(panel->comparedRun(), tof);
  panel->scrubber()->setPosition(2);
  if (probeOpenGl().usable) {
    EXPECT_TRUE(panel->compareCloudView()->isVisible());
    EXPECT_GT(panel->compareCloudView()->pointCount(), 30000);
  }
  shot(window.get(), "rgbd-compare");

  // The cloud shown, exported and read back (PLY and PCD).
  ASSERT_TRUE(window->openRun(stereo));
  panel->scrubber()->setPosition(4);
  const auto ply = dir / "cloud.ply", pcd = dir / "cloud.pcd";
  panel->exportCloud(QString::fromStdString(ply.string()));
  panel->exportCloud(QString::fromStdString(pcd.string()));
  Store store(db);
  const Array recorded = store.readArray(stereo, 4, "cloud");
  EXPECT_EQ(rgbd::readPly(ply).size(), recorded.shape()[0]);
  EXPECT_EQ(rgbd::readPcd(pcd).size(), recorded.shape()[0]);
  ASSERT_TRUE(window->exportFigure("depth", QString::fromStdString((dir / "depth.png").string())));
  EXPECT_GT(testing::distinctColours(QImage(QString::fromStdString((dir / "depth.png").string())), 3), 50);
  ASSERT_TRUE(window->exportFigure("metrics", QString::fromStdString((dir / "metrics.svg").string())));
}

TEST_F(RgbdPanelTest, AloeStereoPair) {
  const std::string data = std::string(LOUPE_SHARED_DATA) + "/middlebury_aloe/";
  const auto aloe =
      record(R"({"kind": "rgbd.stream", "name": "Aloe SGBM", "params": {"source": "stereo_pair", "frames": 1,
      "path": ")" +
             data + R"(aloeL.jpg", "right": ")" + data + R"(aloeR.jpg", "truth": ")" + data +
             R"(aloeGT.png", "depth_max_m": 15}})");  // GT disparity ≥ 43 px: z ≤ 13.9 m
  Store store(db);
  const auto bad2 = store.metricSeries(aloe, "bad2_pct");
  ASSERT_EQ(bad2.size(), 1u);
  EXPECT_LE(bad2[0].value, 5.0);
  openWindow();
  ASSERT_TRUE(window->openRun(aloe));
  auto* panel = dynamic_cast<RgbdPanel*>(window->activePanel());
  ASSERT_NE(panel, nullptr);
  EXPECT_EQ(panel->depthView()->image().size(), QSize(1282, 1110));
  shot(window.get(), "rgbd-aloe");
}

TEST_F(RgbdPanelTest, RunButtonStreamsLive) {
  openWindow();
  ASSERT_TRUE(window->openRun(record(R"({"kind": "rgbd.stream", "params": {"frames": 2}})")));
  auto* panel = dynamic_cast<RgbdPanel*>(window->activePanel());
  ASSERT_NE(panel, nullptr);
  panel->sensorChoice()->setCurrentText("structured_light");
  auto* run = panel->findChild<QPushButton*>("rgbdRun");
  QTest::mouseClick(run, Qt::LeftButton);
  LOUPE_WAIT_TRUE(window->logText().contains("run 2 finished"), 60000);
  Store store(db);
  const RunInfo info = store.getRun(2);
  EXPECT_EQ(info.recipe["params"]["sensor"], "structured_light");
  EXPECT_EQ(info.stepCount, 60);
  LOUPE_WAIT_EQ(panel->shownStep().value_or(-1), 59, 5000);
}

}  // namespace
}  // namespace loupe
