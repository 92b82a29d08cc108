// Run-bar controls built from an engine kind's parameter schema
// (experiments/ParamSchema.h): the range, default, choices and doc (as the
// tooltip) come from the kind's registration, so a schema change reaches the
// panel with no panel edit. A panel names only which parameter a control
// edits; the recipe it builds is checked against the same schema.
#pragma once

#include <QString>
#include <string>

#include "experiments/KindRegistry.h"

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QSpinBox;
class QWidget;

namespace loupe {

// The spec of `kind`'s parameter `param`; throws std::logic_error when the
// kind or the parameter is not registered (a panel out of step with its kind).
const ParamSpec& paramSpec(const KindRegistry& kinds, const std::string& kind, const std::string& param);

// An Int parameter: range and default from the spec, "prefix value" shown.
QSpinBox* schemaSpin(QWidget* parent, const ParamSpec& spec, const QString& prefix);
// Re-aims an Int control at another kind's spec of the same parameter (its
// range and doc; the value is kept, clamped into the new range).
void applySpec(QSpinBox* box, const ParamSpec& spec);
// A Float parameter.
QDoubleSpinBox* schemaDoubleSpin(QWidget* parent, const ParamSpec& spec, const QString& prefix, int decimals = 3);
// A Choice parameter: its choices, the default selected.
QComboBox* schemaChoice(QWidget* parent, const ParamSpec& spec);
// A Bool parameter.
QCheckBox* schemaCheck(QWidget* parent, const ParamSpec& spec, const QString& label);

}  // namespace loupe
