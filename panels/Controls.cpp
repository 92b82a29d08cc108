#include "panels/Controls.h"

#include <QTableWidgetItem>

#include <QComboBox>
#include <QSpinBox>

namespace loupe {

QSpinBox* prefixedSpin(QWidget* parent, const QString& prefix, int lo, int hi, int value) {
  auto* s = new QSpinBox(parent);
  s->setRange(lo, hi);
  s->setValue(value);
  s->setPrefix(prefix);
  return s;
}

QComboBox* choiceBox(QWidget* parent, const QStringList& items, const QString& toolTip) {
  auto* c = new QComboBox(parent);
  c->addItems(items);
  c->setToolTip(toolTip);
  return c;
}

QTableWidgetItem* textCell(const QString& text) {
  auto* item = new QTableWidgetItem(text);
  item->setFlags(item->flags() & ~Qt::ItemIsEditable);
  return item;
}

QTableWidgetItem* numberCell(double value, int precision) {
  auto* item = new QTableWidgetItem;
  item->setData(Qt::DisplayRole, QString::number(value, 'g', precision).toDouble());
  item->setFlags(item->flags() & ~Qt::ItemIsEditable);
  return item;
}

}  // namespace loupe
