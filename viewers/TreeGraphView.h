// A tree drawn with ImGui: nodes laid out by depth (left to right) and leaf
// order, edges, per-node colour and label, and a highlighted root-to-node
// path (e.g. the accepted path of a speculative-decoding tree). Clicking a
// node emits nodeClicked.
//
// Threading: GUI thread only.
#pragma once

#include <QColor>
#include <QString>
#include <vector>

#include "viewers/ImGuiView.h"

namespace loupe {

struct TreeNode {
  int parent = -1;  // -1 for the root; parents come before children
  QString label;
  QColor color = QColor(90, 140, 200);
};

class TreeGraphView : public ImGuiView {
  Q_OBJECT

 public:
  explicit TreeGraphView(QWidget* parent = nullptr);

  void setTree(std::vector<TreeNode> nodes, std::vector<int> highlightedPath = {}, const QString& title = {});
  QPointF nodeCenter(int node) const;
  int nodeCount() const { return static_cast<int>(m_nodes.size()); }
  const std::vector<int>& highlightedPath() const { return m_path; }

 signals:
  void nodeClicked(int node);

 protected:
  void drawUi() override;

 private:
  void computeLayout();

  std::vector<TreeNode> m_nodes;
  std::vector<int> m_path;
  std::vector<QPointF> m_positions;  // normalised: x = depth, y = leaf order
  int m_maxDepth = 0;
  double m_leafCount = 1;
  QString m_title;
};

}  // namespace loupe
