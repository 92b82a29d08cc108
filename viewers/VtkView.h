// A 3-D view for point clouds and height-field surfaces: VTK rendering inside
// a QOpenGLWidget. Debian's VTK Qt module is built for Qt 5, so this is our
// own bridge (docs/ARCHITECTURE.md, Debian 12 stack facts: VTK inside Qt 6):
// VTK renders into its own framebuffer in Qt's context and we blit that into
// the widget's framebuffer, through VTK's state cache.
//
// Features: per-point RGB or a scalar colour map with a scalar bar; point
// size; axes marker; reset camera; trackball rotation (left), pan (middle),
// zoom (wheel/right); a click without drag picks the nearest point
// (pointPicked). setPoints() reuses its buffers when the count is unchanged,
// so streaming 300k points per frame allocates nothing.
//
// Threading: GUI thread only. Create it only when probeOpenGl() says GL is
// usable (viewers/GlProbe.h).
#pragma once

#include <QImage>
#include <QOpenGLWidget>
#include <cstdint>
#include <memory>

namespace loupe {

class VtkView : public QOpenGLWidget {
  Q_OBJECT

 public:
  explicit VtkView(QWidget* parent = nullptr);
  ~VtkView() override;

  // xyz: count × 3 floats (copied). Colours default to a uniform grey.
  void setPoints(const float* xyz, std::int64_t count);
  void setPointColors(const std::uint8_t* rgb);  // count × 3 bytes
  void setPointScalars(const float* values, double lo, double hi, const QString& title);
  void setPointSize(double pixels);
  // A rows × cols grid of heights (row-major), drawn as a coloured surface.
  void setHeightField(const float* heights, int rows, int cols, const QString& title);
  void clearScene();
  void setAxesVisible(bool visible);
  void resetCamera();
  std::int64_t pointCount() const;

  // The current frame (renders if needed).
  QImage grabImage();

 signals:
  void pointPicked(qint64 index, double x, double y, double z);

 protected:
  void initializeGL() override;
  void resizeGL(int w, int h) override;
  void paintGL() override;
  void mousePressEvent(QMouseEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;
  void mouseReleaseEvent(QMouseEvent* event) override;
  void wheelEvent(QWheelEvent* event) override;

 private:
  void forwardMouse(QMouseEvent* event, unsigned long vtkEvent);
  void pickAt(const QPoint& position);

  struct Impl;
  std::unique_ptr<Impl> d;
};

}  // namespace loupe
