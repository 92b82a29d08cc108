// The experiment browser dock: the runs of the open database with filters
// (kind, status, text). Double-click opens a run in its panel (replay);
// selecting two runs of one kind enables Compare; Delete asks first.
//
// Threading: GUI thread only.
#pragma once

#include <QWidget>
#include <cstdint>
#include <vector>

class QComboBox;
class QLineEdit;
class QPushButton;
class QTableView;

namespace loupe {

class RunsFilter;
class RunsModel;
class Store;

class ExperimentBrowser : public QWidget {
  Q_OBJECT

 public:
  explicit ExperimentBrowser(QWidget* parent = nullptr);

  void refresh(Store& store);
  QTableView* table() const { return m_table; }
  std::vector<std::int64_t> selectedRuns() const;
  void selectRuns(const std::vector<std::int64_t>& runs);
  // Filters (also reachable through the widgets).
  void setKindFilter(const QString& kind);
  void setStatusFilter(const QString& status);
  void setTextFilter(const QString& text);
  int visibleRunCount() const;

 signals:
  void openRequested(std::int64_t run);
  void compareRequested(std::int64_t runA, std::int64_t runB);
  void deleteRequested(std::vector<std::int64_t> runs);
  // "Sweep…": sweep a parameter of this run's recipe.
  void sweepRequested(std::int64_t run);

 private:
  void updateButtons();

  RunsModel* m_model;
  RunsFilter* m_filter;
  QTableView* m_table;
  QComboBox* m_kind;
  QComboBox* m_status;
  QLineEdit* m_text;
  QPushButton* m_open;
  QPushButton* m_compare;
  QPushButton* m_delete;
  QPushButton* m_sweep;
};

}  // namespace loupe
