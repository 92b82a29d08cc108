#include "viewers/ImGuiView.h"

#include <imgui.h>
#include <backends/imgui_impl_opengl3.h>

#include <QElapsedTimer>
#include <QMouseEvent>
#include <QOpenGLContext>
#include <QOpenGLFunctions>
#include <QWheelEvent>

namespace loupe {

namespace {
int buttonIndex(Qt::MouseButton button) {
  switch (button) {
    case Qt::LeftButton: return 0;
    case Qt::RightButton: return 1;
    case Qt::MiddleButton: return 2;
    default: return -1;
  }
}
qint64 nowNs() {
  static QElapsedTimer clock = [] {
    QElapsedTimer t;
    t.start();
    return t;
  }();
  return clock.nsecsElapsed();
}
}  // namespace

ImGuiView::ImGuiView(QWidget* parent) : QOpenGLWidget(parent) {
  setMouseTracking(true);  // hover tooltips need moves without buttons
  setMinimumSize(200, 150);
}

ImGuiView::~ImGuiView() {
  if (!m_context) return;
  makeCurrent();
  ImGui::SetCurrentContext(m_context);
  ImGui_ImplOpenGL3_Shutdown();
  ImGui::DestroyContext(m_context);
  doneCurrent();
}

void ImGuiView::initializeGL() {
  ImGuiContext* previous = ImGui::GetCurrentContext();
  m_context = ImGui::CreateContext();
  ImGui::SetCurrentContext(m_context);
  ImGuiIO& io = ImGui::GetIO();
  io.IniFilename = nullptr;  // no imgui.ini files in users' working directories
  io.LogFilename = nullptr;
  ImGui::StyleColorsDark();
  ImGui_ImplOpenGL3_Init("#version 150");
  ImGui::SetCurrentContext(previous ? previous : m_context);
}

void ImGuiView::paintGL() {
  if (!m_context) return;
  ImGui::SetCurrentContext(m_context);
  ImGuiIO& io = ImGui::GetIO();
  const float ratio = static_cast<float>(devicePixelRatioF());
  io.DisplaySize = ImVec2(static_cast<float>(width()), static_cast<float>(height()));
  io.DisplayFramebufferScale = ImVec2(ratio, ratio);
  const qint64 now = nowNs();
  io.DeltaTime = m_lastFrameNs ? std::max(1e-4f, static_cast<float>(now - m_lastFrameNs) * 1e-9f) : 1.0f / 60;
  m_lastFrameNs = now;
  io.MousePos = ImVec2(static_cast<float>(m_mouse.x()), static_cast<float>(m_mouse.y()));
  for (int b = 0; b < 3; ++b) io.MouseDown[b] = m_down[b];
  io.MouseWheel = m_wheel;
  m_wheel = 0;

  ImGui_ImplOpenGL3_NewFrame();
  ImGui::NewFrame();
  drawUi();
  ImGui::Render();

  auto* f = context()->functions();
  f->glViewport(0, 0, static_cast<int>(width() * ratio), static_cast<int>(height() * ratio));
  f->glClearColor(0.11f, 0.12f, 0.14f, 1.0f);
  f->glClear(GL_COLOR_BUFFER_BIT);
  ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());

  // Deferred releases: the press has now been seen by a frame.
  bool again = false;
  for (int b = 0; b < 3; ++b) {
    if (m_down[b]) m_seenDown[b] = true;
    if (m_releasePending[b] && m_seenDown[b]) {
      m_down[b] = false;
      m_releasePending[b] = false;
      again = true;
    }
  }
  if (again) update();
}

void ImGuiView::mousePressEvent(QMouseEvent* event) {
  const int b = buttonIndex(event->button());
  m_mouse = event->position();
  if (b >= 0) {
    m_down[b] = true;
    m_seenDown[b] = false;
    m_releasePending[b] = false;
  }
  update();
}

void ImGuiView::mouseReleaseEvent(QMouseEvent* event) {
  const int b = buttonIndex(event->button());
  m_mouse = event->position();
  if (b >= 0) {
    if (m_seenDown[b]) m_down[b] = false;
    else m_releasePending[b] = true;
  }
  update();
}

void ImGuiView::mouseMoveEvent(QMouseEvent* event) {
  m_mouse = event->position();
  update();
}

void ImGuiView::leaveEvent(QEvent* event) {
  m_mouse = QPointF(-FLT_MAX, -FLT_MAX);
  QOpenGLWidget::leaveEvent(event);
  update();
}

void ImGuiView::wheelEvent(QWheelEvent* event) {
  m_wheel += static_cast<float>(event->angleDelta().y()) / 120.0f;
  update();
}

}  // namespace loupe
