// The speculative-decoding panel. For `specdec.medusa` / `specdec.sample`
// runs, per step: the candidate tree (ImGui; accepted path highlighted,
// rejected nodes greyed, each node's token and the target's probability),
// and for the run: the histogram of drafts kept per step, the acceptance
// rate by depth, and the generated text with the runs of accepted drafts
// highlighted. For `specdec.compare` runs and two compared runs: acceptance
// by depth per method on one chart and tokens per target call side by side.
// Runs on the shipped transformer (source "model") read as text: subword
// pieces joined as they are. A compare run's acceptance-by-depth lines carry
// their 95 % band over prompts (dotted). `specdec.train_heads` runs draw
// each head's loss and held-out top-1 accuracy beside the unigram baseline,
// live while training; `specdec.design_tree` runs draw predicted and
// measured accepted drafts against tree size (designed, mc_sim_7b_63 cut,
// Medusa's independent estimate) and each head's accuracy by rank, and a
// step's designed tree in the tree view and the tree field — ready to edit
// or to run.
// The tree editor loads the tree field's tree (a published name, chain:N or
// a choice list), lets the user pick a node in the tree view and add a child
// (at the next free rank) or remove it with its subtree, and saves the
// result as a choice list; the tree field then holds it, so Run uses it.
//
// It computes no science: everything shown comes from the recorded steps.
// Threading: GUI thread only (Panel.h).
#pragma once

#include "experiments/TreeEditing.h"
#include "panels/MetricSeries.h"
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
  QComboBox* kindChoice() const { return m_kind; }
  QComboBox* sourceChoice() const { return m_source; }

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
  void liveBegan(const RunInfo& run) override;
  void liveStep(const StepRecord& record) override;
  void liveRefresh() override;

 private:
  void showRunSummary();
  void showEditedTree();
  void selectNode(int node);
  void setVocabulary(const StepRecord& first);
  void showTrainingCurves(const SeriesMap& series);
  void showDesignSummary();
  void showDesignedTree(const StepRecord& r);
  void addMethodLines(const std::vector<StepRecord>& records, const std::string& kind, const QString& prefix,
                      Qt::PenStyle style);

  std::string m_runKind;
  std::vector<StepRecord> m_records;
  std::vector<QString> m_words;
  bool m_subword = false;  // the words are subword pieces carrying their own spaces
  SeriesMap m_liveSeries;  // a live train_heads run's curves

  QComboBox* m_kind;
  QComboBox* m_source;
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
