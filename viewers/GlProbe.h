// Is there a usable OpenGL 3.2 core context? Checked once, before any GL
// widget is created: Qt 6.4 crashes creating one without GL (offscreen
// platform), and Debian's VTK is GLX-only. Without GL, views show a
// placeholder that says why, and the rest of the app works.
//
// GUI thread only (needs a QGuiApplication).
#pragma once

#include <QString>

namespace loupe {

// The surface format every GL view uses: 3.2 core, depth 24, stencil 8,
// alpha 8 (what VTK needs). Call before constructing QApplication.
void setDefaultGlFormat();

struct GlProbeResult {
  bool usable = false;
  QString description;  // "OpenGL 4.5 (llvmpipe)" or why not
};

const GlProbeResult& probeOpenGl();

}  // namespace loupe
