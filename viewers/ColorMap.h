// Scalar → colour for heat-maps, point clouds and legends: a perceptually
// ordered map (dark blue → teal → green → yellow, the look of viridis) built
// from five anchor colours we chose, linearly interpolated in RGB.
#pragma once

#include <QColor>
#include <QImage>

namespace loupe {

// t in [0, 1] (clamped); NaN gives mid-grey so missing values stand out.
QColor colorMapAt(double t);

// A horizontal or vertical colour bar image for legends.
QImage colorBarImage(int width, int height, bool vertical);

}  // namespace loupe
