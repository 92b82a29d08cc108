// The workbench's entry point, shared by `loupe-workbench` and the GUI tests.
//
//   loupe-workbench [--db FILE]             open the window on a database
//   loupe-workbench --demo                  the built-in demo (what `make run` opens)
//   loupe-workbench --report OUT [--db FILE] [RUN...]
//                                           write an HTML/PDF report and exit
//
// Without a display, --demo and --report re-run themselves under xvfb-run
// (GL views need an X server: docs/ARCHITECTURE.md, Debian 12 stack facts) or say how to get one.
#pragma once

#include "experiments/KindRegistry.h"
#include "panels/PanelRegistry.h"

namespace loupe {

int runWorkbench(int argc, char** argv, const KindRegistry& kinds, const PanelRegistry& panels);

// True when an X11 or Wayland display is reachable.
bool haveDisplay();

}  // namespace loupe
