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

#include "panels/Panel.h"

class QCheckBox;
class QComboBox;
class QLabel;
class QSpinBox;
class QTabWidget;

namespace loupe {

class ChartView;
class ImageView;
class TileGridView;
class TimelineScrubber;

class AttentionPanel : public Panel {
  Q_OBJECT

 public:
  explicit AttentionPanel(QWidget* parent = nullptr);

  QString title() const override { return "Attention"; }
  void openRun(Store& store, std::int64_t run) override;
  void compareRuns(Store& store, std::int64_t runA, std::int64_t runB) override;
  void liveStarted(const RunInfo& run) override;
  void liveRecord(const StepRecord& record) override;
  void liveEnded(RunStatus status) override;
  void showPosition(int index) override;
  std::vector<PanelFigure> figures() override;
  std::int64_t currentRun() const override { return m_run; }
  std::int64_t comparedRun() const override { return m_runB; }

  QString recipeJson() const;
  TimelineScrubber* scrubber() const { return m_scrubber; }
  TileGridView* tileGrid() const { return m_grid; }
  ImageView* attentionMap() const { return m_map; }
  TileGridView* patternEditor() const { return m_editor; }
  QTabWidget* viewTabs() const { return m_tabs; }
  // The edited layout as the recipe spells it ("10/11").
  std::string blockLayoutText() const;
  std::optional<std::int64_t> shownStep() const { return m_shownStep; }

 private:
  void showRecord(const StepRecord& record);
  void rebuildChart();
  void resizeEditor();
  void refreshEditor();
  void toggleBlock(int row, int col);

  Store* m_store = nullptr;
  std::int64_t m_run = 0, m_runB = 0;
  std::vector<std::int64_t> m_steps;
  std::optional<std::int64_t> m_shownStep;
  std::map<QString, std::vector<QPointF>> m_series;
  StepRecord m_live;
  bool m_liveDirty = false;
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
  QLabel* m_header;
  QLabel* m_values;
  TimelineScrubber* m_scrubber;
  TileGridView* m_grid = nullptr;
  ImageView* m_map;
  TileGridView* m_editor = nullptr;
  QTabWidget* m_tabs;
  ChartView* m_chart;
};

}  // namespace loupe
