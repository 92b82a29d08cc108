// The speculative-decoding panel. For `specdec.medusa` / `specdec.sample`
// runs, per step: the candidate tree (ImGui; accepted path highlighted,
// rejected nodes greyed, each node's token and the target's probability),
// and for the run: the histogram of drafts kept per step, the acceptance
// rate by depth, and the generated text with the runs of accepted drafts
// highlighted. For `specdec.compare` runs and two compared runs: acceptance
// by depth per method on one chart and tokens per target call side by side.
// The tree editor loads the tree field's tree (a published name, chain:N or
// a choice list), lets the user pick a node in the tree view and add a child
// (at the next free rank) or remove it with its subtree, and saves the
// result as a choice list; the tree field then holds it, so Run uses it.
//
// It computes no science: everything shown comes from the recorded steps.
// Threading: GUI thread only (Panel.h).
#pragma once

#include "experiments/TreeEditing.h"
#include "panels/RunPanel.h"

class QComboBox;
class QLabel;
class QLineEdit;
class QTextBrowser;

namespace loupe {

class ChartView;
class TreeGraphView;

class SpecdecPanel : public RunPanel {
  Q_OBJECT

 public:
  explicit SpecdecPanel(QWidget* parent = nullptr);

  QString title() const override { return "Speculative decoding"; }
  std::vector<PanelFigure> figures() override;

  QString recipeJson() const;
  TreeGraphView* treeView() const { return m_tree; }
  ChartView* histogramChart() const { return m_histogram; }
  ChartView* depthChart() const { return m_depth; }
  QTextBrowser* textView() const { return m_text; }

  // The tree editor (its buttons call these).
  bool editTree();  // loads the tree field's tree; false (and why, below the charts) if it is not a tree
  void addChild();
  void removeSelected();
  bool saveTree(const QString& file);
  const TreePaths& editedTree() const { return m_edit; }
  QString treeSpec() const;

 protected:
  void clearViews() override;
  void showStep(const StepRecord& a, const StepRecord* b) override;
  bool walksSteps(const RunInfo& info) const override;
  // The values line keeps the run's summary (per method), not one step's metrics.
  QString valuesText(const StepRecord&) const override { return m_summary; }
  void runOpened(const RunInfo& info) override;
  void runCompared(const RunInfo& b) override;

 private:
  void showRunSummary();
  void showEditedTree();
  void selectNode(int node);
  void setVocabulary(const StepRecord& first);
  void addMethodLines(const std::vector<StepRecord>& records, const std::string& kind, const QString& prefix,
                      Qt::PenStyle style);

  std::string m_runKind;
  std::vector<StepRecord> m_records;
  std::vector<QString> m_words;

  QComboBox* m_kind;
  QLineEdit* m_treeSpec;
  TreeGraphView* m_tree = nullptr;
  bool m_editing = false;
  TreePaths m_edit;
  QString m_summary;            // the values line: accepted length and speed-up per method
  std::vector<int> m_selected;  // the edited tree's selected path ({} = the root)
  QWidget* m_editButtons;
  QWidget* m_treeHolder;
  ChartView* m_histogram;
  ChartView* m_depth;
  QTextBrowser* m_text;
};

}  // namespace loupe
