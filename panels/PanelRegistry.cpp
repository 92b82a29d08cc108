#include "panels/PanelRegistry.h"

#include <stdexcept>

#include "panels/attention/AttentionPanel.h"
#include "panels/generic/GenericPanel.h"
#include "panels/lm/LmPanel.h"
#include "panels/precision/PrecisionPanel.h"
#include "panels/rgbd/RgbdPanel.h"
#include "panels/scaling/ScalingPanel.h"
#include "panels/specdec/SpecdecPanel.h"
#include "panels/ssm/SsmPanel.h"

namespace loupe {

void PanelRegistry::add(PanelEntry entry) {
  for (const auto& e : m_entries) {
    if (e.topic == entry.topic)
      throw std::logic_error("panel for topic '" + entry.topic.toStdString() + "' added twice");
  }
  m_entries.push_back(std::move(entry));
}

const PanelEntry& PanelRegistry::forKind(const QString& kind) const {
  const QString topic = kind.section('.', 0, 0);
  for (const auto& e : m_entries)
    if (e.topic == topic) return e;
  for (const auto& e : m_entries)
    if (e.topic == "generic") return e;
  throw std::logic_error("no generic panel registered");
}

void registerBuiltinPanels(PanelRegistry& registry) {
  registry.add({"generic", "Runs", [](QWidget* parent) -> Panel* { return new GenericPanel(parent); }});
  registry.add({"rgbd", "RGBD", [](QWidget* parent) -> Panel* { return new RgbdPanel(parent); }});
  registry.add({"attention", "Attention", [](QWidget* parent) -> Panel* { return new AttentionPanel(parent); }});
  registry.add({"ssm", "State-space models", [](QWidget* parent) -> Panel* { return new SsmPanel(parent); }});
  registry.add({"precision", "Precision", [](QWidget* parent) -> Panel* { return new PrecisionPanel(parent); }});
  registry.add({"specdec", "Speculative decoding", [](QWidget* parent) -> Panel* { return new SpecdecPanel(parent); }});
  registry.add({"scaling", "Scaling", [](QWidget* parent) -> Panel* { return new ScalingPanel(parent); }});
  registry.add({"lm", "Language model", [](QWidget* parent) -> Panel* { return new LmPanel(parent); }});
}

}  // namespace loupe
