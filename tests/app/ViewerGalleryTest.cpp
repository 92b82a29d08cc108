// Every viewer with sample data, looked at as pixels: each must draw more
// than one colour at its size, react to input where it has any, and export.
// With LOUPE_SCREENSHOT_DIR set, the gallery images for the README are saved.
#include <gtest/gtest.h>

#include <QApplication>
#include <QSignalSpy>
#include <QTest>
#include <cmath>
#include <set>

#include "tests/app/GuiShots.h"
#include "tests/app/GuiWait.h"
#include "tests/support/TestHelpers.h"
#include "viewers/ChartView.h"
#include "viewers/FigureExport.h"
#include "viewers/GlProbe.h"
#include "viewers/HeatmapView.h"
#include "viewers/TileGridView.h"
#include "viewers/TimelineScrubber.h"
#include "viewers/TreeGraphView.h"
#include "viewers/VtkView.h"

namespace loupe {
namespace {

QImage shoot(QWidget* view, const QString& name, QSize size = QSize(640, 420)) {
  view->resize(size);
  view->show();
  EXPECT_TRUE(QTest::qWaitForWindowExposed(view));
  QTest::qWait(50);
  const QImage image = renderFigure(view);
  const QByteArray dir = qgetenv("LOUPE_SCREENSHOT_DIR");
  if (!dir.isEmpty()) image.save(QString::fromUtf8(dir) + "/" + name + ".png");
  return image;
}

TEST(ViewerGallery, LineChartWithLogAxesAndScatter) {
  ChartView chart;
  chart.setTitles("Attention time vs sequence length", "N", "ms");
  chart.setLogAxes(true, true);
  std::vector<QPointF> quadratic, linear, measured;
  for (int n = 256; n <= 16384; n *= 2) {
    quadratic.emplace_back(n, 1e-6 * n * n);
    linear.emplace_back(n, 2e-3 * n);
    measured.emplace_back(n, 1.1e-6 * n * n + 0.5);
  }
  chart.addLine("O(N²)", quadratic);
  chart.addLine("O(N)", linear);
  chart.addScatter("measured", measured);
  chart.addLine("has a zero", {{0, 1}, {1, 0}});  // left out on log axes, not a crash
  const QImage image = shoot(&chart, "chart-lines");
  EXPECT_EQ(image.size(), chart.size() * chart.devicePixelRatio());
  EXPECT_GT(testing::distinctColours(image), 20);
  EXPECT_EQ(chart.seriesCount(), 4);
}

TEST(ViewerGallery, HistogramWithReferenceLinesAndBands) {
  ChartView chart;
  chart.setTitles("fp16 exponent histogram", "log2 |x|", "count");
  std::vector<double> edges, counts;
  for (int e = -30; e <= 20; ++e) edges.push_back(e);
  for (int e = -30; e < 20; ++e) counts.push_back(1000 * std::exp(-0.02 * (e + 3) * (e + 3)));
  chart.setHistogram("tensor", edges, counts);
  chart.addBand(-24, -14, "subnormal");
  chart.addReferenceLine(15.999, "fp16 max");
  chart.addReferenceLine(-14, "min normal", QColor(40, 160, 60));
  const QImage image = shoot(&chart, "chart-histogram");
  EXPECT_GT(testing::distinctColours(image), 20);
  testing::TempDir dir;
  for (const char* ext : {"png", "svg", "pdf"}) {
    const QString path = QString::fromStdString((dir / ("h." + std::string(ext))).string());
    exportFigure(&chart, path);
    EXPECT_GT(QFileInfo(path).size(), 500) << ext;
  }
}

TEST(ViewerGallery, HeatmapImage) {
  HeatmapView heat;
  std::vector<float> v(48 * 64);
  for (int r = 0; r < 48; ++r)
    for (int c = 0; c < 64; ++c)
      v[r * 64 + c] = static_cast<float>(std::exp(-0.002 * ((r - 24) * (r - 24) + (c - 30) * (c - 30))));
  v[5] = NAN;
  heat.setData(48, 64, v, "attention map (softmax row-normalised)");
  EXPECT_GT(testing::distinctColours(shoot(&heat, "heatmap")), 20);
}

TEST(ViewerGallery, TreeDrawerHighlightsAPathAndReportsClicks) {
  if (!probeOpenGl().usable) GTEST_SKIP() << probeOpenGl().description.toStdString();
  TreeGraphView tree;
  std::vector<TreeNode> nodes = {{-1, "root", QColor(200, 200, 200)}};
  // A Medusa-like tree: 3 top-1..3 heads, each with 2 children.
  for (int a = 0; a < 3; ++a) {
    nodes.push_back({0, QString("t%1").arg(a), QColor(90, 140, 200)});
    const int parent = static_cast<int>(nodes.size()) - 1;
    for (int b = 0; b < 2; ++b) nodes.push_back({parent, QString("t%1.%2").arg(a).arg(b), QColor(120, 180, 120)});
  }
  tree.setTree(nodes, {0, 1, 3}, "accepted path: root > t0 > t0.1");
  const QImage image = shoot(&tree, "tree");
  EXPECT_GT(testing::distinctColours(image), 8);
  QSignalSpy spy(&tree, &TreeGraphView::nodeClicked);
  QTest::mouseMove(&tree, tree.nodeCenter(4).toPoint());
  QTest::qWait(30);
  QTest::mouseClick(&tree, Qt::LeftButton, {}, tree.nodeCenter(4).toPoint());
  LOUPE_WAIT_EQ(spy.count(), 1, 5000);
  EXPECT_EQ(spy.at(0).at(0).toInt(), 4);
}

TEST(ViewerGallery, HeightFieldSurfaceAndPointPick) {
  if (!probeOpenGl().usable) GTEST_SKIP() << probeOpenGl().description.toStdString();
  VtkView view;
  std::vector<float> heights(60 * 80);
  for (int r = 0; r < 60; ++r)
    for (int c = 0; c < 80; ++c) heights[r * 80 + c] = static_cast<float>(std::sin(0.15 * r) * std::cos(0.1 * c));
  view.setHeightField(heights.data(), 60, 80, "h");
  EXPECT_GT(testing::distinctColours(shoot(&view, "vtk-surface")), 20);

  // One point in the middle of the view: a click on it reports its coordinates.
  const float xyz[] = {0.25f, -0.5f, 1.0f};
  view.setPoints(xyz, 1);
  view.setPointSize(12);
  QTest::qWait(50);
  QSignalSpy spy(&view, &VtkView::pointPicked);
  QTest::mouseClick(&view, Qt::LeftButton, {}, QPoint(view.width() / 2, view.height() / 2));
  ASSERT_EQ(spy.count(), 1);
  EXPECT_EQ(spy.at(0).at(0).toLongLong(), 0);
  EXPECT_FLOAT_EQ(spy.at(0).at(1).toDouble(), 0.25);
  EXPECT_FLOAT_EQ(spy.at(0).at(2).toDouble(), -0.5);
  EXPECT_FLOAT_EQ(spy.at(0).at(3).toDouble(), 1.0);
}

// 128 × 128 cells are too small for per-cell rectangles: the texture path.
TEST(ViewerGallery, LargeTileGridDrawsAndSelects) {
  if (!probeOpenGl().usable) GTEST_SKIP() << probeOpenGl().description.toStdString();
  TileGridView grid;
  std::vector<float> v(128 * 128);
  for (int r = 0; r < 128; ++r)
    for (int c = 0; c < 128; ++c) v[r * 128 + c] = static_cast<float>(r <= c ? std::exp(-0.03 * (c - r)) : NAN);
  std::vector<std::uint8_t> marks(128 * 128, TileGridView::None);
  marks[10 * 128 + 100] = TileGridView::Cross;
  grid.setGrid(128, 128, v, "causal mask, decaying");
  grid.setMarks(marks, "marked");
  const QImage image = shoot(&grid, "tile-grid-large", QSize(640, 600));
  EXPECT_GT(testing::distinctColours(image), 20);
  QSignalSpy spy(&grid, &TileGridView::cellSelected);
  const QPoint at = grid.cellCenter(40, 90).toPoint();
  QTest::mouseMove(&grid, at);
  QTest::qWait(30);
  QTest::mouseClick(&grid, Qt::LeftButton, {}, at);
  LOUPE_WAIT_EQ(spy.count(), 1, 5000);
  EXPECT_EQ(spy.at(0).at(0).toInt(), 40);
  EXPECT_EQ(spy.at(0).at(1).toInt(), 90);
  EXPECT_FLOAT_EQ(spy.at(0).at(2).toDouble(), static_cast<float>(std::exp(-0.03 * 50)));
}

TEST(ViewerGallery, TimelineScrubberPlaysAndJumps) {
  TimelineScrubber scrubber;
  scrubber.setSteps({0, 10, 20, 30, 40});
  QSignalSpy spy(&scrubber, &TimelineScrubber::positionChanged);
  scrubber.jumpToStep(25);  // nearest recorded step at or after 25
  EXPECT_EQ(scrubber.position(), 3);
  scrubber.setPosition(0);
  scrubber.setPlaying(true);
  LOUPE_WAIT_EQ(scrubber.position(), 4, 3000);
  LOUPE_WAIT_TRUE(!scrubber.playing(), 5000);  // stops at the end
  // With recorded times, playback follows them: 0.5 s then 0.02 s apart.
  scrubber.setStepTimes({0.0, 0.5, 0.52, 0.54, 0.56});
  EXPECT_EQ(scrubber.playbackInterval(0), 500);
  EXPECT_EQ(scrubber.playbackInterval(1), 20);
  shoot(&scrubber, "timeline", QSize(640, 44));
}

}  // namespace
}  // namespace loupe

int main(int argc, char** argv) {
  loupe::setDefaultGlFormat();
  QApplication app(argc, argv);
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
