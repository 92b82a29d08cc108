// 2-D charts on Qt Charts: multi-series lines (linear or log axes), scatter,
// histograms with vertical reference lines and shaded bands, and a movable
// vertical marker (the current step during replay). Legends and axis titles
// always on. The chart is rebuilt from the data it holds on every change,
// which keeps axes consistent; fine for the thousands of points panels plot.
//
// Threading: GUI thread only.
#pragma once

#include <QChartView>
#include <QColor>
#include <QPointF>
#include <QString>
#include <QStringList>
#include <map>
#include <optional>
#include <vector>

namespace loupe {

class ChartView : public QChartView {
  Q_OBJECT

 public:
  explicit ChartView(QWidget* parent = nullptr);

  void clear();
  void setTitles(const QString& title, const QString& xTitle, const QString& yTitle);
  void setLogAxes(bool logX, bool logY);  // non-positive values are left out on a log axis
  // color invalid: the chart's palette; dashed lines tell a second run apart.
  void addLine(const QString& name, std::vector<QPointF> points, const QColor& color = QColor(),
               Qt::PenStyle style = Qt::SolidLine);
  void addScatter(const QString& name, std::vector<QPointF> points, const QColor& color = QColor());
  // Bars between consecutive edges (edges.size() == counts.size() + 1).
  void setHistogram(const QString& name, std::vector<double> edges, std::vector<double> counts);
  void addReferenceLine(double x, const QString& label, const QColor& color = QColor(220, 60, 60));
  void addBand(double x0, double x1, const QString& label, const QColor& color = QColor(255, 180, 0, 60));
  void setMarker(std::optional<double> x);  // the replay cursor
  // Vertical bars centre ± half-width at each point (no legend entry; on a
  // log axis a bar reaching zero or below stops at a tenth of its centre).
  void addErrorBars(std::vector<QPointF> centres, std::vector<double> halfWidths, const QColor& color = QColor());
  // Labels x = 0, 1, 2 … (a categorical axis); empty: a numeric x axis.
  void setXCategories(const QStringList& labels);

  int seriesCount() const;
  QStringList seriesNames() const;  // in the order added

  // Adds named series; names "A x" and "B x" (two runs compared) share a
  // colour per x, B dashed. Topic-free: the names are just labels.
  void addSeriesPairs(const std::map<QString, std::vector<QPointF>>& series);

 private:
  void rebuild();

  struct Series {
    QString name;
    std::vector<QPointF> points;
    bool scatter = false;
    QColor color;
    Qt::PenStyle style = Qt::SolidLine;
  };
  struct Reference {
    double x0, x1;
    QString label;
    QColor color;
  };
  QString m_title, m_xTitle, m_yTitle;
  bool m_logX = false, m_logY = false;
  std::vector<Series> m_series;
  std::vector<double> m_edges, m_counts;
  QString m_histName;
  std::vector<Reference> m_lines, m_bands;
  std::optional<double> m_marker;
  struct ErrorBar {
    QPointF centre;
    double halfWidth;
    QColor color;
  };
  std::vector<ErrorBar> m_errorBars;
  QStringList m_xCategories;
};

}  // namespace loupe
