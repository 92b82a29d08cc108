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

#include "engines/specdec/MedusaTree.h"
#include "panels/Panel.h"

class QComboBox;
class QLabel;
class QLineEdit;
class QTextBrowser;

namespace loupe {

class ChartView;
class TimelineScrubber;
class TreeGraphView;

class SpecdecPanel : public Panel {
  Q_OBJECT

 public:
  explicit SpecdecPanel(QWidget* parent = nullptr);

  QString title() const override { return "Speculative decoding"; }
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
  TreeGraphView* treeView() const { return m_tree; }
  ChartView* histogramChart() const { return m_histogram; }
  ChartView* depthChart() const { return m_depth; }
  QTextBrowser* textView() const { return m_text; }
  TimelineScrubber* scrubber() const { return m_scrubber; }

  // The tree editor (its buttons call these).
  bool editTree();  // loads the tree field's tree; false (and why, below the charts) if it is not a tree
  void addChild();
  void removeSelected();
  bool saveTree(const QString& file);
  const specdec::Choices& editedTree() const { return m_edit; }
  QString treeSpec() const;

 private:
  void showRunSummary();
  void showEditedTree();
  void selectNode(int node);
  void showStep(const StepRecord& record);
  void setVocabulary(const StepRecord& first);
  void addMethodLines(const std::vector<StepRecord>& records, const std::string& kind, const QString& prefix,
                      Qt::PenStyle style);

  Store* m_store = nullptr;
  std::int64_t m_run = 0, m_runB = 0;
  std::string m_runKind;
  std::vector<StepRecord> m_records;
  std::vector<QString> m_words;

  QComboBox* m_kind;
  QLineEdit* m_treeSpec;
  QLabel* m_header;
  QLabel* m_values;
  TimelineScrubber* m_scrubber;
  TreeGraphView* m_tree = nullptr;
  bool m_editing = false;
  specdec::Choices m_edit;
  std::vector<int> m_selected;  // the edited tree's selected path ({} = the root)
  QWidget* m_editButtons;
  QWidget* m_treeHolder;
  ChartView* m_histogram;
  ChartView* m_depth;
  QTextBrowser* m_text;
};

}  // namespace loupe
