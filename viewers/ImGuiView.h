// A QOpenGLWidget hosting its own Dear ImGui context (1.86, OpenGL 3
// backend), for views that draw many small shapes fast: tile grids, trees.
// Subclasses implement drawUi(), called once per frame between NewFrame and
// Render with this view's context current.
//
// Input: ImGui 1.86 has no event queue, so mouse state is written into
// ImGuiIO before each frame; a button release is deferred by one frame so a
// quick click (press and release between two frames) is still seen.
//
// Threading: GUI thread only; create only when probeOpenGl() is usable.
#pragma once

#include <QOpenGLWidget>
#include <QPointF>
#include <array>

struct ImGuiContext;

namespace loupe {

class ImGuiView : public QOpenGLWidget {
  Q_OBJECT

 public:
  explicit ImGuiView(QWidget* parent = nullptr);
  ~ImGuiView() override;

 protected:
  virtual void drawUi() = 0;

  void initializeGL() override;
  void paintGL() override;
  void mousePressEvent(QMouseEvent* event) override;
  void mouseReleaseEvent(QMouseEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;
  void leaveEvent(QEvent* event) override;
  void wheelEvent(QWheelEvent* event) override;

 private:
  ImGuiContext* m_context = nullptr;
  QPointF m_mouse{-1, -1};
  std::array<bool, 3> m_down{};
  std::array<bool, 3> m_releasePending{};
  std::array<bool, 3> m_seenDown{};  // a frame has run since the press
  float m_wheel = 0;
  qint64 m_lastFrameNs = 0;
};

}  // namespace loupe
