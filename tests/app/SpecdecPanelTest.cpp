// The speculative-decoding panel under Xvfb, used as a person would: a
// recorded Medusa run (mc_sim_7b_63, estimated heads, typical acceptance)
// opens with its 64-node tree, the accepted path highlighted, the
// histogram of drafts kept and acceptance by depth; scrubbing shows step 5's
// accepted path; the text marks exactly the accepted drafts (tree and chain
// runs); a compare
// run draws one acceptance line per method; two runs compare (B dashed);
// the tree editor adds and removes nodes by clicks and saves a choice list
// that runs. On the shipped transformer: Medusa heads trained live from the
// panel (loss and held-out accuracy curves growing while it runs), a
// designed-tree run (predicted vs measured, the designed tree in the view
// and the tree field), the editor on that tree and a Medusa run of it on the
// model from the Run button (real words in the text), and a compare run with
// its bands over prompts and measured speed-ups.
#include <gtest/gtest.h>

#include <algorithm>

#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QTest>
#include <QTextBrowser>
#include <nlohmann/json.hpp>

#include "app/workbench/MainWindow.h"
#include "engines/specdec/MedusaTree.h"
#include "panels/specdec/SpecdecPanel.h"
#include "tests/app/GuiShots.h"
#include "tests/app/GuiWait.h"
#include "tests/app/GuiWindow.h"
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
  ASSERT_TRUE(testing::showWindowOn(window, (dir / "s.sqlite")));
  auto* panel = testing::openRunIn<SpecdecPanel>(window, 1);
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

  // The tree editor: chain:2 loaded, a child added under [0], [0, 0]
  // removed, the result saved as a choice list — clicking as a person does.
  auto* field = panel->findChild<QLineEdit*>("specdecTree");
  ASSERT_NE(field, nullptr);
  field->selectAll();
  QTest::keyClicks(field, "chain:2");
  QTest::mouseClick(panel->findChild<QPushButton*>("specdecEditTree"), Qt::LeftButton);
  ASSERT_EQ(panel->editedTree(), (specdec::Choices{{0}, {0, 0}}));
  LOUPE_WAIT_EQ(panel->treeView()->nodeCount(), 3, 3000);
  auto clickNode = [&](const std::vector<int>& path) {
    const auto sorted = specdec::medusaBuffers(panel->editedTree()).sorted;
    const int node = static_cast<int>(std::find(sorted.begin(), sorted.end(), path) - sorted.begin()) + 1;
    QTest::qWait(200);  // the layout settles (a shorter values line gives the tree view more height)
    const QPoint at = panel->treeView()->nodeCenter(node).toPoint();
    QTest::mouseMove(panel->treeView(), at);
    QTest::qWait(30);
    QTest::mouseClick(panel->treeView(), Qt::LeftButton, {}, at);
    LOUPE_WAIT_EQ(panel->treeView()->highlightedPath().back(), node, 3000);
  };
  clickNode({0});
  QTest::mouseClick(panel->findChild<QPushButton*>("specdecAddChild"), Qt::LeftButton);
  EXPECT_EQ(panel->editedTree(), (specdec::Choices{{0}, {0, 0}, {0, 1}}));
  LOUPE_WAIT_EQ(panel->treeView()->nodeCount(), 4, 3000);
  testing::saveScreenshot(window, "specdec-editor.png");
  clickNode({0, 0});
  QTest::mouseClick(panel->findChild<QPushButton*>("specdecRemoveNode"), Qt::LeftButton);
  EXPECT_EQ(panel->editedTree(), (specdec::Choices{{0}, {0, 1}}));
  EXPECT_EQ(panel->treeSpec().toStdString(), specdec::choicesToJson(panel->editedTree()));  // Run uses it
  ASSERT_TRUE(panel->saveTree(QString::fromStdString((dir / "tree.json").string())));
  EXPECT_EQ(specdec::parseChoices(testing::readFile(dir / "tree.json"), "saved"), (specdec::Choices{{0}, {0, 1}}));
  // Saved as it is, the tree runs.
  {
    Store store(dir / "s.sqlite");
    nlohmann::json recipe = {{"kind", "specdec.medusa"}, {"params", {{"tokens", 30}}}};
    recipe["params"]["tree"] = testing::readFile(dir / "tree.json");  // the choice list as the tree field
    const auto r = testing::recordRun(store, kinds, recipe.dump());
    EXPECT_EQ(r.status, RunStatus::Finished) << r.error;
  }
}

TEST(SpecdecPanel, OnTheShippedModelTrainingLiveDesignEditorAndCompare) {
  KindRegistry kinds;
  registerBuiltinKinds(kinds);
  PanelRegistry panels;
  registerBuiltinPanels(panels);
  testing::TempDir dir;
  {
    Store store(dir / "m.sqlite");
    auto r = testing::recordRun(store, kinds, R"({"kind": "specdec.design_tree", "name": "designed trees", "seed": 1,
        "params": {"sizes": [4, 8, 16], "prompts": 2, "calibration_prompts": 6, "tokens": 40}})");
    ASSERT_EQ(r.status, RunStatus::Finished) << r.error;
    r = testing::recordRun(store, kinds, R"({"kind": "specdec.compare", "name": "methods on the model", "seed": 1,
        "params": {"source": "model", "methods": "target,chain,mtp,medusa:chain:3", "gamma": 3, "repeats": 3,
                   "tokens": 40, "acceptance": "greedy"}})");
    ASSERT_EQ(r.status, RunStatus::Finished) << r.error;
  }
  Store check(dir / "m.sqlite");
  MainWindow window(kinds, panels);
  ASSERT_TRUE(testing::showWindowOn(window, dir / "m.sqlite"));

  // The designed trees: predicted against measured by size, the tree in view and in the tree field.
  auto* panel = testing::openRunIn<SpecdecPanel>(window, 1);
  ASSERT_NE(panel, nullptr);
  ASSERT_NE(panel->treeView(), nullptr) << "no OpenGL under Xvfb";
  const QStringList design = panel->depthChart()->seriesNames();
  for (const char* line : {"designed pred.", "designed meas.", "mc_sim cut meas."})
    EXPECT_TRUE(design.contains(line)) << design.join(", ").toStdString();
  panel->scrubber()->setPosition(1);  // the 8-node tree
  LOUPE_WAIT_EQ(panel->treeView()->nodeCount(), 9, 3000);
  auto* field = panel->findChild<QLineEdit*>("specdecTree");
  EXPECT_EQ(field->text().toStdString(), check.readStep(1, 1).text("tree"));
  testing::saveScreenshot(window, "specdec-model-design.png");

  // The editor on the designed tree: a child under the root's first guess, then run on the model.
  QTest::mouseClick(panel->findChild<QPushButton*>("specdecEditTree"), Qt::LeftButton);
  const std::size_t designed = panel->editedTree().size();
  ASSERT_EQ(designed, 8u);
  LOUPE_WAIT_EQ(panel->treeView()->nodeCount(), 9, 3000);
  const QPoint at = panel->treeView()->nodeCenter(1).toPoint();  // node 1: the first head's best guess
  QTest::mouseMove(panel->treeView(), at);
  QTest::qWait(30);
  QTest::mouseClick(panel->treeView(), Qt::LeftButton, {}, at);
  LOUPE_WAIT_EQ(panel->treeView()->highlightedPath().back(), 1, 3000);
  QTest::mouseClick(panel->findChild<QPushButton*>("specdecAddChild"), Qt::LeftButton);
  EXPECT_EQ(panel->editedTree().size(), designed + 1);
  testing::saveScreenshot(window, "specdec-model-editor.png");
  panel->kindChoice()->setCurrentText("specdec.medusa");
  panel->sourceChoice()->setCurrentText("model");
  QTest::mouseClick(panel->findChild<QPushButton*>("specdecRun"), Qt::LeftButton);
  LOUPE_WAIT_TRUE(check.listRuns().size() == 3 && check.getRun(3).status == RunStatus::Finished, 60000);
  LOUPE_WAIT_TRUE(panel->treeView()->nodeCount() == static_cast<int>(designed) + 2, 5000);
  // Real words: the prompt is a gloss's head word, the text goes on in English.
  LOUPE_WAIT_TRUE(panel->textView()->toPlainText().contains(": "), 5000);
  const QString words = panel->textView()->toPlainText();
  EXPECT_GE(words.count(' '), 20) << words.toStdString();
  EXPECT_TRUE(words.contains(" the ") || words.contains(" a ") || words.contains(" of ")) << words.toStdString();
  testing::saveScreenshot(window, "specdec-model-medusa.png");

  // The comparison: acceptance by depth per method with its band over prompts, measured speed-ups.
  ASSERT_TRUE(window.openRun(2));
  const QStringList methods = panel->depthChart()->seriesNames();
  for (const char* m : {"chain", "mtp", "medusa:chain:3", "chain 95 % band"})
    EXPECT_TRUE(methods.contains(m)) << methods.join(", ").toStdString();
  EXPECT_TRUE(panel->valuesLine()->text().contains("measured")) << panel->valuesLine()->text().toStdString();
  testing::saveScreenshot(window, "specdec-model-compare.png");

  // Heads trained from the panel, watched live: the accuracy curves grow while it runs.
  panel->kindChoice()->setCurrentText("specdec.train_heads");
  QTest::mouseClick(panel->findChild<QPushButton*>("specdecRun"), Qt::LeftButton);
  LOUPE_WAIT_TRUE(check.listRuns().size() == 4 && check.stepNumbers(4).size() >= 25, 60000);
  LOUPE_WAIT_TRUE(panel->histogramChart()->seriesNames().contains("head 0"), 5000);
  EXPECT_NE(check.getRun(4).status, RunStatus::Finished) << "the curves were drawn live, before the run ended";
  EXPECT_TRUE(panel->depthChart()->seriesNames().contains("head 2"));
  testing::saveScreenshot(window, "specdec-model-training-live.png");
  LOUPE_WAIT_TRUE(check.getRun(4).status == RunStatus::Finished, 120000);
  const StepRecord last = check.readStep(4, check.stepNumbers(4).back());
  EXPECT_GT(last.metricOr("top1_head0"), last.metricOr("unigram_top1", check.readStep(4, 0).metricOr("unigram_top1")));
  testing::saveScreenshot(window, "specdec-model-training.png");
}

}  // namespace
}  // namespace loupe
