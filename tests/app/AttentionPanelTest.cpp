// The attention panel under Xvfb: a recorded attention.tiles run scrubbed to
// the middle of the kernel; the tile grid shows the current tile and the
// skipped ones; the attention map is causal (nothing right of the diagonal).
#include <gtest/gtest.h>

#include <QTest>
#include <set>

#include "app/workbench/MainWindow.h"
#include "experiments/Recipe.h"
#include "experiments/Runner.h"
#include "experiments/StoreRecorder.h"
#include "panels/attention/AttentionPanel.h"
#include "tests/support/TestHelpers.h"
#include "viewers/ChartView.h"
#include "viewers/GlProbe.h"
#include "viewers/ImageView.h"
#include "viewers/TileGridView.h"
#include "viewers/TimelineScrubber.h"

namespace loupe {
namespace {

TEST(AttentionPanel, TilesMidRunAndCausalMap) {
  KindRegistry kinds;
  registerBuiltinKinds(kinds);
  PanelRegistry panels;
  registerBuiltinPanels(panels);
  testing::TempDir dir;
  const auto db = dir / "att.sqlite";
  {
    Store store(db);
    const Recipe recipe = parseRecipeText(
        R"({"kind": "attention.tiles", "seed": 4, "params": {"n": 512, "d": 32, "block_q": 32, "block_k": 32}})",
        "test", kinds);
    const auto id = store.createRun(recipe, "1", "cpu");
    StoreRecorder recorder(store, id);
    Runner runner(*kinds.find(recipe.kind), recipe, DeviceKind::Cpu, {&recorder});
    ASSERT_EQ(runner.runHere(), RunStatus::Finished) << runner.error();
  }
  MainWindow window(kinds, panels);
  window.setQuiet(true);
  ASSERT_TRUE(window.openDatabase(QString::fromStdString(db.string())));
  window.show();
  ASSERT_TRUE(QTest::qWaitForWindowExposed(&window));
  ASSERT_TRUE(window.openRun(1));
  auto* panel = dynamic_cast<AttentionPanel*>(window.activePanel());
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
    std::set<QRgb> colours;
    const QImage tiles = grid->grabFramebuffer();
    for (int y = 0; y < tiles.height(); y += 3)
      for (int x = 0; x < tiles.width(); x += 3) colours.insert(tiles.pixel(x, y));
    EXPECT_GT(colours.size(), 10u);
  }
  const QByteArray out = qgetenv("LOUPE_SCREENSHOT_DIR");
  if (!out.isEmpty()) {
    QTest::qWait(150);
    window.grab().save(QString::fromUtf8(out) + "/attention-tiles.png");
  }
}

TEST(AttentionPanel, ScalingSweepPlotsTimeAgainstN) {
  KindRegistry kinds;
  registerBuiltinKinds(kinds);
  PanelRegistry panels;
  registerBuiltinPanels(panels);
  testing::TempDir dir;
  const auto db = dir / "sweep.sqlite";
  {
    Store store(db);
    const Recipe recipe = parseRecipeText(
        R"({"kind": "attention.scaling", "params": {"lengths": [128, 256, 512, 1024], "d": 32}})", "test", kinds);
    const auto id = store.createRun(recipe, "1", "cpu");
    StoreRecorder recorder(store, id);
    Runner runner(*kinds.find(recipe.kind), recipe, DeviceKind::Cpu, {&recorder});
    ASSERT_EQ(runner.runHere(), RunStatus::Finished) << runner.error();
  }
  MainWindow window(kinds, panels);
  window.setQuiet(true);
  ASSERT_TRUE(window.openDatabase(QString::fromStdString(db.string())));
  window.show();
  ASSERT_TRUE(QTest::qWaitForWindowExposed(&window));
  ASSERT_TRUE(window.openRun(1));
  auto* panel = dynamic_cast<AttentionPanel*>(window.activePanel());
  ASSERT_NE(panel, nullptr);
  bool found = false;
  for (const auto& f : panel->figures()) {
    if (f.name != "per-tile") continue;
    found = true;
    EXPECT_EQ(static_cast<ChartView*>(f.view)->seriesCount(), 3);  // naive, tiled, linear
  }
  EXPECT_TRUE(found);
  const QByteArray out = qgetenv("LOUPE_SCREENSHOT_DIR");
  if (!out.isEmpty()) {
    QTest::qWait(150);
    window.grab().save(QString::fromUtf8(out) + "/attention-scaling.png");
  }
}

}  // namespace
}  // namespace loupe
