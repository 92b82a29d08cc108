#include "viewers/ParallelCoordinatesView.h"

#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>
#include <algorithm>
#include <cmath>
#include <limits>

#include "viewers/ColorMap.h"

namespace loupe {

namespace {

// Distance from p to the segment a–b.
double segmentDistance(const QPointF& p, const QPointF& a, const QPointF& b) {
  const QPointF d = b - a;
  const double len2 = QPointF::dotProduct(d, d);
  const double t = len2 > 0 ? std::clamp(QPointF::dotProduct(p - a, d) / len2, 0.0, 1.0) : 0.0;
  const QPointF q = a + t * d - p;
  return std::sqrt(QPointF::dotProduct(q, q));
}

}  // namespace

ParallelCoordinatesView::ParallelCoordinatesView(QWidget* parent) : QWidget(parent) {
  setMinimumSize(320, 220);
  setAutoFillBackground(true);
  QPalette p = palette();
  p.setColor(QPalette::Window, Qt::white);
  setPalette(p);
}

void ParallelCoordinatesView::setData(std::vector<Axis> axes, std::vector<std::vector<double>> lines,
                                      std::vector<double> colours, const QString& colourTitle, const QString& colourLow,
                                      const QString& colourHigh) {
  m_axes = std::move(axes);
  m_lines = std::move(lines);
  m_colours = std::move(colours);
  m_colourTitle = colourTitle, m_colourLow = colourLow, m_colourHigh = colourHigh;
  m_selected = -1;
  update();
}

void ParallelCoordinatesView::setTitle(const QString& title) {
  m_title = title;
  update();
}

void ParallelCoordinatesView::clear() {
  setData({}, {}, {}, {}, {}, {});
}

QRectF ParallelCoordinatesView::plotArea() const {
  // Room for the title and axis names above, labels below, the colour bar right.
  return QRectF(60, 52, std::max(40, width() - 60 - 170), std::max(40, height() - 52 - 36));
}

QPointF ParallelCoordinatesView::linePoint(int line, int axis) const {
  const QRectF area = plotArea();
  const double x = m_axes.size() > 1 ? area.left() + area.width() * axis / (m_axes.size() - 1.0) : area.center().x();
  const double v = std::clamp(m_lines.at(static_cast<std::size_t>(line)).at(static_cast<std::size_t>(axis)), 0.0, 1.0);
  return {x, area.bottom() - v * area.height()};
}

void ParallelCoordinatesView::paintEvent(QPaintEvent*) {
  QPainter painter(this);
  painter.setRenderHint(QPainter::Antialiasing);
  painter.fillRect(rect(), Qt::white);
  const QRectF area = plotArea();
  QFont titleFont = font();
  titleFont.setBold(true);
  painter.setFont(titleFont);
  painter.setPen(Qt::black);
  painter.drawText(QRectF(0, 4, width(), 20), Qt::AlignHCenter, m_title);
  painter.setFont(font());
  if (m_axes.empty()) {
    painter.drawText(rect(), Qt::AlignCenter, "no data");
    return;
  }
  // Lines first, the selected one last and thick.
  for (int pass = 0; pass < 2; ++pass) {
    for (std::size_t i = 0; i < m_lines.size(); ++i) {
      const bool selected = static_cast<int>(i) == m_selected;
      if (selected != (pass == 1)) continue;
      if (m_lines[i].size() != m_axes.size()) continue;
      QPainterPath path(linePoint(static_cast<int>(i), 0));
      for (std::size_t a = 1; a < m_axes.size(); ++a) path.lineTo(linePoint(static_cast<int>(i), static_cast<int>(a)));
      QColor c = colorMapAt(i < m_colours.size() ? m_colours[i] : std::numeric_limits<double>::quiet_NaN());
      c.setAlpha(selected ? 255 : 190);
      painter.setPen(QPen(selected ? QColor(220, 40, 40) : c, selected ? 3.5 : 1.6));
      painter.drawPath(path);
    }
  }
  // Axes with their names and labels.
  const QFontMetrics fm(font());
  for (std::size_t a = 0; a < m_axes.size(); ++a) {
    const double x = m_axes.size() > 1 ? area.left() + area.width() * static_cast<double>(a) / (m_axes.size() - 1.0)
                                       : area.center().x();
    painter.setPen(QPen(QColor(40, 40, 40), 1.5));
    painter.drawLine(QPointF(x, area.top()), QPointF(x, area.bottom()));
    painter.setPen(Qt::black);
    painter.setFont(titleFont);
    painter.drawText(QRectF(x - 80, area.top() - 26, 160, 18), Qt::AlignHCenter | Qt::AlignBottom, m_axes[a].name);
    painter.setFont(font());
    const QStringList& labels = m_axes[a].labels;
    for (int k = 0; k < labels.size(); ++k) {
      const double t = labels.size() > 1 ? static_cast<double>(k) / (labels.size() - 1) : 0.5;
      const double y = area.bottom() - t * area.height();
      painter.drawLine(QPointF(x - 4, y), QPointF(x + 4, y));
      // The last axis labels to its left: its right is the colour bar's.
      const double w = fm.horizontalAdvance(labels[k]) + 4;
      const bool last = a + 1 == m_axes.size() && m_axes.size() > 1;
      const QRectF box(last ? x - 6 - w : x + 6, y - fm.height() / 2.0, w, fm.height());
      painter.fillRect(box, QColor(255, 255, 255, 210));
      painter.drawText(box, Qt::AlignLeft | Qt::AlignVCenter, labels[k]);
    }
  }
  // Colour bar.
  const QRectF bar(area.right() + 50, area.top(), 16, area.height());
  painter.drawImage(bar, colorBarImage(16, static_cast<int>(area.height()), true));
  painter.drawRect(bar);
  painter.drawText(QRectF(bar.right() + 4, bar.top() - 8, 100, 16), Qt::AlignLeft, m_colourHigh);
  painter.drawText(QRectF(bar.right() + 4, bar.bottom() - 8, 100, 16), Qt::AlignLeft, m_colourLow);
  painter.save();
  painter.translate(bar.left() - 4, bar.center().y());
  painter.rotate(-90);
  painter.drawText(QRectF(-area.height() / 2, -16, area.height(), 16), Qt::AlignCenter, m_colourTitle);
  painter.restore();
}

void ParallelCoordinatesView::mousePressEvent(QMouseEvent* event) {
  const QPointF p = event->position();
  double best = 8;  // pixels
  int hit = -1;
  for (std::size_t i = 0; i < m_lines.size(); ++i) {
    if (m_lines[i].size() != m_axes.size()) continue;
    for (std::size_t a = 0; a + 1 < m_axes.size(); ++a) {
      const double d = segmentDistance(p, linePoint(static_cast<int>(i), static_cast<int>(a)),
                                       linePoint(static_cast<int>(i), static_cast<int>(a + 1)));
      if (d < best) best = d, hit = static_cast<int>(i);
    }
  }
  m_selected = hit;
  update();
  if (hit >= 0) emit lineClicked(hit);
}

}  // namespace loupe
