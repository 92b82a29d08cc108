// Which panel shows which engine kinds. A topic registers its panel with one
// call; kinds whose topic has no panel open in the generic panel (metric
// charts and array views), so every run can be replayed.
#pragma once

#include <QString>
#include <functional>
#include <vector>

#include "panels/Panel.h"

namespace loupe {

struct PanelEntry {
  QString topic;  // the part of a kind's name before the dot: "attention"
  QString title;  // tab title
  std::function<Panel*(QWidget* parent)> create;
};

class PanelRegistry {
 public:
  void add(PanelEntry entry);
  const std::vector<PanelEntry>& entries() const { return m_entries; }
  // The entry for a kind ("attention.tiles" → "attention"), else the generic one.
  const PanelEntry& forKind(const QString& kind) const;

 private:
  std::vector<PanelEntry> m_entries;
};

// The generic panel plus every topic panel the product ships.
void registerBuiltinPanels(PanelRegistry& registry);

}  // namespace loupe
