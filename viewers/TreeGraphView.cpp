#include "viewers/TreeGraphView.h"

#include <imgui.h>

#include <algorithm>
#include <functional>

namespace loupe {

namespace {
constexpr float kMargin = 24.0f;
constexpr float kRadius = 7.0f;
}

TreeGraphView::TreeGraphView(QWidget* parent) : ImGuiView(parent) {}

void TreeGraphView::setTree(std::vector<TreeNode> nodes, std::vector<int> highlightedPath, const QString& title) {
  m_nodes = std::move(nodes);
  m_path = std::move(highlightedPath);
  m_title = title;
  computeLayout();
  update();
}

void TreeGraphView::computeLayout() {
  const int n = static_cast<int>(m_nodes.size());
  std::vector<std::vector<int>> children(n);
  std::vector<int> depth(n, 0);
  for (int i = 0; i < n; ++i) {
    if (m_nodes[i].parent >= 0) {
      children[m_nodes[i].parent].push_back(i);
      depth[i] = depth[m_nodes[i].parent] + 1;
    }
  }
  m_positions.assign(n, QPointF());
  m_maxDepth = n ? *std::max_element(depth.begin(), depth.end()) : 0;
  double nextLeaf = 0;
  // Leaves take consecutive rows; a parent sits at the mean of its children.
  std::function<double(int)> place = [&](int node) -> double {
    double y;
    if (children[node].empty()) {
      y = nextLeaf++;
    } else {
      double sum = 0;
      for (int c : children[node]) sum += place(c);
      y = sum / static_cast<double>(children[node].size());
    }
    m_positions[node] = QPointF(depth[node], y);
    return y;
  };
  for (int i = 0; i < n; ++i)
    if (m_nodes[i].parent < 0) place(i);
  m_leafCount = std::max(1.0, nextLeaf);
}

QPointF TreeGraphView::nodeCenter(int node) const {
  const double w = width() - 2 * kMargin - 60, h = height() - 2 * kMargin - 20;
  const QPointF p = m_positions[node];
  return {kMargin + (m_maxDepth ? p.x() / m_maxDepth : 0.5) * w,
          kMargin + 20 + (m_leafCount > 1 ? p.y() / (m_leafCount - 1) : 0.5) * h};
}

void TreeGraphView::drawUi() {
  ImDrawList* draw = ImGui::GetBackgroundDrawList();
  draw->AddText(ImVec2(kMargin, 6), IM_COL32(230, 230, 230, 255), m_title.isEmpty() ? "tree" : m_title.toUtf8().constData());
  auto onPath = [&](int node) { return std::find(m_path.begin(), m_path.end(), node) != m_path.end(); };
  for (int i = 0; i < static_cast<int>(m_nodes.size()); ++i) {
    if (m_nodes[i].parent < 0) continue;
    const QPointF a = nodeCenter(m_nodes[i].parent), b = nodeCenter(i);
    const bool highlighted = onPath(i) && onPath(m_nodes[i].parent);
    draw->AddLine(ImVec2(a.x(), a.y()), ImVec2(b.x(), b.y()),
                  highlighted ? IM_COL32(255, 200, 60, 255) : IM_COL32(140, 140, 150, 180), highlighted ? 3.0f : 1.0f);
  }
  const ImVec2 mouse = ImGui::GetIO().MousePos;
  for (int i = 0; i < static_cast<int>(m_nodes.size()); ++i) {
    const QPointF c = nodeCenter(i);
    const QColor& col = m_nodes[i].color;
    draw->AddCircleFilled(ImVec2(c.x(), c.y()), kRadius, IM_COL32(col.red(), col.green(), col.blue(), 255));
    if (onPath(i)) draw->AddCircle(ImVec2(c.x(), c.y()), kRadius + 2, IM_COL32(255, 200, 60, 255), 0, 2.0f);
    draw->AddText(ImVec2(c.x() + kRadius + 3, c.y() - 7), IM_COL32(230, 230, 230, 255),
                  m_nodes[i].label.toUtf8().constData());
    const float dx = mouse.x - c.x(), dy = mouse.y - c.y();
    if (dx * dx + dy * dy <= (kRadius + 2) * (kRadius + 2) && ImGui::IsMouseClicked(ImGuiMouseButton_Left)) {
      emit nodeClicked(i);
    }
  }
}

}  // namespace loupe
