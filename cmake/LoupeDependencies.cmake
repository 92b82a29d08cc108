# Every dependency is a Debian package (scripts/packages-*.txt); none is vendored.
find_package(Threads REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(CLI11 2.0 REQUIRED)
find_package(Eigen3 3.3 REQUIRED NO_MODULE)
find_package(ZLIB REQUIRED)  # .npz archives written by np.savez_compressed
find_package(PkgConfig REQUIRED)
pkg_check_modules(ZSTD REQUIRED IMPORTED_TARGET libzstd)

# The workbench (viewers/, panels/, app/workbench). Auto-detected: without Qt 6
# and VTK the engines, store and CLI still build, and the configure summary
# says why the window is missing.
find_package(Qt6 COMPONENTS Widgets OpenGLWidgets Charts Svg PrintSupport Test QUIET)
find_package(MPI COMPONENTS C QUIET)  # VTK's parallel modules look for it (docs/ARCHITECTURE.md, Debian 12 stack facts)
find_package(VTK 9 COMPONENTS CommonCore CommonDataModel FiltersCore FiltersGeneral ImagingCore
             InteractionStyle InteractionWidgets RenderingCore RenderingOpenGL2 RenderingAnnotation
             RenderingFreeType QUIET)
pkg_check_modules(IMGUI QUIET IMPORTED_TARGET imgui)
set(LOUPE_HAVE_GUI OFF)
if(Qt6_FOUND AND VTK_FOUND AND IMGUI_FOUND)
  set(LOUPE_HAVE_GUI ON)
  set(CMAKE_AUTOMOC ON)
  find_package(OpenGL REQUIRED)
  find_package(OpenCV QUIET COMPONENTS core)
else()
  set(LOUPE_GUI_MISSING "")
  if(NOT Qt6_FOUND)
    string(APPEND LOUPE_GUI_MISSING " Qt6(Widgets,OpenGLWidgets,Charts,Svg)")
  endif()
  if(NOT VTK_FOUND)
    string(APPEND LOUPE_GUI_MISSING " VTK9")
  endif()
  if(NOT IMGUI_FOUND)
    string(APPEND LOUPE_GUI_MISSING " imgui")
  endif()
endif()
