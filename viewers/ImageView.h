// A 2-D image view: an RGB image, or a scalar image (depth, disparity,
// error) on our colour map with a colour bar and its range; NaN pixels are
// drawn grey. Keeps the aspect ratio. Painted with QPainter, so it exports
// to PNG, SVG and PDF like the charts (the pixels are embedded as an image).
//
// Threading: GUI thread only.
#pragma once

#include <QImage>
#include <QString>
#include <QWidget>
#include <cstdint>
#include <vector>

namespace loupe {

class ImageView : public QWidget {
  Q_OBJECT

 public:
  explicit ImageView(QWidget* parent = nullptr);

  void setRgb(int width, int height, const std::uint8_t* rgb, const QString& title);
  // lo ≥ hi: the finite min/max of the values.
  void setScalar(int width, int height, const float* values, const QString& title, const QString& unit, double lo = 0,
                 double hi = 0);
  void clear(const QString& message = {});
  const QImage& image() const { return m_image; }

 protected:
  void paintEvent(QPaintEvent* event) override;

 private:
  QImage m_image;
  QString m_title, m_unit, m_message;
  bool m_scalar = false;
  double m_lo = 0, m_hi = 1;
};

}  // namespace loupe
