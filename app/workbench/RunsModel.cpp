#include "app/workbench/RunsModel.h"

#include <QDateTime>
#include <cmath>

namespace loupe {

void RunsModel::refresh(Store& store) {
  beginResetModel();
  m_runs.clear();
  for (auto& info : store.listRuns()) {
    QStringList parts;
    for (const auto& [name, value] : store.lastMetrics(info.id, 3)) {
      parts << QString("%1=%2").arg(QString::fromStdString(name), std::isnan(value) ? "nan" : QString::number(value, 'g', 4));
    }
    m_runs.push_back({std::move(info), parts.join("  ")});
  }
  endResetModel();
}

int RunsModel::rowOf(std::int64_t runId) const {
  for (std::size_t i = 0; i < m_runs.size(); ++i)
    if (m_runs[i].info.id == runId) return static_cast<int>(i);
  return -1;
}

int RunsModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : static_cast<int>(m_runs.size()); }
int RunsModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant RunsModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid()) return {};
  const Row& row = m_runs[static_cast<std::size_t>(index.row())];
  const RunInfo& r = row.info;
  if (role == Qt::UserRole) return QVariant::fromValue<qlonglong>(r.id);
  if (role == Qt::ToolTipRole && index.column() == Status && !r.error.empty()) return QString::fromStdString(r.error);
  if (role != Qt::DisplayRole) return {};
  switch (index.column()) {
    case Id: return QVariant::fromValue<qlonglong>(r.id);
    case Kind: return QString::fromStdString(r.kind);
    case Name: return QString::fromStdString(r.name);
    case Status: return QString(runStatusName(r.status));
    case Started:
      return QDateTime::fromMSecsSinceEpoch(static_cast<qint64>((r.startedAt > 0 ? r.startedAt : r.createdAt) * 1000))
          .toString("yyyy-MM-dd HH:mm:ss");
    case Duration:
      return r.startedAt > 0 && r.endedAt > 0 ? QString("%1 s").arg(r.endedAt - r.startedAt, 0, 'f', 2) : QString("-");
    case Device: return QString::fromStdString(r.device);
    case Steps: return QVariant::fromValue<qlonglong>(r.stepCount);
    case KeyMetrics: return row.metrics;
    default: return {};
  }
}

QVariant RunsModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
  static const char* titles[] = {"ID", "Kind", "Name", "Status", "Started", "Duration", "Device", "Steps", "Key metrics"};
  return titles[section];
}

void RunsFilter::setKind(const QString& kind) {
  m_kind = kind;
  invalidateFilter();
}
void RunsFilter::setStatus(const QString& status) {
  m_status = status;
  invalidateFilter();
}
void RunsFilter::setText(const QString& text) {
  m_text = text;
  invalidateFilter();
}

bool RunsFilter::filterAcceptsRow(int sourceRow, const QModelIndex&) const {
  const auto* model = static_cast<const RunsModel*>(sourceModel());
  const RunInfo& r = model->run(sourceRow);
  if (!m_kind.isEmpty() && QString::fromStdString(r.kind) != m_kind) return false;
  if (!m_status.isEmpty() && m_status != runStatusName(r.status)) return false;
  if (m_text.isEmpty()) return true;
  return QString::fromStdString(r.name).contains(m_text, Qt::CaseInsensitive) ||
         QString::fromStdString(r.kind).contains(m_text, Qt::CaseInsensitive) || QString::number(r.id) == m_text;
}

}  // namespace loupe
