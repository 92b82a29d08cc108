// The sweep panel as a user meets it: a 12-point sweep (attention.scaling
// over N × causal, two seeds) run by `loupe sweep` on the local backend and
// merged into the database; the workbench opens it in the Sweeps tab, plots
// tiled_max_error against N grouped by causal (log axes, error bars over
// the seeds: the chart's points are sweepPlot's means), shows parallel
// coordinates and selects the point clicked, opens a point's run with a
// double-click in the table, exports the plot, writes the sweep report —
// which headless Chromium renders to a screenshot that is not blank — and
// sweeps a parameter of a run ("Sweep…") as a new local sweep.
#include <gtest/gtest.h>

#include <QAbstractItemView>
#include <QImage>
#include <QLineSeries>
#include <QPushButton>
#include <QTableWidget>
#include <QTest>
#include <QXYSeries>
#include <fstream>

#include "app/workbench/ExperimentBrowser.h"
#include "app/workbench/MainWindow.h"
#include "panels/sweep/SweepPanel.h"
#include "tests/app/GuiShots.h"
#include "tests/app/GuiWindow.h"
#include "tests/support/TestHelpers.h"
#include "viewers/ChartView.h"
#include "viewers/FigureExport.h"
#include "viewers/ParallelCoordinatesView.h"

namespace loupe {
namespace {

namespace fs = std::filesystem;

constexpr const char* kSpec = R"({"name": "tiled attention error against N, causal or not, 2 seeds",
  "base": {"kind": "attention.scaling", "params": {"d": 16, "error_up_to": 512}},
  "grid": {"lengths": [[128], [256], [512]], "causal": [false, true], "seed": [1, 2]}})";

// The line series named `name` in the chart, as points.
QList<QPointF> linePoints(ChartView* chart, const QString& name) {
  for (QAbstractSeries* s : chart->chart()->series())
    if (s->name() == name && s->type() == QAbstractSeries::SeriesTypeLine) return static_cast<QXYSeries*>(s)->points();
  return {};
}

TEST(SweepPanelGui, AMergedSweepIsPlottedOpenedReportedAndSweptAgain) {
  KindRegistry kinds;
  PanelRegistry panels;
  registerBuiltinKinds(kinds);
  registerBuiltinPanels(panels);
  testing::TempDir dir;
  const fs::path db = dir / "sweeps.sqlite";
  testing::writeFile(dir / "spec.json", kSpec);
  const auto made = testing::runProcess({LOUPE_CLI, "sweep", (dir / "spec.json").string(), "--db", db.string()});
  ASSERT_EQ(made.exitCode, 0) << made.err;

  MainWindow window(kinds, panels);
  ASSERT_TRUE(testing::showWindowOn(window, db));
  SweepPanel* panel = window.sweepPanel();
  ASSERT_NE(panel->currentSweep(), 0) << panel->status().toStdString();
  ASSERT_EQ(panel->table().rows.size(), 12u);
  EXPECT_EQ(panel->pointsTable()->rowCount(), 12);
  for (const SweepRow& row : panel->table().rows) EXPECT_EQ(row.status, "finished") << row.point;
  panel->parentWidget()->show();
  panel->parentWidget()->raise();

  // Metric against N, grouped by causal, log-log, error bars over seeds.
  ASSERT_TRUE(panel->setPlot("tiled_max_error", "params.lengths", "params.causal"));
  panel->setLogAxes(true, true);
  const SweepPlot expected = sweepPlot(panel->table(), "tiled_max_error", "params.lengths", "params.causal");
  ASSERT_EQ(expected.curves.size(), 2u);
  int bars = 0;
  for (QAbstractSeries* s : panel->plot()->chart()->series()) {
    if (s->type() != QAbstractSeries::SeriesTypeLine) continue;
    const QList<QPointF> p = static_cast<QXYSeries*>(s)->points();
    bars += p.size() == 2 && p[0].x() == p[1].x() && p[0].y() < p[1].y();  // a vertical bar
  }
  EXPECT_GT(bars, 0);  // seeds differ: error bars drawn
  for (const SweepCurve& c : expected.curves) {
    const QList<QPointF> shown = linePoints(panel->plot(), "causal = " + QString::fromStdString(c.group));
    ASSERT_EQ(shown.size(), static_cast<qsizetype>(c.points.size())) << c.group;
    for (std::size_t i = 0; i < c.points.size(); ++i) {
      EXPECT_DOUBLE_EQ(shown[static_cast<qsizetype>(i)].x(), c.points[i].x);
      EXPECT_DOUBLE_EQ(shown[static_cast<qsizetype>(i)].y(), c.points[i].mean);
      EXPECT_EQ(c.points[i].n, 2);
    }
  }
  QTest::qWait(300);
  testing::saveScreenshot(window, "sweep-plot.png");
  EXPECT_GT(testing::distinctColours(panel->plot()->grab().toImage()), 20);
  ASSERT_TRUE(panel->exportFigure(QString::fromStdString((dir / "plot.png").string())))
      << panel->status().toStdString();
  EXPECT_GT(QImage(QString::fromStdString((dir / "plot.png").string())).width(), 100);
  ASSERT_TRUE(panel->exportFigure(QString::fromStdString((dir / "plot.svg").string())));  // a vector figure
  EXPECT_NE(testing::readFile(dir / "plot.svg").find("<svg"), std::string::npos);
  EXPECT_FALSE(panel->exportFigure(QString::fromStdString((dir / "plot.xyz").string())));
  EXPECT_TRUE(panel->status().contains("unknown figure format")) << panel->status().toStdString();

  // Parallel coordinates: 12 lines over N, causal, seed and the metric;
  // a click on a line selects its point in the table.
  panel->showParallelCoordinates(true);
  QTest::qWait(200);
  ParallelCoordinatesView* pc = panel->parallel();
  EXPECT_EQ(pc->lineCount(), 12);
  EXPECT_EQ(pc->axisCount(), 4);
  const QPointF a = pc->linePoint(5, 2), b = pc->linePoint(5, 3);
  QTest::mouseClick(pc, Qt::LeftButton, {}, ((a + b) / 2).toPoint());
  ASSERT_GE(pc->selectedLine(), 0);
  const auto selected = panel->pointsTable()->selectionModel()->selectedRows();
  ASSERT_EQ(selected.size(), 1);
  const ParallelCoordinates lines = parallelCoordinates(panel->table(), "tiled_max_error");
  EXPECT_EQ(panel->pointsTable()->item(selected[0].row(), 0)->data(Qt::UserRole).toLongLong(),
            lines.points[static_cast<std::size_t>(pc->selectedLine())]);
  testing::saveScreenshot(window, "sweep-parallel.png");
  EXPECT_GT(testing::distinctColours(pc->grab().toImage()), 20);

  // Double-click point 4's row: its run opens in the attention panel.
  const std::int64_t run4 = panel->table().rows[4].run;
  QTableWidget* table = panel->pointsTable();
  int row4 = -1;
  for (int r = 0; r < table->rowCount(); ++r)
    if (table->item(r, 0)->data(Qt::UserRole).toLongLong() == 4) row4 = r;
  ASSERT_GE(row4, 0);
  table->scrollToItem(table->item(row4, 0));
  const QRect cell = table->visualItemRect(table->item(row4, 0));
  // A real double-click is press, release, press, double-click, release;
  // QTest's mouseDClick sends only the second half.
  QTest::mouseClick(table->viewport(), Qt::LeftButton, {}, cell.center());
  QTest::mouseDClick(table->viewport(), Qt::LeftButton, {}, cell.center());
  ASSERT_NE(window.activePanel(), nullptr);
  EXPECT_EQ(window.activePanel()->currentRun(), run4) << window.logText().toStdString();

  // The sweep report, rendered by a real browser.
  const fs::path report = dir / "sweep-report.html";
  ASSERT_TRUE(window.exportSweepReport(panel->currentSweep(), QString::fromStdString(report.string())))
      << window.logText().toStdString();
  const std::string html = testing::readFile(report);
  EXPECT_NE(html.find("tiled attention error against N"), std::string::npos);
  EXPECT_NE(html.find("data:image/png;base64,"), std::string::npos);
  const fs::path shot = dir / "report.png";
  const auto browser =
      testing::runProcess({"chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                           "--hide-scrollbars", "--user-data-dir=" + (dir / "chromium-profile").string(),
                           "--window-size=1280,2000", "--screenshot=" + shot.string(), "file://" + report.string()});
  ASSERT_EQ(browser.exitCode, 0) << "headless Chromium (Debian's chromium, from make test's set-up): " << browser.err;
  const QImage page(QString::fromStdString(shot.string()));
  ASSERT_FALSE(page.isNull()) << shot;
  int inked = 0, total = 0;
  for (int y = 0; y < page.height(); y += 4)
    for (int x = 0; x < page.width(); x += 4, ++total) inked += qGray(page.pixel(x, y)) < 200;
  EXPECT_GT(testing::distinctColours(page, 4), 50) << "the report rendered blank";
  EXPECT_GT(inked, total / 50) << "the report rendered (nearly) blank";
  if (const QByteArray out = qgetenv("LOUPE_SCREENSHOT_DIR"); !out.isEmpty())
    page.save(QString::fromUtf8(out) + "/sweep-report-chromium.png");

  // "Sweep…" on a run: d over [16, 32] as a new local sweep of two points.
  ExperimentBrowser* browserPanel = window.browser();
  browserPanel->selectRuns({run4});
  EXPECT_TRUE(browserPanel->findChild<QPushButton*>("sweepButton")->isEnabled());
  const std::int64_t before = panel->currentSweep();
  ASSERT_TRUE(window.sweepParameter(run4, "d", "[16, 32]")) << window.logText().toStdString();
  ASSERT_TRUE(QTest::qWaitFor([&] { return !window.sweepRunning(); }, 120000));
  ASSERT_NE(panel->currentSweep(), before) << window.logText().toStdString();
  ASSERT_EQ(panel->table().rows.size(), 2u);
  for (const SweepRow& row : panel->table().rows) {
    EXPECT_EQ(row.status, "finished");
    const RunInfo r = window.store()->getRun(row.run);
    EXPECT_EQ(r.recipe["params"]["d"], row.values["params.d"]);
    // The rest is run 4's recipe.
    const RunInfo base = window.store()->getRun(run4);
    for (const char* p : {"lengths", "causal", "error_up_to"})
      EXPECT_EQ(r.recipe["params"][p], base.recipe["params"][p]) << p;
    EXPECT_EQ(r.recipe["seed"], base.recipe["seed"]);
  }
  EXPECT_FALSE(window.sweepParameter(run4, "d", "16, 32"));  // not a JSON list: refused, said why
  EXPECT_NE(window.logText().indexOf("is not a JSON list"), -1);
  EXPECT_FALSE(window.sweepParameter(run4, "no_such_param", "[1]"));
  EXPECT_NE(window.logText().indexOf("no_such_param"), -1);
}

}  // namespace
}  // namespace loupe
