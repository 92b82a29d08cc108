#include "panels/SchemaControls.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QSpinBox>
#include <limits>
#include <stdexcept>

namespace loupe {

namespace {

QString toolTip(const ParamSpec& spec) {
  QString tip = QString::fromStdString(spec.name + ": " + spec.doc);
  if (spec.min || spec.max)
    tip += QString(" (%1 … %2)")
               .arg(spec.min ? QString::number(*spec.min) : QString("−∞"))
               .arg(spec.max ? QString::number(*spec.max) : QString("∞"));
  return tip;
}

void expectType(const ParamSpec& spec, ParamType type) {
  if (spec.type != type)
    throw std::logic_error("parameter '" + spec.name + "' is " + paramTypeName(spec.type) + ", the control wants " +
                           paramTypeName(type));
}

}  // namespace

const ParamSpec& paramSpec(const KindRegistry& kinds, const std::string& kind, const std::string& param) {
  const EngineKind* k = kinds.find(kind);
  if (!k) throw std::logic_error("panel control for unregistered kind '" + kind + "'");
  const ParamSpec* spec = k->schema.find(param);
  if (!spec)
    throw std::logic_error("panel control for '" + kind + "' parameter '" + param + "', which it does not have");
  return *spec;
}

void applySpec(QSpinBox* box, const ParamSpec& spec) {
  expectType(spec, ParamType::Int);
  constexpr double intMax = std::numeric_limits<int>::max();
  box->setRange(static_cast<int>(std::max(spec.min.value_or(-intMax), -intMax)),
                static_cast<int>(std::min(spec.max.value_or(intMax), intMax)));
  box->setToolTip(toolTip(spec));
}

QSpinBox* schemaSpin(QWidget* parent, const ParamSpec& spec, const QString& prefix) {
  auto* box = new QSpinBox(parent);
  applySpec(box, spec);
  box->setValue(spec.defaultValue.get<int>());
  box->setPrefix(prefix);
  box->setObjectName(QString::fromStdString(spec.name));
  return box;
}

QDoubleSpinBox* schemaDoubleSpin(QWidget* parent, const ParamSpec& spec, const QString& prefix, int decimals) {
  expectType(spec, ParamType::Float);
  auto* box = new QDoubleSpinBox(parent);
  box->setDecimals(decimals);
  box->setRange(spec.min.value_or(-1e300), spec.max.value_or(1e300));
  box->setValue(spec.defaultValue.get<double>());
  box->setPrefix(prefix);
  box->setToolTip(toolTip(spec));
  box->setObjectName(QString::fromStdString(spec.name));
  return box;
}

QComboBox* schemaChoice(QWidget* parent, const ParamSpec& spec) {
  expectType(spec, ParamType::Choice);
  auto* box = new QComboBox(parent);
  for (const auto& c : spec.choices) box->addItem(QString::fromStdString(c));
  box->setCurrentText(QString::fromStdString(spec.defaultValue.get<std::string>()));
  box->setToolTip(toolTip(spec));
  box->setObjectName(QString::fromStdString(spec.name));
  return box;
}

QCheckBox* schemaCheck(QWidget* parent, const ParamSpec& spec, const QString& label) {
  expectType(spec, ParamType::Bool);
  auto* box = new QCheckBox(label, parent);
  box->setChecked(spec.defaultValue.get<bool>());
  box->setToolTip(toolTip(spec));
  box->setObjectName(QString::fromStdString(spec.name));
  return box;
}

}  // namespace loupe
