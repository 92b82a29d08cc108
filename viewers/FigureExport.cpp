#include "viewers/FigureExport.h"

#include <QFileInfo>
#include <QOpenGLWidget>
#include <QPageSize>
#include <QPainter>
#include <QPdfWriter>
#include <QSvgGenerator>
#include <stdexcept>

namespace loupe {

bool isVectorFigure(const QWidget* view) { return qobject_cast<const QOpenGLWidget*>(view) == nullptr; }

QImage renderFigure(QWidget* view) {
  if (auto* gl = qobject_cast<QOpenGLWidget*>(view)) return gl->grabFramebuffer();
  return view->grab().toImage();
}

namespace {

void paintInto(QWidget* view, QPainter& painter, const QSize& size) {
  if (isVectorFigure(view)) {
    view->render(&painter, QPoint(), QRegion(), QWidget::DrawChildren);
  } else {
    painter.drawImage(QRect(QPoint(0, 0), size), renderFigure(view));
  }
}

}  // namespace

void exportFigure(QWidget* view, const QString& path) {
  const QString suffix = QFileInfo(path).suffix().toLower();
  const QSize size = view->size();
  auto fail = [&](const QString& problem) { throw std::runtime_error((path + ": " + problem).toStdString()); };
  if (size.isEmpty()) fail("the view has no size (is it shown?)");
  if (suffix == "png") {
    const QImage image = renderFigure(view);
    if (image.isNull()) fail("could not capture the view");
    if (!image.save(path, "PNG")) fail("cannot write PNG");
    return;
  }
  if (suffix == "svg") {
    QSvgGenerator svg;
    svg.setFileName(path);
    svg.setSize(size);
    svg.setViewBox(QRect(QPoint(0, 0), size));
    svg.setTitle(view->windowTitle().isEmpty() ? "Loupe figure" : view->windowTitle());
    svg.setDescription("Exported by Loupe");
    QPainter painter;
    if (!painter.begin(&svg)) fail("cannot write SVG");
    paintInto(view, painter, size);
    painter.end();
    return;
  }
  if (suffix == "pdf") {
    QPdfWriter pdf(path);
    pdf.setResolution(96);  // one widget pixel = one PDF pixel at 96 dpi
    pdf.setPageSize(QPageSize(QSizeF(size.width() * 72.0 / 96, size.height() * 72.0 / 96), QPageSize::Point));
    pdf.setPageMargins(QMarginsF(0, 0, 0, 0));
    pdf.setTitle("Loupe figure");
    pdf.setCreator("Loupe");
    QPainter painter;
    if (!painter.begin(&pdf)) fail("cannot write PDF");
    paintInto(view, painter, size);
    painter.end();
    return;
  }
  fail("unknown figure format \"" + suffix + "\" (use .png, .svg or .pdf)");
}

}  // namespace loupe
