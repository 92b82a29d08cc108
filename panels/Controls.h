// Small builders for the controls every topic panel's run bar has — a spin
// box whose prefix names the parameter ("N 512"), a choice box — and for the
// cells of their tables.
#pragma once

#include <QString>
#include <QStringList>

class QComboBox;
class QSpinBox;
class QTableWidgetItem;
class QWidget;

namespace loupe {

QSpinBox* prefixedSpin(QWidget* parent, const QString& prefix, int lo, int hi, int value);
QComboBox* choiceBox(QWidget* parent, const QStringList& items, const QString& toolTip = {});

// Read-only table cells: text, and a number shown with `precision`
// significant digits that sorts as a number, not as text.
QTableWidgetItem* textCell(const QString& text);
QTableWidgetItem* numberCell(double value, int precision = 4);

}  // namespace loupe
