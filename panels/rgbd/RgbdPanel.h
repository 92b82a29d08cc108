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

#include "panels/Panel.h"

class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QSpinBox;

namespace loupe {

class ChartView;
class ImageView;
class TimelineScrubber;
class VtkView;

class RgbdPanel : public Panel {
  Q_OBJECT

 public:
  explicit RgbdPanel(QWidget* parent = nullptr);

  QString title() const override { return "RGBD"; }
  void openRun(Store& store, std::int64_t run) override;
  void compareRuns(Store& store, std::int64_t runA, std::int64_t runB) override;
  void liveStarted(const RunInfo& run) override;
  void liveRecord(const StepRecord& record) override;
  void liveEnded(RunStatus status) override;
  void showPosition(int index) override;
  std::vector<PanelFigure> figures() override;
  std::int64_t currentRun() const override { return m_run; }
  std::int64_t comparedRun() const override { return m_runB; }

  // The recipe the controls describe (what Run starts).
  QString recipeJson() const;
  // Writes the cloud shown (run A) as .ply or .pcd; throws on error.
  void exportCloud(const QString& path) const;

  // For tests.
  TimelineScrubber* scrubber() const { return m_scrubber; }
  VtkView* cloudView() const { return m_cloud; }
  VtkView* compareCloudView() const { return m_cloudB; }
  ImageView* depthView() const { return m_depth; }
  std::optional<std::int64_t> shownStep() const { return m_shownStep; }
  QComboBox* sourceChoice() const { return m_source; }
  QComboBox* sensorChoice() const { return m_sensor; }

 private:
  void showRecord(const StepRecord& a, const StepRecord* b);
  void showCloud(VtkView* view, const StepRecord& r);
  void rebuildChart();
  void setHeader(const QString& text);

  Store* m_store = nullptr;
  std::int64_t m_run = 0, m_runB = 0;
  std::vector<std::int64_t> m_steps, m_stepsB;
  std::optional<std::int64_t> m_shownStep;
  StepRecord m_current, m_live;
  bool m_liveDirty = false;
  std::map<QString, std::vector<QPointF>> m_series;

  QLabel* m_header;
  QComboBox* m_source;
  QComboBox* m_sensor;
  QSpinBox* m_frames;
  QSpinBox* m_seed;
  QLineEdit* m_path;
  QComboBox* m_colouring;
  QDoubleSpinBox* m_pointSize;
  TimelineScrubber* m_scrubber;
  VtkView* m_cloud = nullptr;
  VtkView* m_cloudB = nullptr;
  ImageView* m_depth;
  ImageView* m_second;
  ImageView* m_third;
  ChartView* m_chart;
  QLabel* m_values;
};

}  // namespace loupe
