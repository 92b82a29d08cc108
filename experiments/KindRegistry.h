// The one place engine kinds are registered: name ("topic.study"), version,
// a one-line summary, parameter schema, whether it has a CUDA path, and the
// function that runs it. The GUI, the CLI and the tests all read from here.
//
// Adding a kind: write `void registerMyKinds(KindRegistry&)` next to the
// engine and call it from registerBuiltinKinds() (experiments/BuiltinKinds.cpp).
//
// Registration happens at start-up on one thread; afterwards the registry is
// read-only and safe to share.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "experiments/ParamSchema.h"

namespace loupe {

class RunContext;

struct EngineKind {
  std::string name;     // "attention.tiles": topic, dot, study
  std::string version;  // stored with every run; bump when results change
  std::string summary;  // one line
  ParamSchema schema;
  bool supportsCuda = false;
  std::function<void(RunContext&)> run;
};

class KindRegistry {
 public:
  // Throws std::logic_error on a duplicate or malformed name, or no run function.
  void add(EngineKind kind);
  const EngineKind* find(const std::string& name) const;
  std::vector<std::string> names() const;  // sorted
  const std::vector<EngineKind>& kinds() const { return m_kinds; }

 private:
  std::vector<EngineKind> m_kinds;
};

// Registers every kind the product ships.
void registerBuiltinKinds(KindRegistry& registry);

// A registry holding the built-in kinds, made once (thread-safe) on first
// use: what panels build their controls from unless given another registry.
const KindRegistry& builtinKinds();

}  // namespace loupe
