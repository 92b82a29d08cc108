#include "viewers/ChartView.h"

#include <QAreaSeries>
#include <QCategoryAxis>
#include <QChart>
#include <QLegend>
#include <QLegendMarker>
#include <QLineSeries>
#include <QLogValueAxis>
#include <QScatterSeries>
#include <QValueAxis>
#include <algorithm>
#include <cmath>

namespace loupe {

ChartView::ChartView(QWidget* parent) : QChartView(parent) {
  setRenderHint(QPainter::Antialiasing);
  setMinimumSize(240, 180);
  rebuild();
}

void ChartView::clear() {
  m_series.clear();
  m_edges.clear();
  m_counts.clear();
  m_lines.clear();
  m_bands.clear();
  m_marker.reset();
  m_errorBars.clear();
  m_xCategories.clear();
  rebuild();
}

void ChartView::setTitles(const QString& title, const QString& xTitle, const QString& yTitle) {
  m_title = title;
  m_xTitle = xTitle;
  m_yTitle = yTitle;
  rebuild();
}

void ChartView::setLogAxes(bool logX, bool logY) {
  m_logX = logX;
  m_logY = logY;
  rebuild();
}

void ChartView::addLine(const QString& name, std::vector<QPointF> points, const QColor& color, Qt::PenStyle style) {
  m_series.push_back({name, std::move(points), false, color, style});
  rebuild();
}

void ChartView::addScatter(const QString& name, std::vector<QPointF> points, const QColor& color) {
  m_series.push_back({name, std::move(points), true, color, Qt::SolidLine});
  rebuild();
}

void ChartView::setHistogram(const QString& name, std::vector<double> edges, std::vector<double> counts) {
  m_histName = name;
  m_edges = std::move(edges);
  m_counts = std::move(counts);
  rebuild();
}

void ChartView::addReferenceLine(double x, const QString& label, const QColor& color) {
  m_lines.push_back({x, x, label, color});
  rebuild();
}

void ChartView::addBand(double x0, double x1, const QString& label, const QColor& color) {
  m_bands.push_back({x0, x1, label, color});
  rebuild();
}

void ChartView::setMarker(std::optional<double> x) {
  m_marker = x;
  rebuild();
}

void ChartView::addErrorBars(std::vector<QPointF> centres, std::vector<double> halfWidths, const QColor& color) {
  for (std::size_t i = 0; i < centres.size() && i < halfWidths.size(); ++i)
    m_errorBars.push_back({centres[i], halfWidths[i], color});
  rebuild();
}

void ChartView::setXCategories(const QStringList& labels) {
  m_xCategories = labels;
  rebuild();
}

void ChartView::addSeriesPairs(const std::map<QString, std::vector<QPointF>>& series) {
  static const QColor palette[] = {QColor(31, 119, 180),  QColor(255, 127, 14),  QColor(44, 160, 44),
                                   QColor(214, 39, 40),   QColor(148, 103, 189), QColor(140, 86, 75),
                                   QColor(227, 119, 194), QColor(127, 127, 127)};
  bool compared = false;
  for (const auto& [name, points] : series) compared |= name.startsWith("B ");
  std::map<QString, QColor> colours;
  for (const auto& [name, points] : series) {
    const bool pair = compared && (name.startsWith("A ") || name.startsWith("B "));
    const QString key = pair ? name.mid(2) : name;
    if (!colours.count(key)) colours[key] = palette[colours.size() % std::size(palette)];
    m_series.push_back(
        {name, points, false, colours[key], pair && name.startsWith("B ") ? Qt::DashLine : Qt::SolidLine});
  }
  rebuild();
}

int ChartView::seriesCount() const {
  return static_cast<int>(chart()->series().size());
}

QStringList ChartView::seriesNames() const {
  QStringList names;
  for (const QAbstractSeries* series : chart()->series()) names << series->name();
  return names;
}

void ChartView::rebuild() {
  auto* chart = new QChart();
  chart->setTitle(m_title);
  chart->legend()->setVisible(true);
  chart->legend()->setAlignment(Qt::AlignBottom);
  chart->setMargins(QMargins(4, 4, 4, 4));

  auto keep = [&](const QPointF& p) {
    return std::isfinite(p.x()) && std::isfinite(p.y()) && (!m_logX || p.x() > 0) && (!m_logY || p.y() > 0);
  };
  double xMin = INFINITY, xMax = -INFINITY, yMin = INFINITY, yMax = -INFINITY;
  auto extend = [&](double x, double y) {
    xMin = std::min(xMin, x);
    xMax = std::max(xMax, x);
    yMin = std::min(yMin, y);
    yMax = std::max(yMax, y);
  };

  std::vector<QAbstractSeries*> added;
  // Histogram as a step outline filled down to zero, on numeric axes, so
  // reference lines and bands share its x axis.
  if (!m_counts.empty()) {
    auto* upper = new QLineSeries();
    for (std::size_t i = 0; i < m_counts.size(); ++i) {
      upper->append(m_edges[i], m_counts[i]);
      upper->append(m_edges[i + 1], m_counts[i]);
      extend(m_edges[i], m_counts[i]);
      extend(m_edges[i + 1], 0);
    }
    auto* lower = new QLineSeries();
    lower->append(m_edges.front(), m_logY ? 0.5 : 0.0);
    lower->append(m_edges.back(), m_logY ? 0.5 : 0.0);
    auto* area = new QAreaSeries(upper, lower);
    area->setName(m_histName);
    area->setColor(QColor(70, 130, 200, 200));
    area->setBorderColor(QColor(40, 90, 160));
    added.push_back(area);
  }
  for (const auto& s : m_series) {
    QXYSeries* series = s.scatter ? static_cast<QXYSeries*>(new QScatterSeries()) : new QLineSeries();
    if (s.scatter) static_cast<QScatterSeries*>(series)->setMarkerSize(9);
    series->setName(s.name);
    QList<QPointF> points;
    for (const auto& p : s.points) {
      if (!keep(p)) continue;
      points.append(p);
      extend(p.x(), p.y());
    }
    series->replace(points);
    if (s.color.isValid() || s.style != Qt::SolidLine) {
      QPen pen = series->pen();
      if (s.color.isValid()) pen.setColor(s.color);
      pen.setStyle(s.style);
      pen.setWidthF(2.0);
      series->setPen(pen);
      if (s.color.isValid()) series->setColor(s.color);
    }
    added.push_back(series);
  }
  // Error bars: one two-point line each, kept out of the legend below.
  std::vector<QAbstractSeries*> bars;
  for (const auto& b : m_errorBars) {
    if (!keep(b.centre) || !std::isfinite(b.halfWidth) || b.halfWidth <= 0) continue;
    const double x = b.centre.x(), y = b.centre.y();
    const double low = m_logY && y - b.halfWidth <= 0 ? y / 10 : y - b.halfWidth;
    auto* bar = new QLineSeries();
    bar->append(x, low);
    bar->append(x, y + b.halfWidth);
    QPen pen(b.color.isValid() ? b.color : QColor(60, 60, 60));
    pen.setWidthF(1.5);
    bar->setPen(pen);
    extend(x, low);
    extend(x, y + b.halfWidth);
    bars.push_back(bar);
  }
  added.insert(added.end(), bars.begin(), bars.end());
  if (!(xMin <= xMax)) xMin = 0, xMax = 1, yMin = 0, yMax = 1;
  if (!m_xCategories.isEmpty()) xMin = -0.5, xMax = m_xCategories.size() - 0.5;
  for (const auto& l : m_lines) extend(l.x0, yMin);
  if (yMin == yMax) yMin -= 0.5, yMax += 0.5;
  if (xMin == xMax) xMin -= 0.5, xMax += 0.5;

  auto vertical = [&](double x0, double x1, const QString& name, const QColor& color, bool filled) {
    if (filled) {
      auto* top = new QLineSeries();
      top->append(x0, yMax);
      top->append(x1, yMax);
      auto* bottom = new QLineSeries();
      bottom->append(x0, yMin);
      bottom->append(x1, yMin);
      auto* band = new QAreaSeries(top, bottom);
      band->setName(name);
      band->setColor(color);
      band->setBorderColor(color);
      added.push_back(band);
    } else {
      auto* line = new QLineSeries();
      line->append(x0, yMin);
      line->append(x0, yMax);
      line->setName(name);
      QPen pen(color);
      pen.setWidth(2);
      pen.setStyle(Qt::DashLine);
      line->setPen(pen);
      added.push_back(line);
    }
  };
  for (const auto& b : m_bands) vertical(b.x0, b.x1, b.label, b.color, true);
  for (const auto& l : m_lines) vertical(l.x0, l.x0, l.label, l.color, false);
  if (m_marker) vertical(*m_marker, *m_marker, "current step", QColor(230, 90, 40), false);

  for (auto* s : added) chart->addSeries(s);
  // Error bars and unnamed series (markers drawn over a named line) stay out of the legend.
  for (auto* s : added)
    if (s->name().isEmpty())
      for (QLegendMarker* marker : chart->legend()->markers(s)) marker->setVisible(false);
  // Many named series: a vertical legend at the side keeps every name readable.
  if (std::count_if(added.begin(), added.end(), [](const QAbstractSeries* s) { return !s->name().isEmpty(); }) > 5)
    chart->legend()->setAlignment(Qt::AlignRight);
  auto makeAxis = [](bool log, const QString& title, double lo, double hi) -> QAbstractAxis* {
    if (log) {
      auto* axis = new QLogValueAxis();
      axis->setBase(10);
      axis->setLabelFormat("%g");
      axis->setTitleText(title);
      // Whole decades: a log axis labels only powers of ten, so a range
      // inside one decade would show no label at all.
      axis->setRange(std::pow(10.0, std::floor(std::log10(lo))), std::pow(10.0, std::ceil(std::log10(hi))));
      axis->setMinorTickCount(8);
      return axis;
    }
    auto* axis = new QValueAxis();
    axis->setTitleText(title);
    axis->setRange(lo, hi);
    axis->applyNiceNumbers();  // ticks at 0, 25, 50 … rather than 27.225
    axis->setLabelFormat("%g");
    return axis;
  };
  const double pad = m_logY ? 1.0 : 0.05 * (yMax - yMin);
  QAbstractAxis* xAxis = nullptr;
  if (m_xCategories.isEmpty()) {
    xAxis = makeAxis(m_logX, m_xTitle, xMin, xMax);
  } else {
    auto* axis = new QCategoryAxis();
    axis->setTitleText(m_xTitle);
    axis->setLabelsPosition(QCategoryAxis::AxisLabelsPositionOnValue);
    axis->setStartValue(-0.5);
    for (int i = 0; i < m_xCategories.size(); ++i) axis->append(m_xCategories[i], i);
    axis->setRange(-0.5, m_xCategories.size() - 0.5);
    xAxis = axis;
  }
  // Counts and other non-negative data start at zero, not below it.
  const double yLow = m_logY ? yMin : (yMin >= 0 && yMin - pad < 0 ? 0.0 : yMin - pad);
  auto* yAxis = makeAxis(m_logY, m_yTitle, yLow, m_logY ? yMax * 1.5 : yMax + pad);
  chart->addAxis(xAxis, Qt::AlignBottom);
  chart->addAxis(yAxis, Qt::AlignLeft);
  for (auto* s : added) {
    s->attachAxis(xAxis);
    s->attachAxis(yAxis);
  }
  QChart* old = this->chart();
  setChart(chart);
  delete old;
}

}  // namespace loupe
