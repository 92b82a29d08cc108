// The RGBD panel: stream any depth source into a live point cloud, see where
// each sensor kind fails, measure it, replay it, compare two sensor models
// side by side, and export the cloud (PLY, PCD) or any view (PNG/SVG/PDF).
//
// Left: the cloud (VTK; colour by RGB or by depth), a second cloud in compare
// mode. Right: depth, colour and error (or disparity) images. Below: the
// per-frame metrics. Top: the source, its sensor model and Run.
//
// It computes no science: every number comes from the rgbd.stream records.
// Threading: GUI thread only (Panel.h).
#pragma once

#include <optional>

#include "experiments/KindRegistry.h"
#include "panels/RunPanel.h"

class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QSpinBox;

namespace loupe {

class ChartView;
class ImageView;
class VtkView;

class RgbdPanel : public RunPanel {
  Q_OBJECT

 public:
  // Controls take their choices and ranges from `kinds`' rgbd.stream.
  explicit RgbdPanel(QWidget* parent = nullptr, const KindRegistry& kinds = builtinKinds());

  QString title() const override { return "RGBD"; }
  std::vector<PanelFigure> figures() override;
  // The recipe the controls describe (what Run starts).
  QString recipeJson() const;
  // Writes the cloud shown (run A) as .ply or .pcd; throws on error.
  void exportCloud(const QString& path) const;

  // For tests.
  VtkView* cloudView() const { return m_cloud; }
  VtkView* compareCloudView() const { return m_cloudB; }
  ImageView* depthView() const { return m_depth; }
  QComboBox* sourceChoice() const { return m_source; }
  QComboBox* sensorChoice() const { return m_sensor; }

 protected:
  void clearViews() override;
  void showStep(const StepRecord& a, const StepRecord* b) override;
  QString runHeaderText(const RunInfo& info) const override;
  void runOpened(const RunInfo& info) override;
  void runCompared(const RunInfo& b) override;
  void liveStep(const StepRecord& record) override;
  void liveRefresh() override { rebuildChart(); }

 private:
  void showCloud(VtkView* view, const StepRecord& r);
  void rebuildChart();

  StepRecord m_current;  // the step shown (what colouring changes and export write)
  std::map<QString, std::vector<QPointF>> m_series;
  QComboBox* m_source;
  QComboBox* m_sensor;
  QSpinBox* m_frames;
  QSpinBox* m_seed;
  QLineEdit* m_path;
  QComboBox* m_colouring;
  QDoubleSpinBox* m_pointSize;
  VtkView* m_cloud = nullptr;
  VtkView* m_cloudB = nullptr;
  ImageView* m_depth;
  ImageView* m_second;
  ImageView* m_third;
  ChartView* m_chart;
};

}  // namespace loupe
