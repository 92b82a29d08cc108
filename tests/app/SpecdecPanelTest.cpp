// The speculative-decoding panel under Xvfb, used as a person would: a
// recorded Medusa run (mc_sim_7b_63, estimated heads, typical acceptance)
// opens with its 64-node tree, the accepted path highlighted, the
// histogram of drafts kept and acceptance by depth; scrubbing shows step 5's
// accepted path; the text marks exactly the accepted drafts (tree and chain
// runs); a compare
// run draws one acceptance line per method; two runs compare (B dashed).
#include <gtest/gtest.h>

#include <QTest>
#include <QTextBrowser>

#include "app/workbench/MainWindow.h"
#include "panels/specdec/SpecdecPanel.h"
#include "tests/app/GuiShots.h"
#include "tests/app/GuiWait.h"
#include "tests/support/RecordRun.h"
#include "tests/support/TestHelpers.h"
#include "viewers/ChartView.h"
#include "viewers/TimelineScrubber.h"
#include "viewers/TreeGraphView.h"

namespace loupe {
namespace {

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
    r = testing::recordRun(store, kinds, R"({"kind": "specdec.sample", "name": "chain", "seed": 1,
        "params": {"gamma": 4, "tokens": 120}})");
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
  // One highlighted word per accepted draft, as recorded.
  auto draftsRecorded = [&](std::int64_t run) {
    long drafts = 0;
    for (std::int64_t step : window.store()->stepNumbers(run))
      drafts += static_cast<long>(window.store()->readStep(run, step).metricOr("accepted"));
    return drafts;
  };
  EXPECT_EQ(panel->textView()->toHtml().count("#b8e6b8"), draftsRecorded(1));
  // Scrubbing to step 5 shows that step's accepted path.
  const auto path5 = window.store()->readStep(1, 5).values<std::int64_t>("accepted_nodes");
  ASSERT_FALSE(path5.empty());
  panel->scrubber()->setPosition(5);
  LOUPE_WAIT_EQ(panel->treeView()->highlightedPath(), std::vector<int>(path5.begin(), path5.end()), 3000);
  testing::saveScreenshot(window, "specdec-tree.png");

  ASSERT_TRUE(window.openRun(2));
  const QStringList methods = panel->depthChart()->seriesNames();
  for (const char* m : {"chain", "mtp", "medusa:chain:4", "medusa:mc_sim_7b_63"})
    EXPECT_TRUE(methods.contains(m)) << methods.join(", ").toStdString();
  testing::saveScreenshot(window, "specdec-compare.png");

  panel->compareRuns(*window.store(), 1, 3);
  EXPECT_TRUE(panel->depthChart()->seriesNames().contains("B medusa"));

  // A draft-model chain: no tree, and its drafts come before the target's token.
  ASSERT_TRUE(window.openRun(4));
  EXPECT_EQ(panel->treeView()->nodeCount(), 0);
  EXPECT_GT(draftsRecorded(4), 0);
  EXPECT_EQ(panel->textView()->toHtml().count("#b8e6b8"), draftsRecorded(4));
}

}  // namespace
}  // namespace loupe
