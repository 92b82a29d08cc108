// The runs of the open database as a table model for the experiment browser:
// id, kind, name, status, start, duration, device, steps and up to three key
// metrics (the last step's values). Filtering by kind, status and text is
// done by RunsFilter, a proxy over it.
//
// Threading: GUI thread only; refresh() reads the store (WAL: readers never
// wait for a recording run's writes).
#pragma once

#include <QAbstractTableModel>
#include <QSortFilterProxyModel>
#include <vector>

#include "experiments/Store.h"

namespace loupe {

class RunsModel : public QAbstractTableModel {
  Q_OBJECT

 public:
  enum Column { Id, Kind, Name, Status, Started, Duration, Device, Steps, KeyMetrics, ColumnCount };

  using QAbstractTableModel::QAbstractTableModel;
  void refresh(Store& store);
  const RunInfo& run(int row) const { return m_runs[static_cast<std::size_t>(row)].info; }
  int rowOf(std::int64_t runId) const;

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

 private:
  struct Row {
    RunInfo info;
    QString metrics;
  };
  std::vector<Row> m_runs;
};

class RunsFilter : public QSortFilterProxyModel {
  Q_OBJECT

 public:
  using QSortFilterProxyModel::QSortFilterProxyModel;
  void setKind(const QString& kind);      // empty: any
  void setStatus(const QString& status);  // empty: any
  void setText(const QString& text);      // matched against name, kind and id

 protected:
  bool filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const override;

 private:
  QString m_kind, m_status, m_text;
};

}  // namespace loupe
