// `loupe-workbench`: the window, with the engine kinds and panels Loupe ships.
#include "app/workbench/Workbench.h"

int main(int argc, char** argv) {
  loupe::KindRegistry kinds;
  loupe::registerBuiltinKinds(kinds);
  loupe::PanelRegistry panels;
  loupe::registerBuiltinPanels(panels);
  return loupe::runWorkbench(argc, argv, kinds, panels);
}
