#include "viewers/GlProbe.h"

#include <QGuiApplication>
#include <QOffscreenSurface>
#include <QOpenGLContext>
#include <QOpenGLFunctions>
#include <QSurfaceFormat>

namespace loupe {

void setDefaultGlFormat() {
  QSurfaceFormat format;
  format.setRenderableType(QSurfaceFormat::OpenGL);
  format.setVersion(3, 2);
  format.setProfile(QSurfaceFormat::CoreProfile);
  format.setDepthBufferSize(24);
  format.setStencilBufferSize(8);
  format.setAlphaBufferSize(8);
  format.setSwapBehavior(QSurfaceFormat::DoubleBuffer);
  QSurfaceFormat::setDefaultFormat(format);
}

namespace {

GlProbeResult probe() {
  if (QGuiApplication::platformName() == "offscreen" || QGuiApplication::platformName() == "minimal") {
    return {false, "the Qt platform \"" + QGuiApplication::platformName() +
                       "\" cannot host OpenGL views; run under X11 (or xvfb-run)"};
  }
  QOpenGLContext context;
  if (!context.create()) return {false, "no OpenGL context could be created"};
  const auto format = context.format();
  if (format.majorVersion() < 3 || (format.majorVersion() == 3 && format.minorVersion() < 2)) {
    return {false, QString("OpenGL %1.%2 found, 3.2 core needed").arg(format.majorVersion()).arg(format.minorVersion())};
  }
  QOffscreenSurface surface;
  surface.create();
  if (!context.makeCurrent(&surface)) return {false, "an OpenGL context exists but cannot be made current"};
  const auto* renderer = reinterpret_cast<const char*>(context.functions()->glGetString(GL_RENDERER));
  GlProbeResult result{true, QString("OpenGL %1.%2 (%3)")
                                 .arg(format.majorVersion())
                                 .arg(format.minorVersion())
                                 .arg(renderer ? renderer : "unknown renderer")};
  context.doneCurrent();
  return result;
}

}  // namespace

const GlProbeResult& probeOpenGl() {
  static const GlProbeResult result = probe();
  return result;
}

}  // namespace loupe
