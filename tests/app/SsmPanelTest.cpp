// The state-space panel under Xvfb, driven as a person would: a recorded
// ssm.hippo run opens at its last step; the heat-map shows the state over
// time, the surface renders, scrubbing back moves the reconstruction; the
// eigenvalue and kernel tabs fill; two configurations compare; the panel's
// own Run button records a selective scan; a Mamba reading a prompt beside
// its shuffled words (ssm.model_states) fills the Model states tab, and a
// click on a token shows that token's step and its top-k.
#include <gtest/gtest.h>

#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QTabWidget>
#include <QTest>
#include <QTextBrowser>
#include <nlohmann/json.hpp>
#include <set>

#include "app/workbench/MainWindow.h"
#include "panels/ssm/ModelStatesView.h"
#include "panels/ssm/SsmPanel.h"
#include "tests/app/GuiShots.h"
#include "tests/app/GuiWait.h"
#include "tests/app/GuiWindow.h"
#include "tests/support/RecordRun.h"
#include "tests/support/TestHelpers.h"
#include "viewers/ChartView.h"
#include "viewers/GlProbe.h"
#include "viewers/HeatmapView.h"
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

// The middle of the anchor `href` in `browser`'s viewport (its first line),
// or (-1, -1).
QPoint anchorPoint(QTextBrowser* browser, const QString& href) {
  QWidget* view = browser->viewport();
  for (int y = 2; y < view->height(); y += 2) {
    int first = -1, last = -1;
    for (int x = 1; x < view->width(); ++x)
      if (browser->anchorAt(QPoint(x, y)) == href) {
        if (first < 0) first = x;
        last = x;
      }
    if (first >= 0) return {(first + last) / 2, y};
  }
  return {-1, -1};
}

TEST(SsmPanel, AMambaReadingAPromptAndItsShuffledWords) {
  Fixture f;
  const auto db = f.dir / "states.sqlite";
  // Run 1: the demo database's ssm.model_states recipe.
  ASSERT_NO_FATAL_FAILURE(recordInto(db, f.kinds,
                                     testing::readFile(std::filesystem::path(LOUPE_TEST_SOURCE_DIR).parent_path() /
                                                       "experiments" / "recipes" / "ssm-model-states.json")));
  MainWindow window(f.kinds, f.panels);
  ASSERT_TRUE(testing::showWindowOn(window, db));
  auto* panel = dynamic_cast<SsmPanel*>(window.panelForKind("ssm.model_states"));
  ASSERT_NE(panel, nullptr);
  // As a person would: pick the kind, type a prompt, press Run.
  panel->findChild<QComboBox*>("kind")->setCurrentText("ssm.model_states");
  QLineEdit* prompt = panel->promptEdit();
  ASSERT_TRUE(prompt->isVisible());
  prompt->selectAll();
  QTest::keyClicks(prompt, "river: a large natural stream of water. The river ran dry in the summer.");
  QTest::mouseClick(panel->findChild<QPushButton*>("ssmRun"), Qt::LeftButton);
  LOUPE_WAIT_TRUE(window.logText().contains("run 2 finished"), 120000);
  Store store(db);
  EXPECT_EQ(store.getRun(2).recipe["params"]["prompt"],
            "river: a large natural stream of water. The river ran dry in the summer.");

  // Open the stored run: both sequences, the cost, the chosen channel's h_t.
  panel = testing::openRunIn<SsmPanel>(window, 2);
  ASSERT_NE(panel, nullptr);
  ModelStatesView* states = panel->modelStates();
  EXPECT_EQ(panel->viewTabs()->currentWidget(), states);
  const int tokens = static_cast<int>(store.metricSeries(2, "tokens").front().value);
  for (int s = 0; s < 2; ++s) {
    const QString text = states->strip(s)->toPlainText();
    EXPECT_NE(text.indexOf("river"), -1) << text.toStdString();
    EXPECT_GT(testing::distinctColours(states->deltaMap(s)->grab().toImage()), 20);
  }
  const QStringList norms = states->normChart()->seriesNames();
  for (const char* name : {"layer 0", "layer 3", "2: layer 0", "2: layer 3"})
    EXPECT_TRUE(norms.contains(name)) << norms.join(", ").toStdString();
  EXPECT_EQ(states->costChart()->seriesCount(), 2);
  // h_t of a recorded channel: tokens columns × N = 16 rows, drawn taller.
  EXPECT_EQ(panel->stateHeatmap()->image().width(), tokens);
  EXPECT_GT(testing::distinctColours(panel->stateHeatmap()->image()), 10);
  testing::saveScreenshot(window, "ssm-model-states.png");

  // Click the sixth token of the text: its step is shown, with its top-k.
  const QPoint at = anchorPoint(states->strip(0), "#t5");
  ASSERT_GE(at.x(), 0) << "token 5 is not on screen";
  QTest::mouseClick(states->strip(0)->viewport(), Qt::LeftButton, {}, at);
  LOUPE_WAIT_EQ(panel->shownStep().value_or(-1), 5, 5000);
  EXPECT_NE(states->topK()->text().indexOf("token 5"), -1) << states->topK()->text().toStdString();
  // And a token of the shuffled words: the steps after the text's closing step.
  const QPoint second = anchorPoint(states->strip(1), "#t2");
  ASSERT_GE(second.x(), 0);
  QTest::mouseClick(states->strip(1)->viewport(), Qt::LeftButton, {}, second);
  LOUPE_WAIT_EQ(panel->shownStep().value_or(-1), tokens + 1 + 2, 5000);
  EXPECT_NE(states->topK()->text().indexOf("sequence 2"), -1) << states->topK()->text().toStdString();

  // Another layer and another recorded channel.
  states->layerSpin()->setValue(3);
  states->channelSpin()->setValue(2);
  EXPECT_EQ(states->layer(), 3);
  testing::saveScreenshot(window, "ssm-model-states-layer3.png");
  panel->viewTabs()->setCurrentIndex(0);
  testing::saveScreenshot(window, "ssm-model-states-channel-state.png");

  // Compare with a second prompt instead of the shuffled words: the recipe Run would start.
  QTest::keyClicks(panel->comparePromptEdit(), "a river ran dry.");
  const auto recipe = nlohmann::json::parse(panel->recipeJson().toStdString());
  EXPECT_EQ(recipe["params"]["compare"], "prompt");
  EXPECT_EQ(recipe["params"]["compare_prompt"], "a river ran dry.");

  // The demo's run: a held-out gloss of two quoted sentences.
  panel = testing::openRunIn<SsmPanel>(window, 1);
  ASSERT_NE(panel, nullptr);
  EXPECT_NE(panel->modelStates()->strip(0)->toPlainText().indexOf("consort"), -1);
  EXPECT_EQ(panel->modelStates()->costChart()->seriesCount(), 2);
  testing::saveScreenshot(window, "ssm-model-states-demo.png");
}

}  // namespace
}  // namespace loupe
