#include "viewers/ImageView.h"

#include <QPainter>
#include <algorithm>
#include <cmath>
#include <tuple>

#include "viewers/ColorMap.h"

namespace loupe {

ImageView::ImageView(QWidget* parent) : QWidget(parent) {
  setMinimumSize(160, 120);
}

void ImageView::setRgb(int width, int height, const std::uint8_t* rgb, const QString& title) {
  m_image = QImage(rgb, width, height, width * 3, QImage::Format_RGB888).copy();
  m_title = title;
  m_scalar = false;
  m_message.clear();
  update();
}

void ImageView::setScalar(int width, int height, const float* values, const QString& title, const QString& unit,
                          double lo, double hi) {
  const std::size_t n = static_cast<std::size_t>(width) * height;
  if (!(lo < hi)) {
    std::tie(lo, hi) = finiteRange(values, n);
    if (!(lo < hi)) hi = lo + 1;
  }
  m_lo = lo;
  m_hi = hi;
  // A 256-entry table: one lookup per pixel instead of one interpolation.
  QRgb table[256];
  for (int i = 0; i < 256; ++i) table[i] = colorMapAt(i / 255.0).rgb();
  m_image = QImage(width, height, QImage::Format_RGB32);
  const double scale = 255.0 / (hi - lo);
  for (int y = 0; y < height; ++y) {
    auto* line = reinterpret_cast<QRgb*>(m_image.scanLine(y));
    for (int x = 0; x < width; ++x) {
      const float v = values[static_cast<std::size_t>(y) * width + x];
      line[x] = std::isfinite(v) ? table[std::clamp(static_cast<int>((v - lo) * scale), 0, 255)] : qRgb(110, 110, 110);
    }
  }
  m_title = title;
  m_unit = unit;
  m_scalar = true;
  m_message.clear();
  update();
}

void ImageView::clear(const QString& message) {
  m_image = QImage();
  m_message = message;
  update();
}

void ImageView::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.fillRect(rect(), QColor(250, 250, 250));
  p.setPen(Qt::black);
  p.drawText(QRect(0, 2, width(), 18), Qt::AlignHCenter, m_title);
  if (m_image.isNull()) {
    p.setPen(QColor(120, 120, 120));
    p.drawText(rect(), Qt::AlignCenter, m_message.isEmpty() ? "no image" : m_message);
    return;
  }
  const int barSpace = m_scalar ? 70 : 0;
  const QRect area(4, 22, width() - 8 - barSpace, height() - 26);
  const QSize fitted = m_image.size().scaled(area.size(), Qt::KeepAspectRatio);
  const QRect target(area.left() + (area.width() - fitted.width()) / 2, area.top(), fitted.width(), fitted.height());
  p.drawImage(target, m_image);
  if (m_scalar) {
    const QRect bar(target.right() + 10, target.top(), 12, target.height());
    p.drawImage(bar, colorBarImage(12, 256, true));
    p.drawRect(bar);
    p.drawText(QPoint(bar.right() + 4, bar.top() + 10), QString::number(m_hi, 'g', 4));
    p.drawText(QPoint(bar.right() + 4, bar.bottom()), QString::number(m_lo, 'g', 4));
    p.drawText(QPoint(bar.right() + 4, bar.center().y()), m_unit);
  }
}

}  // namespace loupe
