#include "viewers/VtkView.h"

#include <vtkActor.h>
#include <vtkAxesActor.h>
#include <vtkCallbackCommand.h>
#include <vtkCamera.h>
#include <vtkCellArray.h>
#include <vtkFloatArray.h>
#include <vtkGenericOpenGLRenderWindow.h>
#include <vtkGenericRenderWindowInteractor.h>
#include <vtkIdTypeArray.h>
#include <vtkInteractorStyleTrackballCamera.h>
#include <vtkLookupTable.h>
#include <vtkOpenGLState.h>
#include <vtkOrientationMarkerWidget.h>
#include <vtkPointData.h>
#include <vtkPointPicker.h>
#include <vtkPoints.h>
#include <vtkPolyData.h>
#include <vtkPolyDataMapper.h>
#include <vtkProperty.h>
#include <vtkRenderer.h>
#include <vtkScalarBarActor.h>
#include <vtkSmartPointer.h>
#include <vtkTextProperty.h>
#include <vtkUnsignedCharArray.h>

#include <QMouseEvent>
#include <QOpenGLContext>
#include <QOpenGLExtraFunctions>
#include <QWheelEvent>
#include <algorithm>
#include <cstring>

#include "viewers/ColorMap.h"

namespace loupe {

template <class T>
using Ptr = vtkSmartPointer<T>;

struct VtkView::Impl {
  Ptr<vtkGenericOpenGLRenderWindow> window = Ptr<vtkGenericOpenGLRenderWindow>::New();
  Ptr<vtkRenderer> renderer = Ptr<vtkRenderer>::New();
  Ptr<vtkGenericRenderWindowInteractor> interactor = Ptr<vtkGenericRenderWindowInteractor>::New();
  Ptr<vtkInteractorStyleTrackballCamera> style = Ptr<vtkInteractorStyleTrackballCamera>::New();

  // Point cloud: buffers kept and refilled in place.
  Ptr<vtkPoints> points = Ptr<vtkPoints>::New();
  Ptr<vtkCellArray> verts = Ptr<vtkCellArray>::New();
  Ptr<vtkPolyData> cloud = Ptr<vtkPolyData>::New();
  Ptr<vtkUnsignedCharArray> colors = Ptr<vtkUnsignedCharArray>::New();
  Ptr<vtkFloatArray> scalars = Ptr<vtkFloatArray>::New();
  Ptr<vtkPolyDataMapper> cloudMapper = Ptr<vtkPolyDataMapper>::New();
  Ptr<vtkActor> cloudActor = Ptr<vtkActor>::New();

  Ptr<vtkPolyData> surface = Ptr<vtkPolyData>::New();
  Ptr<vtkPolyDataMapper> surfaceMapper = Ptr<vtkPolyDataMapper>::New();
  Ptr<vtkActor> surfaceActor = Ptr<vtkActor>::New();

  Ptr<vtkLookupTable> lut = Ptr<vtkLookupTable>::New();
  Ptr<vtkScalarBarActor> scalarBar = Ptr<vtkScalarBarActor>::New();
  Ptr<vtkAxesActor> axes = Ptr<vtkAxesActor>::New();
  Ptr<vtkOrientationMarkerWidget> axesWidget = Ptr<vtkOrientationMarkerWidget>::New();
  Ptr<vtkPointPicker> picker = Ptr<vtkPointPicker>::New();

  bool glReady = false;
  bool inPaint = false;
  bool cameraNeedsReset = true;
  QPoint pressPosition;
  bool dragged = false;
};

namespace {

// Our colour map as a VTK lookup table, so clouds, surfaces and 2-D heat-maps agree.
void fillLookupTable(vtkLookupTable* lut) {
  lut->SetNumberOfTableValues(256);
  for (int i = 0; i < 256; ++i) {
    const QColor c = colorMapAt(i / 255.0);
    lut->SetTableValue(i, c.redF(), c.greenF(), c.blueF(), 1.0);
  }
  lut->SetNanColor(0.5, 0.5, 0.5, 1.0);
  lut->Build();
}

}  // namespace

VtkView::VtkView(QWidget* parent) : QOpenGLWidget(parent), d(std::make_unique<Impl>()) {
  setMinimumSize(200, 150);
  setFocusPolicy(Qt::StrongFocus);

  d->window->AddRenderer(d->renderer);
  d->renderer->SetBackground(0.11, 0.12, 0.14);
  d->interactor->SetRenderWindow(d->window);
  d->interactor->SetInteractorStyle(d->style);
  d->interactor->SetPicker(d->picker);
  // Renders happen only in paintGL, where the context is current and VTK's
  // state cache has been reset; interaction just schedules a repaint.
  d->interactor->EnableRenderOff();

  fillLookupTable(d->lut);
  d->cloud->SetPoints(d->points);
  d->cloud->SetVerts(d->verts);
  d->cloudMapper->SetInputData(d->cloud);
  d->cloudMapper->SetLookupTable(d->lut);
  d->cloudActor->SetMapper(d->cloudMapper);
  d->cloudActor->GetProperty()->SetPointSize(2.0);
  d->cloudActor->GetProperty()->SetColor(0.8, 0.8, 0.8);
  d->renderer->AddActor(d->cloudActor);

  d->surfaceMapper->SetInputData(d->surface);
  d->surfaceMapper->SetLookupTable(d->lut);
  d->surfaceActor->SetMapper(d->surfaceMapper);
  d->surfaceActor->VisibilityOff();
  d->renderer->AddActor(d->surfaceActor);

  d->scalarBar->SetLookupTable(d->lut);
  d->scalarBar->SetNumberOfLabels(5);
  d->scalarBar->SetWidth(0.08);
  d->scalarBar->SetHeight(0.6);
  d->scalarBar->SetUnconstrainedFontSize(true);
  d->scalarBar->GetTitleTextProperty()->SetFontSize(14);
  d->scalarBar->GetLabelTextProperty()->SetFontSize(11);
  d->scalarBar->VisibilityOff();
  d->renderer->AddActor2D(d->scalarBar);

  d->picker->SetTolerance(0.01);

  auto* callback = vtkCallbackCommand::New();
  callback->SetClientData(this);
  callback->SetCallback([](vtkObject*, unsigned long event, void* clientData, void* callData) {
    auto* self = static_cast<VtkView*>(clientData);
    switch (event) {
      case vtkCommand::WindowMakeCurrentEvent:
        // Only when not current already: re-making it current would rebind
        // Qt's framebuffer behind VTK's cached state (docs/ARCHITECTURE.md,
        // Debian 12 stack facts: VTK inside Qt 6).
        if (QOpenGLContext::currentContext() != self->context()) self->makeCurrent();
        break;
      case vtkCommand::WindowIsCurrentEvent:
        *static_cast<bool*>(callData) = QOpenGLContext::currentContext() == self->context();
        break;
      case vtkCommand::WindowFrameEvent:
        if (!self->d->inPaint) self->update();
        break;
      default:
        break;
    }
  });
  d->window->AddObserver(vtkCommand::WindowMakeCurrentEvent, callback);
  d->window->AddObserver(vtkCommand::WindowIsCurrentEvent, callback);
  d->window->AddObserver(vtkCommand::WindowFrameEvent, callback);
  callback->Delete();
}

VtkView::~VtkView() {
  if (!d->glReady) return;  // never shown: no GL resources to release
  makeCurrent();
  d->axesWidget->SetEnabled(0);
  d->window->Finalize();
  doneCurrent();
}

void VtkView::initializeGL() {
  d->window->SetOwnContext(false);
  d->window->SetFrameBlitModeToNoBlit();
  d->window->SetReadyForRendering(true);
  d->window->SetForceMaximumHardwareLineWidth(1);
  d->window->OpenGLInitContext();
  d->glReady = true;

  d->axesWidget->SetOrientationMarker(d->axes);
  d->axesWidget->SetInteractor(d->interactor);
  d->axesWidget->SetViewport(0.0, 0.0, 0.18, 0.25);
  d->axesWidget->SetEnabled(1);
  d->axesWidget->InteractiveOff();
}

void VtkView::resizeGL(int w, int h) {
  const double ratio = devicePixelRatioF();
  const int pw = static_cast<int>(w * ratio), ph = static_cast<int>(h * ratio);
  d->interactor->UpdateSize(pw, ph);
  d->window->SetSize(pw, ph);
}

void VtkView::paintGL() {
  if (!d->glReady) return;
  d->inPaint = true;
  if (d->cameraNeedsReset) {
    vtkCamera* camera = d->renderer->GetActiveCamera();
    camera->SetPosition(0, 0, 1);
    camera->SetFocalPoint(0, 0, 0);
    camera->SetViewUp(0, 1, 0);
    if (d->surfaceActor->GetVisibility()) {
      // A height field reads best from above at an angle, not straight down.
      camera->Elevation(-55);
      camera->Azimuth(20);
      camera->OrthogonalizeViewUp();
    }
    d->renderer->ResetCamera();
    d->cameraNeedsReset = false;
  }
  vtkOpenGLState* state = d->window->GetState();
  state->Reset();
  state->Push();
  state->vtkglDepthFunc(GL_LEQUAL);  // Qt leaves GL_LESS; VTK expects LEQUAL
  d->window->Render();

  const int w = d->window->GetSize()[0], h = d->window->GetSize()[1];
  state->vtkglBindFramebuffer(GL_DRAW_FRAMEBUFFER, defaultFramebufferObject());
  auto* f = context()->extraFunctions();
  const GLenum attachment = GL_COLOR_ATTACHMENT0;
  f->glDrawBuffers(1, &attachment);
  state->vtkglDisable(GL_SCISSOR_TEST);
  d->window->BlitDisplayFramebuffer(0, 0, 0, w, h, 0, 0, w, h, GL_COLOR_BUFFER_BIT, GL_NEAREST);
  // VTK leaves alpha < 1 in the background and around text; Qt composes the
  // widget with that alpha and the window shows through. Force it opaque.
  state->vtkglColorMask(GL_FALSE, GL_FALSE, GL_FALSE, GL_TRUE);
  state->vtkglClearColor(0.0, 0.0, 0.0, 1.0);
  state->vtkglViewport(0, 0, w, h);
  state->vtkglClear(GL_COLOR_BUFFER_BIT);
  state->vtkglColorMask(GL_TRUE, GL_TRUE, GL_TRUE, GL_TRUE);
  state->Pop();
  d->inPaint = false;
}

void VtkView::forwardMouse(QMouseEvent* event, unsigned long vtkEvent) {
  const double ratio = devicePixelRatioF();
  const QPointF p = event->position() * ratio;
  const bool ctrl = event->modifiers() & Qt::ControlModifier;
  const bool shift = event->modifiers() & Qt::ShiftModifier;
  d->interactor->SetEventInformationFlipY(static_cast<int>(p.x()), static_cast<int>(p.y()), ctrl, shift);
  d->interactor->InvokeEvent(vtkEvent, event);
  update();
}

void VtkView::mousePressEvent(QMouseEvent* event) {
  d->pressPosition = event->pos();
  d->dragged = false;
  switch (event->button()) {
    case Qt::LeftButton:
      forwardMouse(event, vtkCommand::LeftButtonPressEvent);
      break;
    case Qt::MiddleButton:
      forwardMouse(event, vtkCommand::MiddleButtonPressEvent);
      break;
    case Qt::RightButton:
      forwardMouse(event, vtkCommand::RightButtonPressEvent);
      break;
    default:
      break;
  }
}

void VtkView::mouseMoveEvent(QMouseEvent* event) {
  if ((event->pos() - d->pressPosition).manhattanLength() > 3) d->dragged = true;
  forwardMouse(event, vtkCommand::MouseMoveEvent);
}

void VtkView::mouseReleaseEvent(QMouseEvent* event) {
  switch (event->button()) {
    case Qt::LeftButton:
      forwardMouse(event, vtkCommand::LeftButtonReleaseEvent);
      if (!d->dragged) pickAt(event->pos());
      break;
    case Qt::MiddleButton:
      forwardMouse(event, vtkCommand::MiddleButtonReleaseEvent);
      break;
    case Qt::RightButton:
      forwardMouse(event, vtkCommand::RightButtonReleaseEvent);
      break;
    default:
      break;
  }
}

void VtkView::wheelEvent(QWheelEvent* event) {
  const double ratio = devicePixelRatioF();
  const QPointF p = event->position() * ratio;
  d->interactor->SetEventInformationFlipY(static_cast<int>(p.x()), static_cast<int>(p.y()));
  d->interactor->InvokeEvent(event->angleDelta().y() > 0 ? vtkCommand::MouseWheelForwardEvent
                                                         : vtkCommand::MouseWheelBackwardEvent);
  update();
}

void VtkView::pickAt(const QPoint& position) {
  if (!d->glReady || d->points->GetNumberOfPoints() == 0) return;
  const double ratio = devicePixelRatioF();
  makeCurrent();
  const double x = position.x() * ratio;
  const double y = (height() - position.y()) * ratio;
  if (d->picker->Pick(x, y, 0, d->renderer) && d->picker->GetDataSet() == d->cloud.Get()) {
    const vtkIdType id = d->picker->GetPointId();
    double p[3];
    d->points->GetPoint(id, p);
    emit pointPicked(id, p[0], p[1], p[2]);
  }
  doneCurrent();
}

void VtkView::setPoints(const float* xyz, std::int64_t count) {
  const bool resized = d->points->GetNumberOfPoints() != count;
  d->points->SetDataTypeToFloat();
  d->points->SetNumberOfPoints(count);
  std::memcpy(d->points->GetData()->GetVoidPointer(0), xyz, sizeof(float) * 3 * static_cast<std::size_t>(count));
  d->points->Modified();
  if (resized) {
    // One vertex cell per point: rebuilt only when the count changes.
    auto offsets = Ptr<vtkIdTypeArray>::New();
    auto connectivity = Ptr<vtkIdTypeArray>::New();
    offsets->SetNumberOfValues(count + 1);
    connectivity->SetNumberOfValues(count);
    for (vtkIdType i = 0; i <= count; ++i) offsets->SetValue(i, i);
    for (vtkIdType i = 0; i < count; ++i) connectivity->SetValue(i, i);
    d->verts->SetData(offsets, connectivity);
    d->cloud->GetPointData()->SetScalars(nullptr);
    d->cloudMapper->ScalarVisibilityOff();
    d->scalarBar->VisibilityOff();
    d->cameraNeedsReset = true;
  }
  d->cloud->Modified();
  d->cloudActor->VisibilityOn();
  d->surfaceActor->VisibilityOff();
  update();
}

void VtkView::setPointColors(const std::uint8_t* rgb) {
  const vtkIdType n = d->points->GetNumberOfPoints();
  d->colors->SetNumberOfComponents(3);
  d->colors->SetNumberOfTuples(n);
  std::memcpy(d->colors->GetPointer(0), rgb, static_cast<std::size_t>(n) * 3);
  d->colors->Modified();
  d->cloud->GetPointData()->SetScalars(d->colors);
  d->cloudMapper->SetColorModeToDirectScalars();
  d->cloudMapper->ScalarVisibilityOn();
  d->scalarBar->VisibilityOff();
  d->cloud->Modified();
  update();
}

void VtkView::setPointScalars(const float* values, double lo, double hi, const QString& title) {
  const vtkIdType n = d->points->GetNumberOfPoints();
  d->scalars->SetNumberOfComponents(1);
  d->scalars->SetNumberOfTuples(n);
  std::memcpy(d->scalars->GetPointer(0), values, static_cast<std::size_t>(n) * sizeof(float));
  d->scalars->Modified();
  d->cloud->GetPointData()->SetScalars(d->scalars);
  d->cloudMapper->SetColorModeToMapScalars();
  d->cloudMapper->SetScalarRange(lo, hi);
  d->cloudMapper->ScalarVisibilityOn();
  d->lut->SetRange(lo, hi);
  d->scalarBar->SetTitle(title.toUtf8().constData());
  d->scalarBar->VisibilityOn();
  d->cloud->Modified();
  update();
}

void VtkView::setPointSize(double pixels) {
  d->cloudActor->GetProperty()->SetPointSize(static_cast<float>(pixels));
  update();
}

void VtkView::setHeightField(const float* heights, int rows, int cols, const QString& title) {
  auto points = Ptr<vtkPoints>::New();
  points->SetNumberOfPoints(static_cast<vtkIdType>(rows) * cols);
  auto values = Ptr<vtkFloatArray>::New();
  values->SetNumberOfTuples(static_cast<vtkIdType>(rows) * cols);
  float lo = heights[0], hi = heights[0];
  for (int i = 0; i < rows * cols; ++i) {
    lo = std::min(lo, heights[i]);
    hi = std::max(hi, heights[i]);
  }
  // Heights are scaled so the surface's relief is comparable to its extent.
  const double scale = hi > lo ? 0.5 * std::max(rows, cols) / (hi - lo) : 1.0;
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < cols; ++c) {
      const vtkIdType id = static_cast<vtkIdType>(r) * cols + c;
      points->SetPoint(id, c, r, (heights[id] - lo) * scale);
      values->SetValue(id, heights[id]);
    }
  }
  auto quads = Ptr<vtkCellArray>::New();
  for (int r = 0; r + 1 < rows; ++r) {
    for (int c = 0; c + 1 < cols; ++c) {
      const vtkIdType a = static_cast<vtkIdType>(r) * cols + c;
      const vtkIdType quad[4] = {a, a + 1, a + cols + 1, a + cols};
      quads->InsertNextCell(4, quad);
    }
  }
  d->surface->SetPoints(points);
  d->surface->SetPolys(quads);
  d->surface->GetPointData()->SetScalars(values);
  d->surfaceMapper->SetScalarRange(lo, hi);
  d->lut->SetRange(lo, hi);
  d->scalarBar->SetTitle(title.toUtf8().constData());
  d->scalarBar->VisibilityOn();
  d->surfaceActor->VisibilityOn();
  d->cloudActor->VisibilityOff();
  d->cameraNeedsReset = true;
  update();
}

void VtkView::clearScene() {
  d->points->SetNumberOfPoints(0);
  d->verts->Reset();
  d->cloud->Modified();
  d->surfaceActor->VisibilityOff();
  d->scalarBar->VisibilityOff();
  update();
}

void VtkView::setAxesVisible(bool visible) {
  if (d->glReady) d->axesWidget->SetEnabled(visible ? 1 : 0);
  update();
}

void VtkView::resetCamera() {
  d->cameraNeedsReset = true;
  update();
}

std::int64_t VtkView::pointCount() const {
  return d->points->GetNumberOfPoints();
}

QImage VtkView::grabImage() {
  return grabFramebuffer();
}

}  // namespace loupe
