#include "app/workbench/ExperimentBrowser.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLineEdit>
#include <QPushButton>
#include <QTableView>
#include <QVBoxLayout>
#include <set>

#include "app/workbench/RunsModel.h"

namespace loupe {

ExperimentBrowser::ExperimentBrowser(QWidget* parent) : QWidget(parent) {
  m_model = new RunsModel(this);
  m_filter = new RunsFilter(this);
  m_filter->setSourceModel(m_model);
  m_filter->setSortRole(Qt::DisplayRole);

  auto* layout = new QVBoxLayout(this);
  auto* filters = new QHBoxLayout();
  m_kind = new QComboBox(this);
  m_kind->setObjectName("kindFilter");
  m_status = new QComboBox(this);
  m_status->setObjectName("statusFilter");
  m_status->addItem("any status", QString());
  for (const char* s : {"finished", "running", "failed", "cancelled", "interrupted", "created"})
    m_status->addItem(s, s);
  m_text = new QLineEdit(this);
  m_text->setObjectName("textFilter");
  m_text->setPlaceholderText("filter by name, kind or id");
  m_text->setClearButtonEnabled(true);
  filters->addWidget(m_kind);
  filters->addWidget(m_status);
  filters->addWidget(m_text, 1);
  layout->addLayout(filters);

  m_table = new QTableView(this);
  m_table->setObjectName("runsTable");
  m_table->setModel(m_filter);
  m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
  m_table->setSelectionMode(QAbstractItemView::ExtendedSelection);
  m_table->setSortingEnabled(true);
  m_table->sortByColumn(RunsModel::Id, Qt::DescendingOrder);
  m_table->verticalHeader()->hide();
  m_table->horizontalHeader()->setStretchLastSection(true);
  m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
  layout->addWidget(m_table, 1);

  auto* buttons = new QHBoxLayout();
  m_open = new QPushButton("Open", this);
  m_compare = new QPushButton("Compare", this);
  m_compare->setToolTip("Select two runs of the same kind");
  m_delete = new QPushButton("Delete…", this);
  m_sweep = new QPushButton("Sweep…", this);
  m_sweep->setObjectName("sweepButton");
  m_sweep->setToolTip("Run this run's recipe again over values of one parameter (a local sweep)");
  buttons->addWidget(m_open);
  buttons->addWidget(m_compare);
  buttons->addWidget(m_sweep);
  buttons->addStretch(1);
  buttons->addWidget(m_delete);
  layout->addLayout(buttons);

  connect(m_kind, &QComboBox::currentIndexChanged, this,
          [this] { m_filter->setKind(m_kind->currentData().toString()); });
  connect(m_status, &QComboBox::currentIndexChanged, this,
          [this] { m_filter->setStatus(m_status->currentData().toString()); });
  connect(m_text, &QLineEdit::textChanged, m_filter, &RunsFilter::setText);
  connect(m_table, &QTableView::doubleClicked, this,
          [this](const QModelIndex& index) { emit openRequested(index.data(Qt::UserRole).toLongLong()); });
  connect(m_open, &QPushButton::clicked, this, [this] {
    const auto runs = selectedRuns();
    if (!runs.empty()) emit openRequested(runs.front());
  });
  connect(m_compare, &QPushButton::clicked, this, [this] {
    const auto runs = selectedRuns();
    if (runs.size() == 2) emit compareRequested(runs[0], runs[1]);
  });
  connect(m_sweep, &QPushButton::clicked, this, [this] {
    const auto runs = selectedRuns();
    if (runs.size() == 1) emit sweepRequested(runs.front());
  });
  connect(m_delete, &QPushButton::clicked, this, [this] {
    const auto runs = selectedRuns();
    if (!runs.empty()) emit deleteRequested(runs);
  });
  connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this, &ExperimentBrowser::updateButtons);
  updateButtons();
}

void ExperimentBrowser::refresh(Store& store) {
  const auto keep = selectedRuns();
  m_model->refresh(store);
  // Kinds present in this database, for the kind filter.
  const QString currentKind = m_kind->currentData().toString();
  std::set<QString> kinds;
  for (int r = 0; r < m_model->rowCount(); ++r) kinds.insert(QString::fromStdString(m_model->run(r).kind));
  const QSignalBlocker block(m_kind);
  m_kind->clear();
  m_kind->addItem("any kind", QString());
  for (const auto& k : kinds) m_kind->addItem(k, k);
  m_kind->setCurrentIndex(std::max(0, m_kind->findData(currentKind)));
  m_filter->setKind(m_kind->currentData().toString());
  selectRuns(keep);
  m_table->resizeColumnsToContents();
  updateButtons();
}

std::vector<std::int64_t> ExperimentBrowser::selectedRuns() const {
  std::vector<std::int64_t> runs;
  for (const auto& index : m_table->selectionModel()->selectedRows())
    runs.push_back(index.data(Qt::UserRole).toLongLong());
  return runs;
}

void ExperimentBrowser::selectRuns(const std::vector<std::int64_t>& runs) {
  m_table->clearSelection();
  for (auto id : runs) {
    const int row = m_model->rowOf(id);
    if (row < 0) continue;
    const QModelIndex index = m_filter->mapFromSource(m_model->index(row, 0));
    if (index.isValid()) {
      m_table->selectionModel()->select(index, QItemSelectionModel::Select | QItemSelectionModel::Rows);
    }
  }
}

void ExperimentBrowser::setKindFilter(const QString& kind) {
  m_kind->setCurrentIndex(std::max(0, m_kind->findData(kind)));
}
void ExperimentBrowser::setStatusFilter(const QString& status) {
  m_status->setCurrentIndex(std::max(0, m_status->findData(status)));
}
void ExperimentBrowser::setTextFilter(const QString& text) {
  m_text->setText(text);
}
int ExperimentBrowser::visibleRunCount() const {
  return m_filter->rowCount();
}

void ExperimentBrowser::updateButtons() {
  const auto runs = selectedRuns();
  m_open->setEnabled(runs.size() == 1);
  m_sweep->setEnabled(runs.size() == 1);
  bool sameKind = runs.size() == 2;
  if (sameKind) {
    const int a = m_model->rowOf(runs[0]), b = m_model->rowOf(runs[1]);
    sameKind = a >= 0 && b >= 0 && m_model->run(a).kind == m_model->run(b).kind;
  }
  m_compare->setEnabled(sameKind);
  m_delete->setEnabled(!runs.empty());
}

}  // namespace loupe
