// The state-space panel under Xvfb, driven as a person would: a recorded
// ssm.hippo run opens at its last step; the heat-map shows the state over
// time, the surface renders, scrubbing back moves the reconstruction; the
// eigenvalue and kernel tabs fill; two configurations compare; the panel's
// own Run button records a selective scan.
#include <gtest/gtest.h>

#include <QComboBox>
#include <QLabel>
#include <QPushButton>
#include <QSpinBox>
#include <QTabWidget>
#include <QTest>
#include <set>

#include "app/workbench/MainWindow.h"
#include "panels/ssm/SsmPanel.h"
#include "tests/app/GuiShots.h"
#include "tests/app/GuiWait.h"
#include "tests/app/GuiWindow.h"
#include "tests/support/RecordRun.h"
#include "tests/support/TestHelpers.h"
#include "viewers/ChartView.h"
#include "viewers/GlProbe.h"
#include "viewers/ImageView.h"
#include "viewers/TimelineScrubber.h"
#include "viewers/VtkView.h"

namespace loupe {
namespace {

void recordInto(const std::filesystem::path& db, const KindRegistry& kinds, const std::string& recipeJson) {
  Store store(db);
  const auto r = testing::recordRun(store, kinds, recipeJson);
  ASSERT_EQ(r.status, RunStatus::Finished) << r.error;
}

struct Fixture {
  KindRegistry kinds;
  PanelRegistry panels;
  testing::TempDir dir;
  Fixture() {
    registerBuiltinKinds(kinds);
    registerBuiltinPanels(panels);
  }
};

TEST(SsmPanel, StateEvolutionAndReconstruction) {
  Fixture f;
  const auto db = f.dir / "ssm.sqlite";
  ASSERT_NO_FATAL_FAILURE(recordInto(db, f.kinds, R"({"kind": "ssm.hippo", "seed": 3,
      "params": {"measure": "legs", "state": 32, "signal": "chirp", "length": 2000, "steps": 20}})"));
  MainWindow window(f.kinds, f.panels);
  ASSERT_TRUE(testing::showWindowOn(window, db));
  auto* panel = testing::openRunIn<SsmPanel>(window, 1);
  ASSERT_NE(panel, nullptr);
  EXPECT_EQ(panel->scrubber()->count(), 20);
  EXPECT_EQ(panel->shownStep(), 19);  // opens at the end: the whole history

  // Heat-map: 512 time columns × 32 states (rows drawn 8 pixels tall), not blank.
  const QImage heat = panel->stateHeatmap()->image();
  EXPECT_EQ(heat.size(), QSize(512, 32 * 8));
  EXPECT_GT(testing::distinctColours(heat), 50);
  if (probeOpenGl().usable) {
    ASSERT_NE(panel->stateSurface(), nullptr);
    QTest::qWait(100);
    EXPECT_GT(testing::distinctColours(panel->stateSurface()->grabImage()), 20);
  }
  testing::saveScreenshot(window, "ssm-state-evolution.png");

  // Reconstruction: signal and rebuilt history, and the error-vs-N table
  // with every stable discretisation.
  panel->viewTabs()->setCurrentIndex(1);
  const QStringList names = panel->reconstructionChart()->seriesNames();
  EXPECT_TRUE(names.contains("signal")) << names.join(", ").toStdString();
  EXPECT_TRUE(names.contains("reconstruction")) << names.join(", ").toStdString();
  const QStringList methods = panel->errorChart()->seriesNames();
  for (const char* m : {"bilinear", "zoh", "backward_euler"})
    EXPECT_TRUE(methods.contains(m)) << methods.join(", ").toStdString();
  // Scrub back to a quarter of the run, as a user dragging the timeline.
  panel->scrubber()->setPosition(4);
  LOUPE_WAIT_EQ(panel->shownStep().value_or(-1), 4, 5000);
  EXPECT_NE(panel->findChild<QLabel*>("stepValues")->text().indexOf("t = 500"), -1)
      << panel->findChild<QLabel*>("stepValues")->text().toStdString();
  testing::saveScreenshot(window, "ssm-reconstruction.png");

  panel->viewTabs()->setCurrentIndex(2);
  const QStringList eig = panel->eigenChart()->seriesNames();
  EXPECT_TRUE(eig.contains("unit circle") && eig.contains("Ā (discrete)")) << eig.join(", ").toStdString();
  EXPECT_TRUE(panel->continuousEigenChart()->seriesNames().contains("A (continuous)"));
  testing::saveScreenshot(window, "ssm-eigenvalues.png");
}

TEST(SsmPanel, ComparesTwoConfigurationsAndRunsAScan) {
  Fixture f;
  const auto db = f.dir / "cmp.sqlite";
  ASSERT_NO_FATAL_FAILURE(recordInto(db, f.kinds, R"({"kind": "ssm.s4_kernel",
      "params": {"model": "s4d", "init": "lin", "state": 32, "length": 512}})"));
  ASSERT_NO_FATAL_FAILURE(recordInto(db, f.kinds, R"({"kind": "ssm.s4_kernel",
      "params": {"model": "s4d", "init": "inv", "state": 32, "length": 512}})"));
  MainWindow window(f.kinds, f.panels);
  ASSERT_TRUE(testing::showWindowOn(window, db));
  ASSERT_TRUE(window.compareRuns(1, 2));
  auto* panel = dynamic_cast<SsmPanel*>(window.activePanel());
  ASSERT_NE(panel, nullptr);
  EXPECT_EQ(panel->comparedRun(), 2);
  panel->viewTabs()->setCurrentIndex(3);
  const QStringList names = panel->kernelChart()->seriesNames();
  EXPECT_TRUE(names.contains("A kernel") && names.contains("B kernel")) << names.join(", ").toStdString();
  const QStringList outputs = panel->outputChart()->seriesNames();
  EXPECT_TRUE(outputs.contains("A output_convolution") && outputs.contains("B output_recurrence"))
      << outputs.join(", ").toStdString();
  testing::saveScreenshot(window, "ssm-kernels-compared.png");

  // The panel's controls: a selective scan, N = 8, L = 512, Run.
  auto* kind = panel->findChild<QComboBox*>("kind");
  kind->setCurrentText("ssm.selective_scan");
  for (auto* box : panel->findChildren<QSpinBox*>()) {
    if (box->prefix() == "N ") box->setValue(8);
    if (box->prefix() == "L ") box->setValue(512);
  }
  QTest::mouseClick(panel->findChild<QPushButton*>("ssmRun"), Qt::LeftButton);
  LOUPE_WAIT_TRUE(window.logText().contains("run 3 finished"), 60000);
  Store store(db);
  const RunInfo info = store.getRun(3);
  EXPECT_EQ(info.kind, "ssm.selective_scan");
  EXPECT_EQ(info.recipe["params"]["state"], 8);
  EXPECT_EQ(store.metricSeries(3, "outside_mamba_tolerance").back().value, 0);
  LOUPE_WAIT_TRUE(panel->kernelChart()->seriesNames().contains("delta"), 5000);
  EXPECT_TRUE(panel->kernelChart()->seriesNames().contains("gate"));
  LOUPE_WAIT_EQ(panel->stateHeatmap()->image().size(), QSize(512, 8 * 32), 5000);
  EXPECT_TRUE(panel->outputChart()->seriesNames().contains("y"));
  testing::saveScreenshot(window, "ssm-selective-scan.png");

  // And an LRU kernel: its eigenvalues λ sit inside the unit circle.
  kind->setCurrentText("ssm.s4_kernel");
  auto* model = panel->findChild<QComboBox*>("model");
  model->setCurrentText("lru");
  QTest::mouseClick(panel->findChild<QPushButton*>("ssmRun"), Qt::LeftButton);
  LOUPE_WAIT_TRUE(window.logText().contains("run 4 finished"), 60000);
  EXPECT_EQ(Store(db).getRun(4).recipe["params"]["model"], "lru");
  LOUPE_WAIT_TRUE(panel->kernelChart()->seriesNames().contains("kernel"), 5000);
  panel->viewTabs()->setCurrentIndex(2);
  EXPECT_TRUE(panel->eigenChart()->seriesNames().contains("Ā (discrete)"));
  testing::saveScreenshot(window, "ssm-lru-eigenvalues.png");
}

}  // namespace
}  // namespace loupe
