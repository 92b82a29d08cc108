// Small builders for the controls every topic panel's run bar has: a spin
// box whose prefix names the parameter ("N 512"), and a choice box.
#pragma once

#include <QString>
#include <QStringList>

class QComboBox;
class QSpinBox;
class QWidget;

namespace loupe {

QSpinBox* prefixedSpin(QWidget* parent, const QString& prefix, int lo, int hi, int value);
QComboBox* choiceBox(QWidget* parent, const QStringList& items, const QString& toolTip = {});

}  // namespace loupe
