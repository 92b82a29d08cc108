// The scaling panel under Xvfb, used as a person would: a compound run opens
// with its curves against φ and the paper's points; EfficientNet-B7 picked
// from the network list fills the layer table (checked against the store),
// sorted by MACs with a header click; ThunderNet picked to compare; a
// roofline run shows the roof, the ridge and every kernel; two compound runs
// with different α compare; the Run button records a new run.
#include <gtest/gtest.h>

#include <QAbstractItemView>
#include <QComboBox>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QTableWidget>
#include <QTest>
#include <algorithm>

#include "app/workbench/MainWindow.h"
#include "panels/scaling/ScalingPanel.h"
#include "tests/app/GuiShots.h"
#include "tests/app/GuiWait.h"
#include "tests/app/GuiWindow.h"
#include "tests/support/RecordRun.h"
#include "tests/support/TestHelpers.h"
#include "viewers/ChartView.h"

namespace loupe {
namespace {

// Opens the combo box's list with a click and clicks the entry.
void pick(QComboBox* combo, const QString& text) {
  const int index = combo->findText(text);
  ASSERT_GE(index, 0) << text.toStdString();
  QTest::mouseClick(combo, Qt::LeftButton);
  QAbstractItemView* view = combo->view();
  LOUPE_WAIT_TRUE(view->isVisible(), 3000);
  const QModelIndex item = view->model()->index(index, 0);
  view->scrollTo(item);
  QTest::qWait(600);  // the popup ignores releases for a double-click interval after it opens
  const QPoint centre = view->visualRect(item).center();
  QTest::mouseMove(view->viewport(), centre);
  QTest::mouseClick(view->viewport(), Qt::LeftButton, {}, centre);
  LOUPE_WAIT_EQ(combo->currentText(), text, 3000);
}

TEST(ScalingPanel, CurvesLayersComparisonAndRoofline) {
  KindRegistry kinds;
  registerBuiltinKinds(kinds);
  PanelRegistry panels;
  registerBuiltinPanels(panels);
  testing::TempDir dir;
  const auto db = dir / "s.sqlite";
  {
    Store store(db);
    for (
        const char* recipe :
        {R"({"kind": "scaling.compound", "name": "efficientnet", "params": {"networks": "efficientnet,compound,thundernet"}})",
         R"({"kind": "scaling.roofline", "name": "roofline", "params": {"repeats": 3}})",
         R"({"kind": "scaling.compound", "name": "alpha 1.3", "params": {"networks": "compound", "alpha": 1.3}})"}) {
      const auto r = testing::recordRun(store, kinds, recipe);
      ASSERT_EQ(r.status, RunStatus::Finished) << r.error;
    }
  }
  MainWindow window(kinds, panels);
  ASSERT_TRUE(testing::showWindowOn(window, db));
  auto* panel = testing::openRunIn<ScalingPanel>(window, 1);
  ASSERT_NE(panel, nullptr);
  const QStringList curves = panel->curvesChart()->seriesNames();
  for (const char* s : {"compound rule: params (M)", "compound rule: FLOPs (B)", "B0–B7 as released: FLOPs (B)",
                        "paper: params (M)", "paper: FLOPs (B)"})
    EXPECT_TRUE(curves.contains(s)) << s << " in " << curves.join(", ").toStdString();
  EXPECT_TRUE(panel->accuracyChart()->seriesNames().contains("B0–B7 at our FLOPs"));
  ASSERT_EQ(panel->networkChoice()->count(), 8 + 15 + 3);  // B0–B7, φ = 0 … 7 by 0.5, three ThunderNets

  // EfficientNet-B7, picked from the list: its layers, as the store has them.
  pick(panel->networkChoice(), "efficientnet-b7");
  Store store(db);
  const StepRecord b7 = store.readStep(1, 7);
  const auto macs = b7.values<std::int64_t>("layer_macs");
  QTableWidget* table = panel->layerTable();
  ASSERT_EQ(table->rowCount(), static_cast<int>(macs.size()));
  EXPECT_EQ(table->item(0, 0)->text(), "stem");
  EXPECT_EQ(table->item(0, 5)->text(), "64×300×300");
  int head = -1;
  for (int row = 0; row < table->rowCount(); ++row)
    if (table->item(row, 0)->text() == "head") head = row;
  ASSERT_GE(head, 0);
  EXPECT_EQ(table->item(head, 5)->text(), "2560×19×19");
  // Sort by MACs (descending) with header clicks: the first row is the store's largest layer.
  const int macsColumn = 7;
  QHeaderView* header = table->horizontalHeader();
  const QPoint at(header->sectionViewportPosition(macsColumn) + header->sectionSize(macsColumn) / 2,
                  header->height() / 2);
  QTest::mouseClick(header->viewport(), Qt::LeftButton, {}, at);
  if (header->sortIndicatorOrder() != Qt::DescendingOrder)
    QTest::mouseClick(header->viewport(), Qt::LeftButton, {}, at);
  LOUPE_WAIT_EQ(header->sortIndicatorOrder(), Qt::DescendingOrder, 3000);
  EXPECT_EQ(table->item(0, macsColumn)->data(Qt::DisplayRole).toDouble(),
            static_cast<double>(*std::max_element(macs.begin(), macs.end())));

  // Compared with ThunderNet (SNet146): two cumulative curves, both totals.
  pick(panel->compareChoice(), "thundernet-snet146");
  const QStringList cumulative = panel->cumulativeChart()->seriesNames();
  EXPECT_EQ(cumulative, (QStringList{"efficientnet-b7", "thundernet-snet146"}));
  const StepRecord thunder = store.readStep(1, 24);
  ASSERT_EQ(thunder.text("network"), "thundernet-snet146");
  EXPECT_TRUE(panel->summary()->text().contains(QString::number(thunder.metricOr("macs") / 1e9, 'f', 3)))
      << panel->summary()->text().toStdString();
  EXPECT_TRUE(panel->summary()->text().contains("paper: 66 M, 37 B, top-1 84.3 %"));
  testing::saveScreenshot(window, "scaling-compound.png");

  // The roofline run: the roof, the SGEMM ceiling, every kernel kind from both implementations.
  ASSERT_TRUE(window.openRun(2));
  const QStringList roof = panel->rooflineChart()->seriesNames();
  for (const char* s :
       {"roof: compute peak, triad bandwidth", "OpenBLAS SGEMM ceiling", "standard · loupe", "standard · opencv",
        "depthwise · loupe", "depthwise · opencv", "pointwise · loupe", "pointwise · opencv"})
    EXPECT_TRUE(roof.contains(s)) << s << " in " << roof.join(", ").toStdString();
  QTableWidget* kernels = panel->kernelTable();
  ASSERT_EQ(kernels->rowCount(), 18);
  for (int row = 0; row < kernels->rowCount(); ++row)
    if (kernels->item(row, 0)->text().startsWith("depthwise 3×3")) {
      EXPECT_EQ(kernels->item(row, 7)->text(), "memory") << kernels->item(row, 0)->text().toStdString();
    }
  EXPECT_TRUE(panel->summary()->text().contains("ridge"));
  testing::saveScreenshot(window, "scaling-roofline.png");

  // Two compound runs: α = 1.2 (A) and 1.3 (B) on one chart.
  ASSERT_TRUE(window.compareRuns(1, 3));
  const QStringList compared = panel->curvesChart()->seriesNames();
  EXPECT_TRUE(compared.contains("A compound rule: FLOPs (B)") && compared.contains("B compound rule: FLOPs (B)"))
      << compared.join(", ").toStdString();

  // The Run button records a compound run from the panel's controls.
  window.openRun(1);
  auto* kind = panel->findChild<QComboBox*>("kind");
  pick(kind, "scaling.compound");
  QTest::mouseClick(panel->findChild<QPushButton*>("scalingRun"), Qt::LeftButton);
  LOUPE_WAIT_TRUE(window.logText().contains("run 4 finished"), 60000);
  EXPECT_EQ(Store(db).getRun(4).kind, "scaling.compound");
  LOUPE_WAIT_EQ(panel->networkChoice()->count(), 26, 5000);
}

}  // namespace
}  // namespace loupe
