// Saving any view as a figure: PNG for every view; SVG and PDF as vectors for
// views that paint with QPainter (charts, heat-map images) and as an embedded
// raster for GL views (VTK, ImGui), which have no vector form. The format
// comes from the file extension. Errors throw std::runtime_error naming the
// file.
//
// Threading: GUI thread only.
#pragma once

#include <QImage>
#include <QString>
#include <QWidget>

namespace loupe {

// The view as an image at its current size (GL views: their framebuffer).
QImage renderFigure(QWidget* view);

void exportFigure(QWidget* view, const QString& path);

// True for views exported as vectors in SVG/PDF.
bool isVectorFigure(const QWidget* view);

}  // namespace loupe
