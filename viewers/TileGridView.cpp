#include "viewers/TileGridView.h"

#include <imgui.h>

#include <QOpenGLContext>
#include <QOpenGLFunctions>

#include <algorithm>
#include <cmath>
#include <tuple>

#include "viewers/ColorMap.h"

namespace loupe {

namespace {
constexpr float kMargin = 12.0f;
constexpr float kTitleHeight = 22.0f;
constexpr float kLegendWidth = 70.0f;

ImU32 toImColor(const QColor& c) {
  return IM_COL32(c.red(), c.green(), c.blue(), 255);
}
}  // namespace

TileGridView::TileGridView(QWidget* parent) : ImGuiView(parent) {}

TileGridView::~TileGridView() {
  if (!m_texture) return;
  makeCurrent();
  context()->functions()->glDeleteTextures(1, &m_texture);
  doneCurrent();
}

void TileGridView::uploadTexture() {
  auto* f = context()->functions();
  if (!m_texture) {
    f->glGenTextures(1, &m_texture);
    f->glBindTexture(GL_TEXTURE_2D, m_texture);
    f->glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
    f->glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
    f->glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
    f->glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
  }
  std::vector<std::uint32_t> rgba(static_cast<std::size_t>(m_rows) * m_cols);
  const double span = m_hi > m_lo ? m_hi - m_lo : 1.0;
  for (std::size_t i = 0; i < rgba.size(); ++i) {
    const float v = m_values[i];
    const QColor c = colorMapAt(std::isfinite(v) ? (v - m_lo) / span : NAN);
    rgba[i] = IM_COL32(c.red(), c.green(), c.blue(), 255);  // bytes R, G, B, A in memory
  }
  f->glBindTexture(GL_TEXTURE_2D, m_texture);
  f->glPixelStorei(GL_UNPACK_ALIGNMENT, 4);
  f->glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA, m_cols, m_rows, 0, GL_RGBA, GL_UNSIGNED_BYTE, rgba.data());
  m_textureDirty = false;
}

void TileGridView::setGrid(int rows, int cols, std::vector<float> values, const QString& title) {
  m_rows = rows;
  m_cols = cols;
  m_values = std::move(values);
  m_title = title;
  if (static_cast<int>(m_marks.size()) != rows * cols) m_marks.clear();
  if (!m_fixedRange) std::tie(m_lo, m_hi) = finiteRange(m_values.data(), m_values.size());
  m_textureDirty = true;
  if (m_selectedRow >= rows || m_selectedCol >= cols) clearSelection();
  update();
}

void TileGridView::setMarks(std::vector<std::uint8_t> marks, const QString& legend) {
  m_marks = std::move(marks);
  m_markLegend = legend;
  update();
}

void TileGridView::setValueRange(double lo, double hi) {
  m_fixedRange = true;
  m_lo = lo;
  m_hi = hi;
  m_textureDirty = true;
  update();
}

void TileGridView::clearSelection() {
  m_selectedRow = m_selectedCol = -1;
  update();
}

TileGridView::Layout TileGridView::layout() const {
  const float w = static_cast<float>(width()) - 2 * kMargin - kLegendWidth;
  const float h = static_cast<float>(height()) - 2 * kMargin - kTitleHeight;
  const float cell = (m_rows > 0 && m_cols > 0) ? std::max(0.5f, std::min(w / m_cols, h / m_rows)) : 1.0f;
  return {kMargin, kMargin + kTitleHeight, cell};
}

QPointF TileGridView::cellCenter(int row, int col) const {
  const Layout l = layout();
  return {l.x0 + (col + 0.5f) * l.cell, l.y0 + (row + 0.5f) * l.cell};
}

void TileGridView::drawUi() {
  ImDrawList* draw = ImGui::GetBackgroundDrawList();
  const Layout l = layout();
  draw->AddText(ImVec2(kMargin, kMargin), IM_COL32(230, 230, 230, 255),
                m_title.isEmpty() ? "tile grid" : m_title.toUtf8().constData());
  if (m_rows == 0 || m_cols == 0) {
    draw->AddText(ImVec2(l.x0, l.y0 + 10), IM_COL32(160, 160, 160, 255), "no data");
    return;
  }
  const double span = m_hi > m_lo ? m_hi - m_lo : 1.0;
  const bool gaps = l.cell >= 6.0f;  // thin separators only when cells are big enough
  if (!gaps) {
    if (m_textureDirty || !m_texture) uploadTexture();
    draw->AddImage(reinterpret_cast<ImTextureID>(static_cast<std::intptr_t>(m_texture)), ImVec2(l.x0, l.y0),
                   ImVec2(l.x0 + m_cols * l.cell, l.y0 + m_rows * l.cell));
  }
  for (int r = 0; r < m_rows && (gaps || !m_marks.empty()); ++r) {
    for (int c = 0; c < m_cols; ++c) {
      const float v = m_values[static_cast<std::size_t>(r) * m_cols + c];
      const ImVec2 a(l.x0 + c * l.cell, l.y0 + r * l.cell);
      const ImVec2 b(a.x + l.cell - (gaps ? 1.0f : 0.0f), a.y + l.cell - (gaps ? 1.0f : 0.0f));
      if (gaps) draw->AddRectFilled(a, b, toImColor(colorMapAt(std::isfinite(v) ? (v - m_lo) / span : NAN)));
      if (!m_marks.empty()) {
        const auto mark = m_marks[static_cast<std::size_t>(r) * m_cols + c];
        const ImVec2 centre((a.x + b.x) / 2, (a.y + b.y) / 2);
        const ImU32 ink = IM_COL32(255, 255, 255, 220);
        if (mark == Dot) draw->AddCircleFilled(centre, std::max(1.0f, l.cell * 0.15f), ink);
        if (mark == Cross) {
          draw->AddLine(a, b, ink, 1.0f);
          draw->AddLine(ImVec2(a.x, b.y), ImVec2(b.x, a.y), ink, 1.0f);
        }
        if (mark == Outline) draw->AddRect(a, b, ink);
      }
    }
  }
  if (m_selectedRow >= 0) {
    const ImVec2 a(l.x0 + m_selectedCol * l.cell, l.y0 + m_selectedRow * l.cell);
    draw->AddRect(ImVec2(a.x - 1, a.y - 1), ImVec2(a.x + l.cell + 1, a.y + l.cell + 1), IM_COL32(255, 60, 60, 255), 0,
                  0, 2.0f);
  }

  // Legend: a vertical colour bar with the range.
  const float gx = l.x0 + m_cols * l.cell + 14, gy = l.y0, gh = std::max(40.0f, m_rows * l.cell);
  const int steps = 64;
  for (int i = 0; i < steps; ++i) {
    const float y0 = gy + gh * i / steps, y1 = gy + gh * (i + 1) / steps;
    draw->AddRectFilled(ImVec2(gx, y0), ImVec2(gx + 14, y1), toImColor(colorMapAt(1.0 - (i + 0.5) / steps)));
  }
  char text[64];
  std::snprintf(text, sizeof text, "%.4g", m_hi);
  draw->AddText(ImVec2(gx + 18, gy - 2), IM_COL32(230, 230, 230, 255), text);
  std::snprintf(text, sizeof text, "%.4g", m_lo);
  draw->AddText(ImVec2(gx + 18, gy + gh - 12), IM_COL32(230, 230, 230, 255), text);

  // Hover and click.
  const ImVec2 mouse = ImGui::GetIO().MousePos;
  const int col = static_cast<int>(std::floor((mouse.x - l.x0) / l.cell));
  const int row = static_cast<int>(std::floor((mouse.y - l.y0) / l.cell));
  if (row >= 0 && row < m_rows && col >= 0 && col < m_cols) {
    const float v = m_values[static_cast<std::size_t>(row) * m_cols + col];
    ImGui::BeginTooltip();
    ImGui::Text("row %d, col %d", row, col);
    ImGui::Text("value %.6g", v);
    if (!m_marks.empty() && m_marks[static_cast<std::size_t>(row) * m_cols + col] != None && !m_markLegend.isEmpty()) {
      ImGui::TextUnformatted(m_markLegend.toUtf8().constData());
    }
    ImGui::EndTooltip();
    if (ImGui::IsMouseClicked(ImGuiMouseButton_Left)) {
      m_selectedRow = row;
      m_selectedCol = col;
      emit cellSelected(row, col, v);
      update();
    }
  }
}

}  // namespace loupe
