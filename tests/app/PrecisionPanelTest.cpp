// The precision panel under Xvfb, used as a person would: an .npz of three
// tensors opens as a table, sorted by clicking the overflow header, a row
// clicked shows that tensor's exponent histogram with fp16's ranges shaded,
// the format switched to e4m3; a training run shows the loss of every
// configuration, the loss scale and the gradients lost.
#include <gtest/gtest.h>

#include <QComboBox>
#include <QHeaderView>
#include <QTableWidget>
#include <QTest>

#include "app/workbench/MainWindow.h"
#include "panels/precision/PrecisionPanel.h"
#include "tests/app/GuiShots.h"
#include "tests/app/GuiWait.h"
#include "tests/app/GuiWindow.h"
#include "tests/support/RecordRun.h"
#include "tests/support/TestHelpers.h"
#include "viewers/ChartView.h"

namespace loupe {
namespace {

TEST(PrecisionPanel, TensorTableHistogramAndTraining) {
  KindRegistry kinds;
  registerBuiltinKinds(kinds);
  PanelRegistry panels;
  registerBuiltinPanels(panels);
  testing::TempDir dir;
  const auto py = testing::runPython(
      "import numpy as np, sys\n"
      "rng = np.random.default_rng(1)\n"
      "np.savez(sys.argv[1],\n"
      "  activations=(rng.standard_normal((256, 64)) * 3e4).astype(np.float32),\n"
      "  gradients=(rng.standard_normal(20000) * 10.0 ** rng.uniform(-12, -3, 20000)).astype(np.float32),\n"
      "  weights=(rng.standard_normal((64, 64)) * 0.05).astype(np.float32))\n",
      {(dir / "model.npz").string()});
  ASSERT_EQ(py.exitCode, 0) << py.err;
  {
    Store store(dir / "p.sqlite");
    auto r = testing::recordRun(store, kinds,
                                R"({"kind": "precision.tensor_stats", "params": {"source": "file", "file": ")" +
                                    (dir / "model.npz").string() + R"("}})");
    ASSERT_EQ(r.status, RunStatus::Finished) << r.error;
    r = testing::recordRun(store, kinds, R"({"kind": "precision.train", "seed": 1, "params": {"steps": 600,
        "loss_weight": 1e-5, "growth_interval": 200, "log_every": 5}})");
    ASSERT_EQ(r.status, RunStatus::Finished) << r.error;
  }
  MainWindow window(kinds, panels);
  ASSERT_TRUE(testing::showWindowOn(window, (dir / "p.sqlite")));
  auto* panel = testing::openRunIn<PrecisionPanel>(window, 1);
  ASSERT_NE(panel, nullptr);
  QTableWidget* table = panel->tensorTable();
  ASSERT_EQ(table->rowCount(), 3);
  // Sort by underflow, descending: clicks on the header, as a user does. The
  // file's order (and the alphabet) puts activations first; sorted, the
  // gradients (|x| down to 1e-12) lead.
  const int overflowColumn = 2, underflowColumn = 3;
  QHeaderView* header = table->horizontalHeader();
  const QPoint at(header->sectionViewportPosition(underflowColumn) + header->sectionSize(underflowColumn) / 2,
                  header->height() / 2);
  QTest::mouseClick(header->viewport(), Qt::LeftButton, {}, at);
  if (table->horizontalHeader()->sortIndicatorOrder() != Qt::DescendingOrder)
    QTest::mouseClick(header->viewport(), Qt::LeftButton, {}, at);
  LOUPE_WAIT_EQ(table->item(0, 0)->text(), QString("gradients"), 3000);
  EXPECT_EQ(header->sortIndicatorSection(), underflowColumn);
  for (int row = 1; row < 3; ++row)
    EXPECT_GE(table->item(row - 1, underflowColumn)->data(Qt::DisplayRole).toDouble(),
              table->item(row, underflowColumn)->data(Qt::DisplayRole).toDouble());
  int activationsRow = -1;
  for (int row = 0; row < 3; ++row)
    if (table->item(row, 0)->text() == "activations") activationsRow = row;
  ASSERT_GE(activationsRow, 0);
  EXPECT_GT(table->item(activationsRow, overflowColumn)->data(Qt::DisplayRole).toDouble(), 1.0);  // σ = 3e4
  // Click the gradients row (row 0, the npz's step 1): its histogram, fp16's ranges shaded.
  const int gradientsRow = 0;
  QTest::mouseClick(table->viewport(), Qt::LeftButton, {},
                    table->visualItemRect(table->item(gradientsRow, 1)).center());
  LOUPE_WAIT_EQ(panel->shownStep().value_or(-1), 1, 3000);  // the npz's second tensor
  const QStringList bands = panel->histogram()->seriesNames();
  for (const char* b : {"underflows to 0", "subnormal", "normal", "overflows"})
    EXPECT_TRUE(bands.contains(b)) << bands.join(", ").toStdString();
  EXPECT_GT(table->item(gradientsRow, 3)->data(Qt::DisplayRole).toDouble(), 1.0);  // fp16 underflow %
  testing::saveScreenshot(window, "precision-histogram.png");
  // E4M3's smallest subnormal is 2^-9: far more of the gradients underflow than in fp16.
  const double fp16Underflow = table->item(gradientsRow, underflowColumn)->data(Qt::DisplayRole).toDouble();
  panel->formatChoice()->setCurrentText("e4m3");
  double e4m3Underflow = 0;
  for (int row = 0; row < 3; ++row)
    if (table->item(row, 0)->text() == "gradients")
      e4m3Underflow = table->item(row, underflowColumn)->data(Qt::DisplayRole).toDouble();
  EXPECT_GT(e4m3Underflow, fp16Underflow + 10.0);
  LOUPE_WAIT_TRUE(panel->histogram()->seriesNames().contains("normal"), 3000);

  ASSERT_TRUE(window.openRun(2));
  const QStringList losses = panel->lossChart()->seriesNames();
  for (const char* c : {"fp32 loss", "fp16 loss", "fp16_scaled loss", "bf16 loss"})
    EXPECT_TRUE(losses.contains(c)) << losses.join(", ").toStdString();
  EXPECT_TRUE(panel->scaleChart()->seriesNames().contains("fp16_scaled loss scale"));
  EXPECT_TRUE(panel->underflowChart()->seriesNames().contains("fp16 lost"));
  testing::saveScreenshot(window, "precision-training.png");
}

}  // namespace
}  // namespace loupe

namespace loupe {
namespace {

// The shipped model through the formats, from the demo's recipe: every
// weight and every captured activation is a row; sorted by e4m3 underflow
// (clicked, as a user does), then the residual stream of the last layer
// picked: its histogram with e4m3's ranges.
TEST(PrecisionPanel, AModelsWeightsAndActivationsInTheTable) {
  KindRegistry kinds;
  registerBuiltinKinds(kinds);
  PanelRegistry panels;
  registerBuiltinPanels(panels);
  testing::TempDir dir;
  {
    Store store(dir / "m.sqlite");
    const std::string recipe = testing::readFile(std::filesystem::path(LOUPE_TEST_SOURCE_DIR).parent_path() /
                                                 "experiments" / "recipes" / "precision-model-tensors.json");
    const auto r = testing::recordRun(store, kinds, recipe);
    ASSERT_EQ(r.status, RunStatus::Finished) << r.error;
  }
  MainWindow window(kinds, panels);
  ASSERT_TRUE(testing::showWindowOn(window, dir / "m.sqlite"));
  auto* panel = testing::openRunIn<PrecisionPanel>(window, 1);
  ASSERT_NE(panel, nullptr);
  QTableWidget* table = panel->tensorTable();
  ASSERT_EQ(table->rowCount(), 62);
  panel->formatChoice()->setCurrentText("e4m3");
  int residual = -1;
  for (int row = 0; row < table->rowCount(); ++row)
    if (table->item(row, 0)->text() == "activations.layers.3.residual") residual = row;
  ASSERT_GE(residual, 0);
  QTest::mouseClick(table->viewport(), Qt::LeftButton, {}, table->visualItemRect(table->item(residual, 1)).center());
  LOUPE_WAIT_TRUE(panel->shownStep().has_value() && *panel->shownStep() == 61, 3000);
  EXPECT_TRUE(panel->histogram()->seriesNames().contains("normal"));
  testing::saveScreenshot(window, "precision-model.png");
}

}  // namespace
}  // namespace loupe
