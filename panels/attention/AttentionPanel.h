// The attention panel: watch a tiled FlashAttention forward tile by tile.
// The tile grid (ImGui) colours each tile by the running row-max bound it
// left behind and marks its state — current tile outlined, tiles cut by the
// causal diagonal dotted, skipped tiles crossed; the attention map (the one
// the kernel never stores) of head 0; the running max, rescale factor and
// work done per step; the error against float64 with FlashAttention's rule.
// Controls build an `attention.tiles` recipe and Run it; the pattern editor
// (a tab beside the map) is a grid of the run's tiles to click on and off,
// run as pattern "blocks". A scaling sweep shows time, peak memory and error
// against N on log-log axes, one series per method.
//
// It computes no science: everything shown comes from the recorded steps.
// Threading: GUI thread only (Panel.h).
#pragma once

#include <map>
#include <optional>

#include "experiments/KindRegistry.h"
#include "panels/RunPanel.h"

class QCheckBox;
class QComboBox;
class QSpinBox;
class QTabWidget;

namespace loupe {

class ChartView;
class ImageView;
class TileGridView;

class AttentionPanel : public RunPanel {
  Q_OBJECT

 public:
  // Controls take their ranges and defaults from `kinds`' attention.tiles.
  explicit AttentionPanel(QWidget* parent = nullptr, const KindRegistry& kinds = builtinKinds());

  QString title() const override { return "Attention"; }
  std::vector<PanelFigure> figures() override;

  QString recipeJson() const;
  TileGridView* tileGrid() const { return m_grid; }
  ImageView* attentionMap() const { return m_map; }
  TileGridView* patternEditor() const { return m_editor; }
  QTabWidget* viewTabs() const { return m_tabs; }
  QSpinBox* lengthControl() const { return m_n; }
  // The edited layout as the recipe spells it ("10/11").
  std::string blockLayoutText() const;

 protected:
  void clearViews() override;
  void showStep(const StepRecord& a, const StepRecord* b) override;
  QString runHeaderText(const RunInfo& info) const override;
  bool walksSteps(const RunInfo& info) const override;
  void runOpened(const RunInfo& info) override;
  void runCompared(const RunInfo& b) override;
  void liveBegan(const RunInfo& run) override;
  void liveStep(const StepRecord& record) override;
  void liveRefresh() override { rebuildChart(); }

 private:
  void rebuildChart();
  void resizeEditor();
  void refreshEditor();
  void toggleBlock(int row, int col);

  std::map<QString, std::vector<QPointF>> m_series;
  bool m_scaling = false;              // an attention.scaling sweep rather than a tile-by-tile run
  std::vector<std::uint8_t> m_blocks;  // the pattern editor's tiles, row-major
  int m_blockRows = 0, m_blockCols = 0;

  QSpinBox* m_n;
  QSpinBox* m_d;
  QSpinBox* m_blockQ;
  QSpinBox* m_blockK;
  QCheckBox* m_causal;
  QComboBox* m_pattern;
  QSpinBox* m_width;
  TileGridView* m_grid = nullptr;
  ImageView* m_map;
  TileGridView* m_editor = nullptr;
  QTabWidget* m_tabs;
  ChartView* m_chart;
};

}  // namespace loupe
