// A heat-map of a rows × cols grid of values, drawn with ImGui: one filled
// cell per value on our colour map, a colour legend, a hover tooltip (row,
// column, value, mark), click to select a cell (cellSelected), and optional
// per-cell overlay marks (e.g. "skipped", "rescaled" for attention tiles).
// Handles 256 × 256 cells at interactive rates (tests/bench/ViewerBench).
//
// Threading: GUI thread only.
#pragma once

#include <QString>
#include <cstdint>
#include <vector>

#include "viewers/ImGuiView.h"

namespace loupe {

class TileGridView : public ImGuiView {
  Q_OBJECT

 public:
  enum Mark : std::uint8_t { None = 0, Dot = 1, Cross = 2, Outline = 3 };

  explicit TileGridView(QWidget* parent = nullptr);
  ~TileGridView() override;

  // values: rows × cols, row-major. NaN cells are grey. The range is the
  // finite min/max unless setValueRange() fixed it.
  void setGrid(int rows, int cols, std::vector<float> values, const QString& title = {});
  void setMarks(std::vector<std::uint8_t> marks, const QString& legend = {});
  void setValueRange(double lo, double hi);
  void clearSelection();

  int rows() const { return m_rows; }
  int cols() const { return m_cols; }
  int selectedRow() const { return m_selectedRow; }
  int selectedCol() const { return m_selectedCol; }
  // Centre of a cell in widget coordinates (for tests and tooltips).
  QPointF cellCenter(int row, int col) const;

 signals:
  void cellSelected(int row, int col, double value);

 protected:
  void drawUi() override;

 private:
  struct Layout {
    float x0, y0, cell;
  };
  Layout layout() const;
  // Small cells are drawn as one texture (one quad instead of rows × cols).
  void uploadTexture();

  int m_rows = 0, m_cols = 0;
  std::vector<float> m_values;
  std::vector<std::uint8_t> m_marks;
  QString m_title, m_markLegend;
  bool m_fixedRange = false;
  double m_lo = 0, m_hi = 1;
  int m_selectedRow = -1, m_selectedCol = -1;
  unsigned int m_texture = 0;
  bool m_textureDirty = true;
};

}  // namespace loupe
