// Scalar → colour for heat-maps, point clouds and legends: a perceptually
// ordered map (dark blue → teal → green → yellow, the look of viridis) built
// from five anchor colours we chose, linearly interpolated in RGB.
#pragma once

#include <QColor>
#include <QImage>
#include <cstddef>
#include <utility>

namespace loupe {

// t in [0, 1] (clamped); NaN gives mid-grey so missing values stand out.
QColor colorMapAt(double t);

// The finite minimum and maximum of values, or (0, 1) when there are none.
std::pair<double, double> finiteRange(const float* values, std::size_t count);

// A horizontal or vertical colour bar image for legends.
QImage colorBarImage(int width, int height, bool vertical);

}  // namespace loupe
