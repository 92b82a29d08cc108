#include "viewers/HeatmapView.h"

#include <QPainter>
#include <algorithm>
#include <cmath>
#include <tuple>

#include "viewers/ColorMap.h"

namespace loupe {

HeatmapView::HeatmapView(QWidget* parent) : QWidget(parent) {
  setMinimumSize(200, 160);
  setAutoFillBackground(true);
}

void HeatmapView::setData(int rows, int cols, std::vector<float> values, const QString& title) {
  m_rows = rows;
  m_cols = cols;
  m_values = std::move(values);
  m_title = title;
  std::tie(m_lo, m_hi) = finiteRange(m_values.data(), m_values.size());
  update();
}

void HeatmapView::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.fillRect(rect(), Qt::white);
  p.setPen(Qt::black);
  p.drawText(QRect(0, 4, width(), 20), Qt::AlignHCenter, m_title);
  if (m_rows == 0 || m_cols == 0) {
    p.drawText(rect(), Qt::AlignCenter, "no data");
    return;
  }
  const QRectF area(50, 28, width() - 150, height() - 60);
  const double cw = area.width() / m_cols, ch = area.height() / m_rows;
  const double span = m_hi > m_lo ? m_hi - m_lo : 1.0;
  p.setPen(Qt::NoPen);
  for (int r = 0; r < m_rows; ++r) {
    for (int c = 0; c < m_cols; ++c) {
      const float v = m_values[static_cast<std::size_t>(r) * m_cols + c];
      p.setBrush(colorMapAt(std::isfinite(v) ? (v - m_lo) / span : NAN));
      // Slight overlap hides hairline seams between cells when scaled.
      p.drawRect(QRectF(area.left() + c * cw, area.top() + r * ch, cw + 0.5, ch + 0.5));
    }
  }
  p.setPen(Qt::black);
  p.setBrush(Qt::NoBrush);
  p.drawRect(area);
  p.drawText(QRectF(area.left(), area.bottom() + 4, area.width(), 16), Qt::AlignHCenter,
             QString("column (0–%1)").arg(m_cols - 1));
  p.save();
  p.translate(area.left() - 8, area.center().y());
  p.rotate(-90);
  p.drawText(QRectF(-80, -16, 160, 16), Qt::AlignHCenter, QString("row (0–%1)").arg(m_rows - 1));
  p.restore();
  const QRectF bar(area.right() + 16, area.top(), 14, area.height());
  p.drawImage(bar, colorBarImage(14, 256, true));
  p.drawRect(bar);
  p.drawText(QPointF(bar.right() + 4, bar.top() + 10), QString::number(m_hi, 'g', 4));
  p.drawText(QPointF(bar.right() + 4, bar.bottom()), QString::number(m_lo, 'g', 4));
}

}  // namespace loupe
