// The attention panel under Xvfb: a recorded attention.tiles run scrubbed to
// the middle of the kernel; the tile grid shows the current tile and the
// skipped ones; the attention map is causal (nothing right of the diagonal).
#include <gtest/gtest.h>

#include <QCheckBox>
#include <QPushButton>
#include <QSpinBox>
#include <QTabBar>
#include <QTabWidget>
#include <QTest>
#include <set>

#include "app/workbench/MainWindow.h"
#include "panels/attention/AttentionPanel.h"
#include "tests/app/GuiShots.h"
#include "tests/app/GuiWait.h"
#include "tests/app/GuiWindow.h"
#include "tests/support/RecordRun.h"
#include "tests/support/TestHelpers.h"
#include "viewers/ChartView.h"
#include "viewers/GlProbe.h"
#include "viewers/ImageView.h"
#include "viewers/TileGridView.h"
#include "viewers/TimelineScrubber.h"

namespace loupe {
namespace {

// Records one run of the recipe into the database file.
void recordInto(const std::filesystem::path& db, const KindRegistry& kinds, const std::string& recipeJson) {
  Store store(db);
  const auto r = testing::recordRun(store, kinds, recipeJson);
  ASSERT_EQ(r.status, RunStatus::Finished) << r.error;
}

TEST(AttentionPanel, TilesMidRunAndCausalMap) {
  KindRegistry kinds;
  registerBuiltinKinds(kinds);
  PanelRegistry panels;
  registerBuiltinPanels(panels);
  testing::TempDir dir;
  const auto db = dir / "att.sqlite";
  ASSERT_NO_FATAL_FAILURE(recordInto(
      db, kinds,
      R"({"kind": "attention.tiles", "seed": 4, "params": {"n": 512, "d": 32, "block_q": 32, "block_k": 32}})"));
  MainWindow window(kinds, panels);
  ASSERT_TRUE(testing::showWindowOn(window, db));
  auto* panel = testing::openRunIn<AttentionPanel>(window, 1);
  ASSERT_NE(panel, nullptr);
  EXPECT_EQ(panel->scrubber()->count(), 16 * 16);
  panel->scrubber()->setPosition(100);  // mid-run
  EXPECT_EQ(panel->shownStep(), 100);

  const QImage map = panel->attentionMap()->image();
  ASSERT_EQ(map.size(), QSize(256, 256));
  // Causal: right of the diagonal the probability is 0, the colour of the map's minimum.
  const QRgb zero = map.pixel(255, 0);
  for (int i = 0; i < 256; i += 17)
    for (int j = i + 1; j < 256; j += 13) ASSERT_EQ(map.pixel(j, i), zero) << i << " " << j;
  if (probeOpenGl().usable) {
    TileGridView* grid = panel->tileGrid();
    EXPECT_EQ(grid->rows(), 16);
    EXPECT_EQ(grid->cols(), 16);
    QTest::qWait(100);
    EXPECT_GT(testing::distinctColours(grid->grabFramebuffer(), 3), 10);
  }
  testing::saveScreenshot(window, "attention-tiles.png");
}

TEST(AttentionPanel, ScalingSweepPlotsTimeAgainstN) {
  KindRegistry kinds;
  registerBuiltinKinds(kinds);
  PanelRegistry panels;
  registerBuiltinPanels(panels);
  testing::TempDir dir;
  const auto db = dir / "sweep.sqlite";
  ASSERT_NO_FATAL_FAILURE(
      recordInto(db, kinds, R"({"kind": "attention.scaling", "params": {"lengths": [128, 256, 512, 1024], "d": 32}})"));
  MainWindow window(kinds, panels);
  ASSERT_TRUE(testing::showWindowOn(window, db));
  auto* panel = testing::openRunIn<AttentionPanel>(window, 1);
  ASSERT_NE(panel, nullptr);
  bool found = false;
  for (const auto& f : panel->figures()) {
    if (f.name != "per-tile") continue;
    found = true;
    const QStringList names = static_cast<ChartView*>(f.view)->seriesNames();
    for (const char* method : {"naive", "tiled", "linear"})
      EXPECT_TRUE(names.contains(QString("%1 time (ms)").arg(method))) << names.join(", ").toStdString();
    // The materialised 1024² matrix (4 MiB) shows; errors of the two exact methods.
    EXPECT_TRUE(names.contains("naive peak memory (MB)")) << names.join(", ").toStdString();
    EXPECT_TRUE(names.contains("naive max error")) << names.join(", ").toStdString();
    EXPECT_TRUE(names.contains("tiled max error")) << names.join(", ").toStdString();
    EXPECT_FALSE(names.contains("linear max error"));  // a different function: no error against softmax
  }
  EXPECT_TRUE(found);
  testing::saveScreenshot(window, "attention-scaling.png");
}

// The pattern editor as a person uses it: pick sizes, open the editor tab,
// click tiles off, press Run; the run skips exactly those tiles.
TEST(AttentionPanel, PatternEditorTilesDriveARun) {
  if (!probeOpenGl().usable) GTEST_SKIP() << "no OpenGL: " << probeOpenGl().description.toStdString();
  KindRegistry kinds;
  registerBuiltinKinds(kinds);
  PanelRegistry panels;
  registerBuiltinPanels(panels);
  testing::TempDir dir;
  const auto db = dir / "edit.sqlite";
  ASSERT_NO_FATAL_FAILURE(recordInto(db, kinds, R"({"kind": "attention.tiles", "params": {"n": 64, "d": 16}})"));
  MainWindow window(kinds, panels);
  ASSERT_TRUE(testing::showWindowOn(window, db));
  auto* panel = testing::openRunIn<AttentionPanel>(window, 1);
  ASSERT_NE(panel, nullptr);
  auto spin = [&](const QString& prefix) {
    for (auto* box : panel->findChildren<QSpinBox*>())
      if (box->prefix() == prefix) return box;
    return static_cast<QSpinBox*>(nullptr);
  };
  spin("N ")->setValue(512);
  spin("d ")->setValue(32);
  spin("Br ")->setValue(128);
  spin("Bc ")->setValue(64);
  panel->findChild<QCheckBox*>("causal")->setChecked(false);  // causal off: only the edited tiles skip
  panel->viewTabs()->setCurrentIndex(1);
  TileGridView* editor = panel->patternEditor();
  LOUPE_WAIT_TRUE(editor->isVisible(), 5000);
  EXPECT_EQ(editor->rows(), 4);
  EXPECT_EQ(editor->cols(), 8);
  QTest::mouseClick(panel->findChild<QPushButton*>("editorBand"), Qt::LeftButton);
  // Then click two more tiles on by hand: (0, 5) and (3, 0).
  for (auto [row, col] : {std::pair{0, 5}, {3, 0}}) {
    QTest::qWait(50);
    const QPoint at = editor->cellCenter(row, col).toPoint();
    QTest::mouseMove(editor, at);
    QTest::qWait(50);
    QTest::mouseClick(editor, Qt::LeftButton, {}, at);
  }
  LOUPE_WAIT_EQ(QString::fromStdString(panel->blockLayoutText()), QString("11000100/11100000/01110000/10111000"), 5000);
  EXPECT_NE(panel->recipeJson().indexOf("\"pattern\":\"blocks\""), -1) << panel->recipeJson().toStdString();
  testing::saveScreenshot(window, "attention-pattern-editor.png");
  QTest::mouseClick(panel->findChild<QPushButton*>("attentionRun"), Qt::LeftButton);
  LOUPE_WAIT_TRUE(window.logText().contains("run 2 finished"), 60000);
  Store store(db);
  const RunInfo info = store.getRun(2);
  EXPECT_EQ(info.recipe["params"]["block_layout"], "11000100/11100000/01110000/10111000");
  EXPECT_EQ(info.stepCount, 32);
  EXPECT_EQ(store.metricSeries(2, "tiles_skipped").back().value, 32 - 13);
  EXPECT_LE(store.metricSeries(2, "max_error_vs_fp64").back().value, 1e-5);
  panel->viewTabs()->setCurrentIndex(0);
  LOUPE_WAIT_EQ(panel->shownStep().value_or(-1), 31, 5000);  // reopened at the last step after the run
  testing::saveScreenshot(window, "attention-pattern-run.png");
}

}  // namespace
}  // namespace loupe

namespace loupe {
namespace {

// Two real heads of the shipped model, from the demo's recipes: opened in
// the panel and switched to the attention map by its tab, as a user does.
// Layer 1 head 4 puts most of each row on the token before (a bright
// sub-diagonal); layer 2 head 3 sinks its attention into the first token (a
// bright first column). The map's pixels are the recorded probabilities.
TEST(AttentionPanel, RealHeadsOfTheShippedModelShowTheirStructure) {
  KindRegistry kinds;
  registerBuiltinKinds(kinds);
  PanelRegistry panels;
  registerBuiltinPanels(panels);
  testing::TempDir dir;
  const auto db = dir / "heads.sqlite";
  for (const char* name : {"attention-model-head.json", "attention-model-sink.json"}) {
    const std::string recipe = testing::readFile(std::filesystem::path(LOUPE_TEST_SOURCE_DIR).parent_path() /
                                                 "experiments" / "recipes" / name);
    ASSERT_NO_FATAL_FAILURE(recordInto(db, kinds, recipe));
  }
  Store store(db);
  auto mapOf = [&](std::int64_t run) { return store.readArray(run, store.getRun(run).stepCount - 1, "attention_map"); };
  // Mean probability on the sub-diagonal and in column 0, rows 8 on.
  auto shape = [](const Array& map) {
    const int t = static_cast<int>(map.shape()[0]);
    double previous = 0, first = 0;
    for (int i = 8; i < t; ++i) {
      previous += map.data<float>()[static_cast<std::size_t>(i) * t + i - 1];
      first += map.data<float>()[static_cast<std::size_t>(i) * t];
    }
    return std::pair{previous / (t - 8), first / (t - 8)};
  };
  const auto [prev1, first1] = shape(mapOf(1));
  const auto [prev2, first2] = shape(mapOf(2));
  EXPECT_GT(prev1, 0.5) << "layer 1 head 4 attends to the previous token";
  EXPECT_GT(first2, 0.2) << "layer 2 head 3 sinks into the first token";
  EXPECT_LT(first1, 0.05);

  MainWindow window(kinds, panels);
  ASSERT_TRUE(testing::showWindowOn(window, db));
  for (std::int64_t run : {1, 2}) {
    auto* panel = testing::openRunIn<AttentionPanel>(window, run);
    ASSERT_NE(panel, nullptr);
    QTabWidget* tabs = panel->viewTabs();
    for (int i = 0; i < tabs->count(); ++i)
      if (tabs->tabText(i) == "Attention map")
        QTest::mouseClick(tabs->tabBar(), Qt::LeftButton, {}, tabs->tabBar()->tabRect(i).center());
    LOUPE_WAIT_TRUE(tabs->currentWidget() == panel->attentionMap(), 3000);
    const QImage image = panel->attentionMap()->image();
    const int t = static_cast<int>(mapOf(run).shape()[0]);
    ASSERT_EQ(image.size(), QSize(t, t));
    // Causal: nothing right of the diagonal; the structure is brighter than the rest of its row.
    const QRgb zero = image.pixel(t - 1, 0);
    EXPECT_EQ(image.pixel(t - 1, t / 2), zero);
    int lit = 0;
    for (int row = 8; row < t; ++row) lit += image.pixel(run == 1 ? QPoint(row - 1, row) : QPoint(0, row)) != zero;
    EXPECT_GT(lit, (t - 8) / 2) << "run " << run << ": the sub-diagonal / first column is drawn where it is bright";
    testing::saveScreenshot(window, run == 1 ? "attention-real-head-previous.png" : "attention-real-head-sink.png");
  }
}

}  // namespace
}  // namespace loupe
