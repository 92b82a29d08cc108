// The language-model panel under Xvfb, used as a person would: a stored
// lm.generate run opens on its whole text, every generated token on a
// background coloured by its recorded probability; dragging the scrubber
// back to token 3 cuts the text there, marks that token and lists its
// alternatives (the chosen one marked); the Generate button runs the
// prompt typed into the box, live, and the new run's text shows it.
#include <gtest/gtest.h>

#include <algorithm>

#include <QLineEdit>
#include <QPushButton>
#include <QTableWidget>
#include <QTest>
#include <QTextBrowser>

#include "app/workbench/MainWindow.h"
#include "experiments/kinds/LmRecords.h"
#include "panels/lm/LmPanel.h"
#include "tests/app/GuiShots.h"
#include "tests/app/GuiWait.h"
#include "tests/app/GuiWindow.h"
#include "tests/support/RecordRun.h"
#include "tests/support/TestHelpers.h"
#include "viewers/ChartView.h"
#include "viewers/TimelineScrubber.h"

namespace loupe {
namespace {

namespace rec = loupe::lm_records;

TEST(LmPanel, TextColouredByProbabilityScrubbedAndGeneratedLive) {
  KindRegistry kinds;
  registerBuiltinKinds(kinds);
  PanelRegistry panels;
  registerBuiltinPanels(panels);
  testing::TempDir dir;
  {
    Store store(dir / "lm.sqlite");
    const auto r = testing::recordRun(store, kinds, R"({"kind": "lm.generate", "seed": 2, "params": {
        "prompt": "telescope: ", "max_tokens": 30, "temperature": 0.7, "stop_at_eos": false}})");
    ASSERT_EQ(r.status, RunStatus::Finished) << r.error;
  }
  Store check(dir / "lm.sqlite");
  const StepRecord last = check.readStep(1, 30), third = check.readStep(1, 3);

  MainWindow window(kinds, panels);
  ASSERT_TRUE(testing::showWindowOn(window, dir / "lm.sqlite"));
  auto* panel = testing::openRunIn<LmPanel>(window, 1);
  ASSERT_NE(panel, nullptr);
  // The whole text first: the prompt, then every generated token.
  const QString whole = panel->textView()->toPlainText();
  EXPECT_TRUE(whole.startsWith("<s> telescope:")) << whole.toStdString();
  for (int t : {1, 15, 30}) {
    const QString token = QString::fromUtf8(check.readStep(1, t).text(rec::kTokenText).c_str()).trimmed();
    if (!token.isEmpty()) EXPECT_TRUE(whole.contains(token)) << t;
  }
  // Each token's background is its probability's colour: a confident token is greener than an unsure one.
  const QString html = panel->textView()->toHtml();
  EXPECT_GE(html.count("background-color:"), 30);
  // The run's recipe is in the controls, ready to vary.
  EXPECT_EQ(panel->findChild<QLineEdit*>("lmPrompt")->text(), QString("telescope: "));
  testing::saveScreenshot(window, "lm-generate.png");

  // Back to token 3, by the scrubber, as a user drags it.
  panel->scrubber()->setPosition(3);
  LOUPE_WAIT_EQ(panel->shownStep().value_or(-1), 3, 3000);
  const QString cut = panel->textView()->toPlainText();
  EXPECT_LT(cut.size(), whole.size());
  QTableWidget* alts = panel->alternatives();
  ASSERT_EQ(alts->rowCount(), 5);
  const auto topProbabilities = third.values<double>(rec::kTopProbabilities);
  for (int i = 0; i < 5; ++i)
    EXPECT_NEAR(alts->item(i, 1)->data(Qt::DisplayRole).toDouble(), topProbabilities[static_cast<std::size_t>(i)],
                1e-4);
  bool marked = false;
  for (int i = 0; i < 5; ++i) marked |= alts->item(i, 0)->text().contains("← chosen");
  const auto topTokens = third.values<std::int64_t>(rec::kTopTokens);
  const auto chosen = static_cast<std::int64_t>(*third.findMetric(rec::kToken));
  EXPECT_EQ(marked, std::find(topTokens.begin(), topTokens.end(), chosen) != topTokens.end())
      << "the chosen token is marked exactly when it is among the top five";
  EXPECT_TRUE(panel->chart()->seriesNames().contains("probability"))
      << panel->chart()->seriesNames().join(",").toStdString();
  testing::saveScreenshot(window, "lm-token3.png");

  // A new prompt, typed and generated live.
  auto* prompt = panel->findChild<QLineEdit*>("lmPrompt");
  ASSERT_NE(prompt, nullptr);
  prompt->selectAll();
  QTest::keyClicks(prompt, "river: ");
  QTest::mouseClick(panel->findChild<QPushButton*>("lmRun"), Qt::LeftButton);
  LOUPE_WAIT_TRUE(check.listRuns().size() == 2 && check.getRun(2).status == RunStatus::Finished, 60000);
  LOUPE_WAIT_TRUE(panel->textView()->toPlainText().startsWith("<s> river:"), 5000);
  EXPECT_EQ(last.text(rec::kGeneratedText).empty(), false);
  testing::saveScreenshot(window, "lm-live.png");

  // A perplexity run opens in the same panel: its result, and the perplexity as the lines go by.
  {
    Store store(dir / "lm.sqlite");
    const auto r = testing::recordRun(store, kinds, R"({"kind": "lm.perplexity", "params": {"max_lines": 120}})");
    ASSERT_EQ(r.status, RunStatus::Finished) << r.error;
  }
  ASSERT_TRUE(window.openRun(3));
  LOUPE_WAIT_TRUE(panel->textView()->toPlainText().startsWith("perplexity"), 5000);
  const double ppl = *check.readStep(3, 2).findMetric(rec::kPerplexity);
  EXPECT_TRUE(panel->textView()->toPlainText().contains(QString::number(ppl, 'f', 3)))
      << panel->textView()->toPlainText().toStdString();
  EXPECT_TRUE(panel->chart()->seriesNames().contains("perplexity"));
  EXPECT_EQ(panel->alternatives()->rowCount(), 0);
  testing::saveScreenshot(window, "lm-perplexity.png");
}

}  // namespace
}  // namespace loupe
