#include "experiments/Recipe.h"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <fstream>
#include <sstream>

#include "engines/core/BoundedJson.h"
#include "engines/core/Error.h"
#include "engines/core/InputFile.h"
#include "experiments/KindRegistry.h"

namespace loupe {

using nlohmann::json;

namespace {

const std::vector<std::string> kTopLevelFields = {"kind", "name", "seed", "device", "params"};

std::string quoted(const std::vector<std::string>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) out += (i ? ", \"" : "\"") + names[i] + "\"";
  return out;
}

}  // namespace

json Recipe::toJson() const {
  return {{"kind", kind}, {"name", name}, {"seed", seed}, {"device", device}, {"params", params}};
}

Recipe parseRecipe(const json& j, const std::string& where, const KindRegistry& registry) {
  if (!j.is_object()) throw InputError(where, "a recipe must be a JSON object, got " + jsonExcerpt(j));
  for (const auto& [key, value] : j.items()) {
    if (std::find(kTopLevelFields.begin(), kTopLevelFields.end(), key) == kTopLevelFields.end()) {
      std::string problem = "unknown field (allowed: " + quoted(kTopLevelFields) + ")";
      const std::string guess = closestName(key, kTopLevelFields);
      if (!guess.empty()) problem = "unknown field (did you mean \"" + guess + "\"?)";
      throw InputError(where, key + ": " + problem);
    }
  }

  Recipe r;
  const auto kind = j.find("kind");
  if (kind == j.end()) throw InputError(where, "kind: missing (e.g. \"kind\": \"attention.tiles\")");
  if (!kind->is_string()) throw InputError(where, "kind: must be a string, got " + jsonExcerpt(*kind));
  r.kind = kind->get<std::string>();
  const EngineKind* engine = registry.find(r.kind);
  if (!engine) {
    const auto known = registry.names();
    std::string problem = "unknown engine kind \"" + r.kind + "\"";
    const std::string guess = closestName(r.kind, known);
    if (!guess.empty())
      problem += " (did you mean \"" + guess + "\"?)";
    else if (known.empty())
      problem += " (no engine kinds are registered in this build)";
    else
      problem += " (known: " + quoted(known) + ")";
    throw InputError(where, "kind: " + problem);
  }

  r.name = r.kind;
  if (const auto name = j.find("name"); name != j.end()) {
    if (!name->is_string() || name->get<std::string>().empty()) {
      throw InputError(where, "name: must be a non-empty string, got " + jsonExcerpt(*name));
    }
    r.name = name->get<std::string>();
  }
  if (const auto seed = j.find("seed"); seed != j.end()) {
    // JSON integers above 2^63 would not survive SQLite's signed INTEGER.
    if (!seed->is_number_integer() ||
        (seed->is_number_integer() && !seed->is_number_unsigned() && seed->get<std::int64_t>() < 0) ||
        (seed->is_number_unsigned() && seed->get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX))) {
      throw InputError(where, "seed: must be an integer in [0, 2^63-1], got " + jsonExcerpt(*seed));
    }
    r.seed = seed->get<std::uint64_t>();
  }
  if (const auto device = j.find("device"); device != j.end()) {
    const bool ok = device->is_string() && (*device == "auto" || *device == "cpu" || *device == "cuda");
    if (!ok) throw InputError(where, "device: must be one of \"auto\", \"cpu\", \"cuda\", got " + jsonExcerpt(*device));
    r.device = device->get<std::string>();
  }
  const auto params = j.find("params");
  r.params = engine->schema.validate(params == j.end() ? json::object() : *params, where);
  return r;
}

Recipe parseRecipeText(const std::string& text, const std::string& where, const KindRegistry& registry) {
  return parseRecipe(parseBoundedJson(text, where), where, registry);
}

Recipe loadRecipeFile(const std::filesystem::path& path, const KindRegistry& registry) {
  return parseRecipeText(readInputFile(path, kMaxJsonBytes), path.string(), registry);
}

Recipe applyOverrides(const Recipe& recipe, const std::vector<std::string>& assignments, const KindRegistry& registry) {
  Recipe current = recipe;
  for (const auto& assignment : assignments) {
    const std::string where = "--set " + textExcerpt(assignment);
    const auto eq = assignment.find('=');
    if (eq == std::string::npos || eq == 0) throw InputError(where, "expected FIELD=VALUE, e.g. params.steps=10");
    const std::string path = assignment.substr(0, eq);
    const std::string text = assignment.substr(eq + 1);
    // A value that is not JSON is taken as a string (params.name=abc); JSON
    // is parsed with the same bounds as a recipe file.
    const json value = json::accept(text) ? parseBoundedJson(text, where) : json(text);

    json j = current.toJson();
    json* node = &j;
    std::size_t start = 0;
    for (;;) {
      const auto dot = path.find('.', start);
      const std::string key = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
      if (key.empty()) throw InputError(where, "empty field name in \"" + path + "\"");
      if (dot == std::string::npos) {
        (*node)[key] = value;
        break;
      }
      if (!node->contains(key) || !(*node)[key].is_object()) {
        throw InputError(where, path.substr(0, dot) + ": is not an object with fields");
      }
      node = &(*node)[key];
      start = dot + 1;
    }
    current = parseRecipe(j, where, registry);
  }
  return current;
}

}  // namespace loupe
