// A recipe says what to run: an engine kind, a name, a seed, a device request
// and the kind's parameters. On disk it is JSON:
//   {"kind": "topic.study", "name": "...", "seed": 0, "device": "auto", "params": {...}}
// Only "kind" is required; name defaults to the kind, seed to 0, device to
// "auto", params to the schema's defaults. Unknown fields are errors.
//
// Parsing validates against the kind's schema and returns the *complete*
// recipe (every parameter present), which is what the store records so that a
// re-run is exact even if a default changes later.
#pragma once

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace loupe {

class KindRegistry;

struct Recipe {
  std::string kind;
  std::string name;
  std::uint64_t seed = 0;
  std::string device = "auto";  // auto | cpu | cuda
  nlohmann::json params = nlohmann::json::object();

  nlohmann::json toJson() const;
};

// Validates a recipe JSON value. `where` names its origin in errors
// ("recipe.json"). Throws InputError.
Recipe parseRecipe(const nlohmann::json& j, const std::string& where, const KindRegistry& registry);

// Parses JSON text first; syntax errors say "where:LINE:COL: invalid JSON: ...".
Recipe parseRecipeText(const std::string& text, const std::string& where, const KindRegistry& registry);

// Reads and parses a file; `where` in errors is the path as given.
Recipe loadRecipeFile(const std::filesystem::path& path, const KindRegistry& registry);

// Applies "path.to.field=value" overrides (as from `--set`) one by one, each
// validated on its own so an error names the override that caused it.
// The value is read as JSON when it parses (5, 2.5, true, [1,2], "x"), else
// taken as a plain string (so --set device=cpu works without quotes).
Recipe applyOverrides(const Recipe& recipe, const std::vector<std::string>& assignments, const KindRegistry& registry);

}  // namespace loupe
