// The speculative-decoding panel under Xvfb, used as a person would: a
// recorded Medusa run (mc_sim_7b_63, estimated heads, typical acceptance)
// opens with its 64-node tree, the accepted path highlighted, the
// histogram of drafts kept and acceptance by depth; scrubbing moves to
// another step's tree; the generated text marks accepted drafts; a compare
// run draws one acceptance line per method; two runs compare (B dashed).
#include <gtest/gtest.h>

#include <QTest>
#include <QTextBrowser>

#include "app/workbench/MainWindow.h"
#include "panels/specdec/SpecdecPanel.h"
#include "tests/app/GuiWait.h"
#include "tests/support/RecordRun.h"
#include "tests/support/TestHelpers.h"
#include "viewers/ChartView.h"
#include "viewers/TimelineScrubber.h"
#include "viewers/TreeGraphView.h"

namespace loupe {
namespace {

void screenshot(QWidget& window, const char* name) {
  const QByteArray out = qgetenv("LOUPE_SCREENSHOT_DIR");
  if (out.isEmpty()) return;
  QTest::qWait(300);
  window.grab().save(QString::fromUtf8(out) + "/" + name);
}

TEST(SpecdecPanel, TreeHistogramTextAndComparison) {
  KindRegistry kinds;
  registerBuiltinKinds(kinds);
  PanelRegistry panels;
  registerBuiltinPanels(panels);
  testing::TempDir dir;
  {
    Store store(dir / "s.sqlite");
    auto r = testing::recordRun(store, kinds, R"({"kind": "specdec.medusa", "name": "Medusa mc_sim_7b_63", "seed": 1,
        "params": {"tree": "mc_sim_7b_63", "heads": "estimated", "acceptance": "typical", "tokens": 120}})");
    ASSERT_EQ(r.status, RunStatus::Finished) << r.error;
    r = testing::recordRun(store, kinds, R"({"kind": "specdec.compare", "name": "methods", "seed": 1,
        "params": {"methods": "target,chain,mtp,medusa:chain:4,medusa:mc_sim_7b_63", "tokens": 150,
                   "acceptance": "typical"}})");
    ASSERT_EQ(r.status, RunStatus::Finished) << r.error;
    r = testing::recordRun(store, kinds, R"({"kind": "specdec.medusa", "name": "Medusa chain:4", "seed": 1,
        "params": {"tree": "chain:4", "heads": "estimated", "acceptance": "typical", "tokens": 120}})");
    ASSERT_EQ(r.status, RunStatus::Finished) << r.error;
  }
  MainWindow window(kinds, panels);
  window.setQuiet(true);
  ASSERT_TRUE(window.openDatabase(QString::fromStdString((dir / "s.sqlite").string())));
  window.show();
  ASSERT_TRUE(QTest::qWaitForWindowExposed(&window));
  ASSERT_TRUE(window.openRun(1));
  auto* panel = dynamic_cast<SpecdecPanel*>(window.activePanel());
  ASSERT_NE(panel, nullptr);
  ASSERT_NE(panel->treeView(), nullptr) << "no OpenGL under Xvfb";
  EXPECT_EQ(panel->treeView()->nodeCount(), 64);
  EXPECT_GE(panel->treeView()->highlightedPath().size(), 1u);
  EXPECT_EQ(panel->treeView()->highlightedPath().front(), 0);
  EXPECT_EQ(panel->histogramChart()->seriesCount(), 1);
  EXPECT_TRUE(panel->depthChart()->seriesNames().contains("medusa"));
  EXPECT_TRUE(panel->textView()->toHtml().contains("#b8e6b8"));  // accepted drafts marked
  panel->scrubber()->setPosition(5);
  LOUPE_WAIT_TRUE(panel->treeView()->nodeCount() == 64 && panel->scrubber()->position() == 5, 3000);
  screenshot(window, "specdec-tree.png");

  ASSERT_TRUE(window.openRun(2));
  const QStringList methods = panel->depthChart()->seriesNames();
  for (const char* m : {"chain", "mtp", "medusa:chain:4", "medusa:mc_sim_7b_63"})
    EXPECT_TRUE(methods.contains(m)) << methods.join(", ").toStdString();
  screenshot(window, "specdec-compare.png");

  panel->compareRuns(*window.store(), 1, 3);
  EXPECT_TRUE(panel->depthChart()->seriesNames().contains("B medusa"));
}

}  // namespace
}  // namespace loupe
