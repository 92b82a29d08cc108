#include "experiments/KindRegistry.h"

#include <algorithm>
#include <regex>
#include <stdexcept>

namespace loupe {

void KindRegistry::add(EngineKind kind) {
  static const std::regex kNamePattern("[a-z][a-z0-9_]*\\.[a-z][a-z0-9_]*");
  if (!std::regex_match(kind.name, kNamePattern)) {
    throw std::logic_error("engine kind name '" + kind.name + "' is not of the form topic.study");
  }
  if (find(kind.name)) throw std::logic_error("engine kind '" + kind.name + "' registered twice");
  if (!kind.run) throw std::logic_error("engine kind '" + kind.name + "' has no run function");
  m_kinds.push_back(std::move(kind));
}

const EngineKind* KindRegistry::find(const std::string& name) const {
  for (const auto& k : m_kinds) {
    if (k.name == name) return &k;
  }
  return nullptr;
}

std::vector<std::string> KindRegistry::names() const {
  std::vector<std::string> out;
  for (const auto& k : m_kinds) out.push_back(k.name);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace loupe
