// Frames per second of the workbench's GL views under Xvfb/llvmpipe, each
// next to a peer drawing the same data in the same run:
// - VtkView with 300k points, new coordinates every frame, against a bare
//   VTK off-screen render window (no Qt) rendering the same points;
// - TileGridView with 256 × 256 cells, new values every frame, against the
//   same grid painted with QPainter (HeatmapView).
// A frame = update the data, render, read the pixels back (both sides).
// Run: xvfb-run -a -s "-screen 0 1600x1000x24" build/tests/bench/bench_viewers
#include <benchmark/benchmark.h>
#include <vtkActor.h>
#include <vtkCellArray.h>
#include <vtkFloatArray.h>
#include <vtkIdTypeArray.h>
#include <vtkPointData.h>
#include <vtkPoints.h>
#include <vtkPolyData.h>
#include <vtkPolyDataMapper.h>
#include <vtkRenderWindow.h>
#include <vtkRenderer.h>
#include <vtkSmartPointer.h>
#include <vtkUnsignedCharArray.h>

#include <QApplication>
#include <cmath>
#include <cstring>
#include <vector>

#include "engines/core/Timer.h"
#include "viewers/GlProbe.h"
#include "viewers/HeatmapView.h"
#include "viewers/TileGridView.h"
#include "viewers/VtkView.h"

namespace loupe {
namespace {

constexpr int kPoints = 300'000;
constexpr int kFrames = 30;
constexpr int kGrid = 256;

void fillCloud(std::vector<float>& xyz, std::vector<float>& scalars, int frame) {
  for (int i = 0; i < kPoints; ++i) {
    const double t = 0.0005 * i + 0.05 * frame;
    xyz[3 * i] = static_cast<float>(std::cos(t) * (1 + 0.1 * std::sin(37 * t)));
    xyz[3 * i + 1] = static_cast<float>(std::sin(t) * (1 + 0.1 * std::sin(37 * t)));
    xyz[3 * i + 2] = static_cast<float>(0.01 * t);
    scalars[i] = xyz[3 * i + 2];
  }
}

double vtkViewFps() {
  VtkView view;
  view.resize(800, 600);
  view.show();
  std::vector<float> xyz(3 * kPoints), scalars(kPoints);
  fillCloud(xyz, scalars, 0);
  view.setPoints(xyz.data(), kPoints);
  view.setPointScalars(scalars.data(), 0, 0.01 * 0.0005 * kPoints, "z");
  view.grabImage();  // warm-up: context, shaders, buffers
  Stopwatch clock;
  for (int f = 1; f <= kFrames; ++f) {
    fillCloud(xyz, scalars, f);
    view.setPoints(xyz.data(), kPoints);
    view.setPointScalars(scalars.data(), 0, 1.5, "z");
    benchmark::DoNotOptimize(view.grabImage());
  }
  return kFrames / clock.seconds();
}

double bareVtkFps() {
  auto points = vtkSmartPointer<vtkPoints>::New();
  auto poly = vtkSmartPointer<vtkPolyData>::New();
  auto scalarArray = vtkSmartPointer<vtkFloatArray>::New();
  std::vector<float> xyz(3 * kPoints), scalars(kPoints);
  fillCloud(xyz, scalars, 0);
  points->SetNumberOfPoints(kPoints);
  auto offsets = vtkSmartPointer<vtkIdTypeArray>::New();
  auto connectivity = vtkSmartPointer<vtkIdTypeArray>::New();
  offsets->SetNumberOfValues(kPoints + 1);
  connectivity->SetNumberOfValues(kPoints);
  for (vtkIdType i = 0; i <= kPoints; ++i) offsets->SetValue(i, i);
  for (vtkIdType i = 0; i < kPoints; ++i) connectivity->SetValue(i, i);
  auto verts = vtkSmartPointer<vtkCellArray>::New();
  verts->SetData(offsets, connectivity);
  poly->SetPoints(points);
  poly->SetVerts(verts);
  scalarArray->SetNumberOfTuples(kPoints);
  poly->GetPointData()->SetScalars(scalarArray);
  auto mapper = vtkSmartPointer<vtkPolyDataMapper>::New();
  mapper->SetInputData(poly);
  mapper->SetScalarRange(0, 1.5);
  auto actor = vtkSmartPointer<vtkActor>::New();
  actor->SetMapper(mapper);
  auto renderer = vtkSmartPointer<vtkRenderer>::New();
  renderer->AddActor(actor);
  auto window = vtkSmartPointer<vtkRenderWindow>::New();
  window->SetOffScreenRendering(1);
  window->SetSize(800, 600);
  window->AddRenderer(renderer);
  auto frame = [&](int f) {
    fillCloud(xyz, scalars, f);
    std::memcpy(points->GetData()->GetVoidPointer(0), xyz.data(), xyz.size() * sizeof(float));
    std::memcpy(scalarArray->GetPointer(0), scalars.data(), scalars.size() * sizeof(float));
    points->Modified();
    scalarArray->Modified();
    poly->Modified();
    window->Render();
    auto* pixels = vtkUnsignedCharArray::New();
    window->GetRGBACharPixelData(0, 0, 799, 599, 0, pixels);
    pixels->Delete();
  };
  frame(0);
  renderer->ResetCamera();
  Stopwatch clock;
  for (int f = 1; f <= kFrames; ++f) frame(f);
  return kFrames / clock.seconds();
}

std::vector<float> gridValues(int frame) {
  std::vector<float> v(kGrid * kGrid);
  for (int r = 0; r < kGrid; ++r)
    for (int c = 0; c < kGrid; ++c)
      v[r * kGrid + c] = static_cast<float>(std::sin(0.05 * r + 0.1 * frame) * std::cos(0.07 * c));
  return v;
}

double tileGridFps() {
  TileGridView grid;
  grid.resize(800, 800);
  grid.show();
  grid.setGrid(kGrid, kGrid, gridValues(0), "bench");
  grid.grabFramebuffer();
  Stopwatch clock;
  for (int f = 1; f <= kFrames; ++f) {
    grid.setGrid(kGrid, kGrid, gridValues(f), "bench");
    benchmark::DoNotOptimize(grid.grabFramebuffer());
  }
  return kFrames / clock.seconds();
}

double qpainterGridFps() {
  HeatmapView image;
  image.resize(800, 800);
  image.show();
  image.setData(kGrid, kGrid, gridValues(0), "bench");
  image.grab();
  Stopwatch clock;
  for (int f = 1; f <= kFrames; ++f) {
    image.setData(kGrid, kGrid, gridValues(f), "bench");
    benchmark::DoNotOptimize(image.grab());
  }
  return kFrames / clock.seconds();
}

void BM_VtkView300kPoints(benchmark::State& state) {
  double ours = 0, peer = 0;
  for (auto _ : state) {
    ours = vtkViewFps();
    peer = bareVtkFps();
    state.SetIterationTime(kFrames / ours);
  }
  state.counters["ours_fps"] = ours;
  state.counters["bare_vtk_fps"] = peer;
  state.counters["ratio"] = ours / peer;
}

void BM_TileGrid256x256(benchmark::State& state) {
  double ours = 0, peer = 0;
  for (auto _ : state) {
    ours = tileGridFps();
    peer = qpainterGridFps();
    state.SetIterationTime(kFrames / ours);
  }
  state.counters["ours_fps"] = ours;
  state.counters["qpainter_fps"] = peer;
  state.counters["ratio"] = ours / peer;
}

BENCHMARK(BM_VtkView300kPoints)->UseManualTime()->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_TileGrid256x256)->UseManualTime()->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace loupe

int main(int argc, char** argv) {
  loupe::setDefaultGlFormat();
  QApplication app(argc, argv);
  if (!loupe::probeOpenGl().usable) {
    std::fprintf(stderr, "bench_viewers: no OpenGL (%s); run under xvfb-run\n",
                 qPrintable(loupe::probeOpenGl().description));
    return 2;
  }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
