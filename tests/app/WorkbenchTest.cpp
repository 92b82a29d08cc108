// The workbench driven as a person would, under Xvfb (ctest label "gui"):
// open a recorded run from the browser, scrub, export figures and a report,
// rotate the 3-D view with a drag, click a tile, run a recipe live.
// Expected values come from the test kind's closed forms, not from the app.
#include <gtest/gtest.h>
#include <unistd.h>

#include <QApplication>
#include <QComboBox>
#include <QFile>
#include <QLabel>
#include <QPainter>
#include <QSignalSpy>
#include <QSlider>
#include <QSvgRenderer>
#include <QTabWidget>
#include <QTableView>
#include <QTest>
#include <csignal>
#include <set>

#include "app/workbench/ExperimentBrowser.h"
#include "app/workbench/MainWindow.h"
#include "experiments/Recipe.h"
#include "panels/generic/GenericPanel.h"
#include "tests/app/GuiShots.h"
#include "tests/app/GuiWait.h"
#include "tests/app/GuiWindow.h"
#include "tests/support/RecordRun.h"
#include "tests/support/TestHelpers.h"
#include "tests/support/TestKinds.h"
#include "viewers/ChartView.h"
#include "viewers/GlProbe.h"
#include "viewers/TileGridView.h"
#include "viewers/TimelineScrubber.h"
#include "viewers/VtkView.h"

namespace loupe {
namespace {

double differingFraction(const QImage& a, const QImage& b) {
  if (a.size() != b.size()) return 1.0;
  long differ = 0;
  for (int y = 0; y < a.height(); ++y)
    for (int x = 0; x < a.width(); ++x) differ += a.pixel(x, y) != b.pixel(x, y);
  return static_cast<double>(differ) / (a.width() * a.height());
}

class WorkbenchTest : public ::testing::Test {
 protected:
  WorkbenchTest() {
    testing::registerTestKinds(kinds);
    registerBuiltinPanels(panels);
    db = (dir / "gui.sqlite").string();
    record(R"({"kind": "test.series", "name": "recorded", "params": {"steps": 12, "array_len": 2000}})");
    window = std::make_unique<MainWindow>(kinds, panels);
    EXPECT_TRUE(testing::showWindowOn(*window, db));
  }

  std::int64_t record(const std::string& recipeJson, RunStatus expected = RunStatus::Finished) {
    Store store(db);
    const auto r = testing::recordRun(store, kinds, recipeJson, "1.0");
    EXPECT_EQ(r.status, expected);
    return r.run;
  }

  // A run's committed steps as the window's store sees them; -1 while the
  // child process has not created it yet.
  std::int64_t committedSteps(std::int64_t run) {
    const auto info = window->store()->findRun(run);
    return info ? info->stepCount : -1;
  }

  GenericPanel* openFromBrowser(std::int64_t run) {
    QTableView* table = window->browser()->table();
    for (int row = 0; row < table->model()->rowCount(); ++row) {
      const QModelIndex index = table->model()->index(row, 0);
      if (index.data(Qt::UserRole).toLongLong() != run) continue;
      table->scrollTo(index);
      // A real double-click is press, release, press, double-click, release;
      // QTest's mouseDClick sends only the second half.
      const QPoint at = table->visualRect(index).center();
      QTest::mouseClick(table->viewport(), Qt::LeftButton, {}, at);
      QTest::mouseDClick(table->viewport(), Qt::LeftButton, {}, at);
      QApplication::processEvents();
      if (window->activePanel()->currentRun() != run) {
        ADD_FAILURE() << "double-click at " << table->visualRect(index).center().x() << ","
                      << table->visualRect(index).center().y() << " visible " << table->isVisible() << " log "
                      << window->logText().toStdString();
      }
      return dynamic_cast<GenericPanel*>(window->activePanel());
    }
    return nullptr;
  }

  void selectArray(GenericPanel* panel, const QString& name) {
    auto* combo = panel->findChild<QComboBox*>("arrayChoice");
    combo->setCurrentIndex(combo->findText(name));
    QTest::qWait(50);
  }

  testing::TempDir dir;
  std::string db;
  KindRegistry kinds;
  PanelRegistry panels;
  std::unique_ptr<MainWindow> window;
};

TEST_F(WorkbenchTest, OpenFromBrowserAndScrub) {
  GenericPanel* panel = openFromBrowser(1);
  ASSERT_NE(panel, nullptr);
  EXPECT_EQ(panel->currentRun(), 1);
  ASSERT_EQ(panel->shownStep(), 0);
  EXPECT_EQ(panel->scrubber()->count(), 12);

  // Keyboard on the slider, as a user scrubbing would.
  auto* slider = panel->scrubber()->findChild<QSlider*>("timelineSlider");
  slider->setFocus();
  for (int i = 0; i < 7; ++i) QTest::keyClick(slider, Qt::Key_Right);
  EXPECT_EQ(panel->shownStep(), 7);
  auto* values = panel->findChild<QLabel*>("stepValues");
  EXPECT_TRUE(values->text().contains("square = 49")) << values->text().toStdString();
  panel->scrubber()->jumpToStep(11);
  EXPECT_EQ(panel->shownStep(), 11);
  EXPECT_TRUE(values->text().contains("square = 121"));
  QTest::keyClick(slider, Qt::Key_Home);
  EXPECT_EQ(panel->shownStep(), 0);
  testing::saveScreenshot(*window, "main-window.png");
}

TEST_F(WorkbenchTest, ExportsFiguresAndReport) {
  GenericPanel* panel = openFromBrowser(1);
  ASSERT_NE(panel, nullptr);
  panel->scrubber()->setPosition(3);
  selectArray(panel, "grid");
  const QString out = QString::fromStdString(dir.path().string());

  ASSERT_TRUE(window->exportFigure("metrics", out + "/metrics.png"));
  QImage png(out + "/metrics.png");
  ASSERT_FALSE(png.isNull());
  EXPECT_EQ(png.size(), panel->metricsChart()->size());
  EXPECT_GT(testing::distinctColours(png), 8);

  ASSERT_TRUE(window->exportFigure("metrics", out + "/metrics.svg"));
  QSvgRenderer svg(out + "/metrics.svg");
  ASSERT_TRUE(svg.isValid());
  QImage fromSvg(panel->metricsChart()->size(), QImage::Format_ARGB32);
  fromSvg.fill(Qt::white);
  QPainter painter(&fromSvg);
  svg.render(&painter);
  painter.end();
  EXPECT_GT(testing::distinctColours(fromSvg), 8);

  ASSERT_TRUE(window->exportFigure("metrics", out + "/metrics.pdf"));
  QFile pdf(out + "/metrics.pdf");
  ASSERT_TRUE(pdf.open(QIODevice::ReadOnly));
  const QByteArray pdfBytes = pdf.readAll();
  EXPECT_TRUE(pdfBytes.startsWith("%PDF-"));
  EXPECT_TRUE(pdfBytes.trimmed().endsWith("%%EOF"));
  // Poppler (pdftoppm) renders it to a non-blank page.
  const auto rendered = testing::runProcess({"pdftoppm", "-png", "-r", "50", "-singlefile",
                                             (out + "/metrics.pdf").toStdString(), (out + "/pdfpage").toStdString()});
  ASSERT_EQ(rendered.exitCode, 0) << rendered.err;
  EXPECT_GT(testing::distinctColours(QImage(out + "/pdfpage.png")), 4);

  if (probeOpenGl().usable) {
    ASSERT_TRUE(window->exportFigure("array-grid", out + "/grid.png"));
    QImage grid(out + "/grid.png");
    EXPECT_EQ(grid.size(), panel->tileGrid()->size() * panel->tileGrid()->devicePixelRatio());
    EXPECT_GT(testing::distinctColours(grid), 8);
  }
  ASSERT_TRUE(window->exportFigure("array-image", out + "/image.svg"));
  EXPECT_TRUE(QSvgRenderer(out + "/image.svg").isValid());
  EXPECT_FALSE(window->exportFigure("no-such-figure", out + "/x.png"));
  EXPECT_FALSE(window->exportFigure("metrics", out + "/metrics.bmpx"));

  ASSERT_TRUE(window->exportReport({1}, out + "/report.html"));
  QFile html(out + "/report.html");
  ASSERT_TRUE(html.open(QIODevice::ReadOnly));
  const QString text = QString::fromUtf8(html.readAll());
  EXPECT_TRUE(text.contains("<h2>Run 1: recorded</h2>"));
  EXPECT_TRUE(text.contains("<td class=l>array_len</td><td class=l>2000</td>"));
  EXPECT_TRUE(text.contains("<td class=l>square</td><td>12</td><td>0</td><td>121</td>"));  // closed form k², k < 12
  const int figures = static_cast<int>(text.count("data:image/png;base64,"));
  EXPECT_GE(figures, 2);
  const int start = static_cast<int>(text.indexOf("data:image/png;base64,")) + 22;
  const QImage first =
      QImage::fromData(QByteArray::fromBase64(text.mid(start, text.indexOf('"', start) - start).toLatin1()));
  EXPECT_GT(testing::distinctColours(first), 8);

  ASSERT_TRUE(window->exportReport({1}, out + "/report.pdf"));
  QFile reportPdf(out + "/report.pdf");
  ASSERT_TRUE(reportPdf.open(QIODevice::ReadOnly));
  EXPECT_TRUE(reportPdf.readAll().startsWith("%PDF-"));
}

TEST_F(WorkbenchTest, DragRotatesThePointCloud) {
  if (!probeOpenGl().usable) GTEST_SKIP() << "no OpenGL: " << probeOpenGl().description.toStdString();
  GenericPanel* panel = openFromBrowser(1);
  ASSERT_NE(panel, nullptr);
  selectArray(panel, "cloud");
  VtkView* view = panel->cloudView();
  ASSERT_TRUE(view->isVisible());
  EXPECT_EQ(view->pointCount(), 2000);
  QTest::qWait(100);
  const QImage before = view->grabImage();
  EXPECT_GT(testing::distinctColours(before), 8);
  const QPoint centre(view->width() / 2, view->height() / 2);
  QTest::mousePress(view, Qt::LeftButton, {}, centre);
  for (int i = 1; i <= 10; ++i) {
    QMouseEvent move(QEvent::MouseMove, QPointF(centre + QPoint(12 * i, 4 * i)),
                     view->mapToGlobal(QPointF(centre + QPoint(12 * i, 4 * i))), Qt::NoButton, Qt::LeftButton,
                     Qt::NoModifier);
    QApplication::sendEvent(view, &move);
  }
  QTest::mouseRelease(view, Qt::LeftButton, {}, centre + QPoint(120, 40));
  QTest::qWait(100);
  const QImage after = view->grabImage();
  EXPECT_GT(differingFraction(before, after), 0.01);
  testing::saveScreenshot(*view, "vtk-view.png");
}

TEST_F(WorkbenchTest, ClickSelectsTheTileUnderTheCursor) {
  if (!probeOpenGl().usable) GTEST_SKIP() << "no OpenGL: " << probeOpenGl().description.toStdString();
  GenericPanel* panel = openFromBrowser(1);
  ASSERT_NE(panel, nullptr);
  panel->scrubber()->setPosition(4);
  selectArray(panel, "grid");
  TileGridView* grid = panel->tileGrid();
  ASSERT_TRUE(grid->isVisible());
  ASSERT_EQ(grid->rows(), 16);
  QSignalSpy spy(grid, &TileGridView::cellSelected);
  QTest::mouseMove(grid, grid->cellCenter(5, 9).toPoint());
  QTest::qWait(50);
  QTest::mouseClick(grid, Qt::LeftButton, {}, grid->cellCenter(5, 9).toPoint());
  LOUPE_WAIT_EQ(spy.count(), 1, 5000);
  EXPECT_EQ(grid->selectedRow(), 5);
  EXPECT_EQ(grid->selectedCol(), 9);
  EXPECT_FLOAT_EQ(spy.at(0).at(2).toDouble(), testing::expectedGrid(4, 5, 9));
  testing::saveScreenshot(*grid, "tile-grid.png");
}

TEST_F(WorkbenchTest, FilterCompareDelete) {
  record(R"({"kind": "test.series", "name": "second", "params": {"steps": 6}})");
  record(R"({"kind": "test.series", "name": "broken", "params": {"steps": 6, "fail_at": 3}})", RunStatus::Failed);
  window->openDatabase(QString::fromStdString(db));
  ExperimentBrowser* browser = window->browser();
  EXPECT_EQ(browser->visibleRunCount(), 3);
  browser->setTextFilter("second");
  EXPECT_EQ(browser->visibleRunCount(), 1);
  browser->setTextFilter("");
  browser->setStatusFilter("failed");
  EXPECT_EQ(browser->visibleRunCount(), 1);
  browser->setStatusFilter("");
  browser->setKindFilter("test.series");
  EXPECT_EQ(browser->visibleRunCount(), 3);

  ASSERT_TRUE(window->compareRuns(1, 2));
  auto* panel = dynamic_cast<GenericPanel*>(window->activePanel());
  EXPECT_EQ(panel->comparedRun(), 2);
  EXPECT_EQ(panel->metricsChart()->seriesCount(), 8 + 1);  // 4 metrics × 2 runs + cursor
  testing::saveScreenshot(*panel, "compare.png");

  ASSERT_TRUE(window->deleteRuns({3}, /*askFirst=*/false));
  EXPECT_EQ(browser->visibleRunCount(), 2);
  EXPECT_FALSE(window->store()->findRun(3).has_value());
  EXPECT_TRUE(window->store()->findRun(1).has_value());
}

TEST_F(WorkbenchTest, LiveRunStreamsIntoThePanelAndCanBeStopped) {
  testing::writeFile(dir / "live.json",
                     R"({"kind": "test.series", "name": "live", "params": {"steps": 30, "sleep_ms": 5}})");
  ASSERT_TRUE(window->startRecipeFile(QString::fromStdString((dir / "live.json").string())));
  LOUPE_WAIT_TRUE(window->logText().contains("run 2 finished"), 20000);
  auto* panel = dynamic_cast<GenericPanel*>(window->activePanel());
  LOUPE_WAIT_EQ(panel->shownStep().value_or(-1), 29, 5000);
  EXPECT_EQ(window->store()->getRun(2).stepCount, 30);

  testing::writeFile(dir / "long.json", R"({"kind": "test.series", "params": {"steps": 100000, "sleep_ms": 2}})");
  ASSERT_TRUE(window->startRecipeFile(QString::fromStdString((dir / "long.json").string())));
  QTest::qWait(300);
  window->stopRun();
  LOUPE_WAIT_TRUE(window->logText().contains("run 3 cancelled"), 20000);
  EXPECT_EQ(window->store()->getRun(3).status, RunStatus::Cancelled);

  // Opening a stored run while another runs live: the live records no longer
  // reach the panel (they would redraw it at the live run's steps).
  testing::writeFile(dir / "busy.json", R"({"kind": "test.series", "params": {"steps": 100000, "sleep_ms": 2}})");
  ASSERT_TRUE(window->startRecipeFile(QString::fromStdString((dir / "busy.json").string())));
  LOUPE_WAIT_TRUE(committedSteps(4) > 20, 10000);  // the child creates the run: it may not exist yet
  ASSERT_TRUE(window->openRun(1));
  QTest::qWait(400);  // live records keep arriving meanwhile
  EXPECT_EQ(window->activePanel()->currentRun(), 1);
  EXPECT_LE(panel->shownStep().value_or(-1), 11);  // run 1's steps are 0 … 11
  window->stopRun();
  LOUPE_WAIT_TRUE(window->logText().contains("run 4 cancelled"), 20000);
  EXPECT_EQ(window->activePanel()->currentRun(), 1);  // its end does not reopen run 4 over it

  testing::writeFile(dir / "bad.json", R"({"kind": "test.series", "params": {"block": 3}})");
  EXPECT_FALSE(window->startRecipeFile(QString::fromStdString((dir / "bad.json").string())));
  EXPECT_TRUE(window->logText().contains("params.block: must be a power of two in [16, 256], got 3"));
}

// The engine runs in a child process: killing it, or an engine that
// segfaults, ends that run only — the window stays up, says what happened,
// shows the steps recorded before, and runs the next recipe.
TEST_F(WorkbenchTest, AKilledOrCrashingEngineProcessLeavesTheWindowUp) {
  testing::writeFile(dir / "long.json", R"({"kind": "test.series", "params": {"steps": 100000, "sleep_ms": 2}})");
  ASSERT_TRUE(window->startRecipeFile(QString::fromStdString((dir / "long.json").string())));
  LOUPE_WAIT_TRUE(committedSteps(2) > 20, 10000);
  const std::int64_t child = window->store()->getRun(2).pid;
  ASSERT_GT(child, 0);
  ASSERT_NE(child, static_cast<std::int64_t>(::getpid()));  // the run was recorded by another process
  ASSERT_EQ(::kill(static_cast<pid_t>(child), SIGKILL), 0);
  LOUPE_WAIT_TRUE(window->logText().contains("run 2 interrupted: the engine process was killed (SIGKILL)"), 10000);
  EXPECT_EQ(window->store()->getRun(2).status, RunStatus::Interrupted);
  EXPECT_TRUE(window->isVisible());
  auto* panel = dynamic_cast<GenericPanel*>(window->activePanel());
  ASSERT_NE(panel, nullptr);
  EXPECT_EQ(panel->currentRun(), 2);  // reopened from the store at its last committed step
  EXPECT_GT(panel->shownStep().value_or(-1), 0);

  testing::writeFile(dir / "crash.json",
                     R"({"kind": "test.series", "params": {"steps": 50, "sleep_ms": 20, "crash_at": 25}})");
  ASSERT_TRUE(window->startRecipeFile(QString::fromStdString((dir / "crash.json").string())));
  LOUPE_WAIT_TRUE(window->logText().contains("run 3 failed: the engine process crashed (SIGSEGV)"), 20000);
  const RunInfo crashed = window->store()->getRun(3);
  EXPECT_EQ(crashed.status, RunStatus::Failed);
  EXPECT_EQ(crashed.error, "the engine process crashed (SIGSEGV)");
  EXPECT_LE(crashed.stepCount, 25);  // steps 0 … 24 at most; none lost that were committed
  testing::saveScreenshot(*window, "engine-crashed.png");
  EXPECT_TRUE(window->isVisible());

  // And the window still runs the next recipe.
  testing::writeFile(dir / "after.json", R"({"kind": "test.series", "params": {"steps": 5}})");
  ASSERT_TRUE(window->startRecipeFile(QString::fromStdString((dir / "after.json").string())));
  LOUPE_WAIT_TRUE(window->logText().contains("run 4 finished"), 20000);
  EXPECT_EQ(window->store()->getRun(4).stepCount, 5);
}

}  // namespace
}  // namespace loupe

namespace loupe {
namespace {

// `loupe report` with no display at all: the CLI hands over to the workbench,
// which starts its own Xvfb.
TEST(ReportCommand, WritesHtmlWithoutADisplay) {
  testing::TempDir dir;
  testing::writeFile(dir / "r.json", R"({"kind": "test.series", "name": "cli report", "params": {"steps": 5}})");
  const std::string db = (dir / "r.sqlite").string();
  ASSERT_EQ(testing::runProcess({LOUPE_TEST_CLI, "run", (dir / "r.json").string(), "--db", db}).exitCode, 0);
  // The product CLI (no test kinds needed to report a stored run).
  const auto r = testing::runProcess({LOUPE_CLI, "report", "last", "--out", (dir / "out.html").string(), "--db", db},
                                     {{"DISPLAY", ""}, {"WAYLAND_DISPLAY", ""}});
  ASSERT_EQ(r.exitCode, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("Report written to " + (dir / "out.html").string()), std::string::npos) << r.out;
  const std::string html = testing::readFile(dir / "out.html");
  EXPECT_NE(html.find("<h2>Run 1: cli report</h2>"), std::string::npos);
  EXPECT_NE(html.find("data:image/png;base64,"), std::string::npos);
  const auto bad = testing::runProcess({LOUPE_CLI, "report", "7", "--out", (dir / "x.html").string(), "--db", db});
  EXPECT_EQ(bad.exitCode, 2);
  EXPECT_NE(bad.err.find("run 7: no such run"), std::string::npos) << bad.err;
}

// Without usable OpenGL (Qt's offscreen platform) the GL views become
// placeholders and the rest works: the report still has its charts.
TEST(ReportCommand, WorksWithoutOpenGl) {
  testing::TempDir dir;
  testing::writeFile(dir / "r.json", R"({"kind": "test.series", "name": "no gl", "params": {"steps": 4}})");
  const std::string db = (dir / "r.sqlite").string();
  ASSERT_EQ(testing::runProcess({LOUPE_TEST_CLI, "run", (dir / "r.json").string(), "--db", db}).exitCode, 0);
  const auto r = testing::runProcess({LOUPE_WORKBENCH, "--db", db, "--report", (dir / "out.html").string(), "1"},
                                     {{"QT_QPA_PLATFORM", "offscreen"}});
  ASSERT_EQ(r.exitCode, 0) << r.out << r.err;
  const std::string html = testing::readFile(dir / "out.html");
  EXPECT_NE(html.find("<h2>Run 1: no gl</h2>"), std::string::npos);
  EXPECT_NE(html.find("Metrics against step"), std::string::npos);
}

}  // namespace
}  // namespace loupe

int main(int argc, char** argv) {
  // The window runs engines in a child `loupe run`: the test CLI, which also
  // knows the test kinds.
  qputenv("LOUPE_CLI", LOUPE_TEST_CLI);
  loupe::setDefaultGlFormat();
  QApplication app(argc, argv);
  QApplication::setOrganizationName("LoupeTests");  // keep the user's QSettings untouched
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
