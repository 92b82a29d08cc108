// What GUI tests share about images: saving a screenshot for the README when
// LOUPE_SCREENSHOT_DIR is set, and counting an image's colours to tell a
// drawn view from a blank one.
#pragma once

#include <QImage>
#include <QString>
#include <QTest>
#include <QWidget>
#include <set>

namespace loupe::testing {

// Saves `widget` as LOUPE_SCREENSHOT_DIR/fileName after letting it paint;
// does nothing when the variable is unset (CI).
inline void saveScreenshot(QWidget& widget, const QString& fileName) {
  const QByteArray dir = qgetenv("LOUPE_SCREENSHOT_DIR");
  if (dir.isEmpty()) return;
  QTest::qWait(200);
  widget.grab().save(QString::fromUtf8(dir) + "/" + fileName);
}

// Distinct colours on a grid of every `step`-th pixel.
inline int distinctColours(const QImage& image, int step = 2) {
  std::set<QRgb> colours;
  for (int y = 0; y < image.height(); y += step)
    for (int x = 0; x < image.width(); x += step) colours.insert(image.pixel(x, y));
  return static_cast<int>(colours.size());
}

}  // namespace loupe::testing
