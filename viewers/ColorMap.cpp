#include "viewers/ColorMap.h"

#include <algorithm>
#include <array>
#include <cmath>

namespace loupe {

namespace {
constexpr std::array<std::array<double, 3>, 5> kAnchors = {{
    {0.27, 0.00, 0.33},  // dark violet
    {0.23, 0.32, 0.55},  // blue
    {0.13, 0.57, 0.55},  // teal
    {0.37, 0.79, 0.38},  // green
    {0.99, 0.91, 0.15},  // yellow
}};
}

QColor colorMapAt(double t) {
  if (std::isnan(t)) return QColor(128, 128, 128);
  t = std::clamp(t, 0.0, 1.0) * (kAnchors.size() - 1);
  const std::size_t i = std::min<std::size_t>(static_cast<std::size_t>(t), kAnchors.size() - 2);
  const double f = t - static_cast<double>(i);
  double rgb[3];
  for (int c = 0; c < 3; ++c) rgb[c] = kAnchors[i][c] * (1 - f) + kAnchors[i + 1][c] * f;
  return QColor::fromRgbF(static_cast<float>(rgb[0]), static_cast<float>(rgb[1]), static_cast<float>(rgb[2]));
}

std::pair<double, double> finiteRange(const float* values, std::size_t count) {
  double lo = INFINITY, hi = -INFINITY;
  for (std::size_t i = 0; i < count; ++i) {
    if (!std::isfinite(values[i])) continue;
    lo = std::min<double>(lo, values[i]);
    hi = std::max<double>(hi, values[i]);
  }
  return lo <= hi ? std::make_pair(lo, hi) : std::make_pair(0.0, 1.0);
}

QImage colorBarImage(int width, int height, bool vertical) {
  QImage image(width, height, QImage::Format_RGB32);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      const double t = vertical ? 1.0 - static_cast<double>(y) / std::max(1, height - 1)
                                : static_cast<double>(x) / std::max(1, width - 1);
      image.setPixelColor(x, y, colorMapAt(t));
    }
  }
  return image;
}

}  // namespace loupe
