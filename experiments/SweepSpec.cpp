#include "experiments/SweepSpec.h"

#include <cmath>
#include <cstdint>
#include <random>
#include <set>

#include "engines/core/BoundedJson.h"
#include "engines/core/Error.h"
#include "engines/core/InputFile.h"
#include "experiments/KindRegistry.h"

namespace loupe {

using json = nlohmann::json;

std::string sweepField(const std::string& axis) {
  if (axis == "seed" || axis == "device" || axis.rfind("params.", 0) == 0) return axis;
  return "params." + axis;
}

namespace {

void setField(json& recipe, const std::string& field, const json& value) {
  if (field.rfind("params.", 0) == 0) {
    if (!recipe.contains("params") || !recipe["params"].is_object()) recipe["params"] = json::object();
    recipe["params"][field.substr(7)] = value;
  } else {
    recipe[field] = value;
  }
}

// The axes' fields: unknown parameters of the kind refused here, naming the axis.
std::string checkedField(const std::string& axis, const std::string& at, const EngineKind& kind) {
  const std::string field = sweepField(axis);
  if (field.rfind("params.", 0) == 0 && !kind.schema.find(field.substr(7)))
    throw InputError(at, "'" + field.substr(7) + "' is not a parameter of " + kind.name);
  if (field == "params.") throw InputError(at, "an empty parameter name");
  return field;
}

// A value in [0, 1) from 53 bits: the same on every platform (std's
// distributions are not specified bit for bit).
double unit(std::mt19937_64& rng) {
  return static_cast<double>(rng() >> 11) * 0x1.0p-53;
}

json sample(const json& dist, const std::string& at, std::mt19937_64& rng) {
  if (!dist.is_object() || dist.size() != 1)
    throw InputError(at,
                     "must be one of {\"uniform\": [lo, hi]}, {\"log_uniform\": [lo, hi]}, {\"int\": [lo, hi]}, "
                     "{\"choice\": [...]}");
  const auto first = dist.begin();
  const std::string type = first.key();
  const json& arg = first.value();
  const std::string where = at + "." + type;
  if (type == "choice") {
    if (!arg.is_array() || arg.empty()) throw InputError(where, "must be a non-empty list");
    return arg[static_cast<std::size_t>(unit(rng) * static_cast<double>(arg.size()))];
  }
  if (!arg.is_array() || arg.size() != 2 || !arg[0].is_number() || !arg[1].is_number())
    throw InputError(where, "must be [lo, hi], two numbers");
  const double lo = arg[0].get<double>(), hi = arg[1].get<double>();
  if (!std::isfinite(lo) || !std::isfinite(hi) || !(lo <= hi)) throw InputError(where, "needs finite lo ≤ hi");
  if (type == "uniform") return lo + (hi - lo) * unit(rng);
  if (type == "log_uniform") {
    if (lo <= 0) throw InputError(where, "needs 0 < lo");
    return std::exp(std::log(lo) + (std::log(hi) - std::log(lo)) * unit(rng));
  }
  if (type == "int") {
    if (!arg[0].is_number_integer() || !arg[1].is_number_integer()) throw InputError(where, "needs whole numbers");
    const std::int64_t a = arg[0].get<std::int64_t>(), b = arg[1].get<std::int64_t>();
    const double span = static_cast<double>(b) - static_cast<double>(a) + 1;
    return a + static_cast<std::int64_t>(std::floor(unit(rng) * span));
  }
  throw InputError(at, "'" + type + "' is not uniform, log_uniform, int or choice");
}

// One kind of axis as rows of (field, value) assignments.
using Rows = std::vector<std::vector<std::pair<std::string, json>>>;

Rows gridRows(const json& grid, const std::string& where, const EngineKind& kind, std::vector<std::string>& axes,
              std::size_t maxPoints) {
  if (!grid.is_object()) throw InputError(where + ".grid", "must be an object of lists");
  Rows rows{{}};
  for (const auto& [axis, values] : grid.items()) {
    const std::string at = where + ".grid." + axis;
    if (!values.is_array() || values.empty()) throw InputError(at, "must be a non-empty list");
    const std::string field = checkedField(axis, at, kind);
    axes.push_back(field);
    if (rows.size() * values.size() > maxPoints)
      throw InputError(at, "the grid passes " + std::to_string(maxPoints) + " points");
    Rows next;
    for (const auto& row : rows)
      for (const auto& v : values) {
        next.push_back(row);
        next.back().emplace_back(field, v);
      }
    rows = std::move(next);
  }
  return rows;
}

Rows zipRows(const json& zip, const std::string& where, const EngineKind& kind, std::vector<std::string>& axes) {
  if (!zip.is_object() || zip.empty()) throw InputError(where + ".zip", "must be an object of lists of one length");
  std::size_t length = 0;
  std::string first;
  Rows rows;
  for (const auto& [axis, values] : zip.items()) {
    const std::string at = where + ".zip." + axis;
    if (!values.is_array() || values.empty()) throw InputError(at, "must be a non-empty list");
    if (first.empty()) {
      first = axis, length = values.size();
      rows.resize(length);
    } else if (values.size() != length) {
      throw InputError(at, "has " + std::to_string(values.size()) + " values, '" + first + "' has " +
                               std::to_string(length) + ": zipped lists vary together");
    }
    const std::string field = checkedField(axis, at, kind);
    axes.push_back(field);
    for (std::size_t i = 0; i < length; ++i) rows[i].emplace_back(field, values[i]);
  }
  return rows;
}

Rows randomRows(const json& random, const std::string& where, const EngineKind& kind, std::vector<std::string>& axes,
                std::size_t maxPoints) {
  const std::string at = where + ".random";
  if (!random.is_object()) throw InputError(at, "must be {\"count\": n, \"seed\": s, \"params\": {...}}");
  for (const auto& [key, value] : random.items())
    if (key != "count" && key != "seed" && key != "params") throw InputError(at + "." + key, "unknown field");
  if (!random.contains("count") || !random["count"].is_number_integer() || random["count"].get<std::int64_t>() < 1 ||
      random["count"].get<std::int64_t>() > static_cast<std::int64_t>(maxPoints))
    throw InputError(at + ".count", "must be a whole number in 1.." + std::to_string(maxPoints));
  if (random.contains("seed") && (!random["seed"].is_number_integer() || random["seed"].get<std::int64_t>() < 0))
    throw InputError(at + ".seed", "must be a non-negative whole number");
  if (!random.contains("params") || !random["params"].is_object() || random["params"].empty())
    throw InputError(at + ".params", "must name at least one parameter and its distribution");
  struct Dist {
    std::string field, at;
    json dist;
  };
  std::vector<Dist> dists;
  for (const auto& [axis, dist] : random["params"].items()) {
    const std::string axisAt = at + ".params." + axis;
    dists.push_back({checkedField(axis, axisAt, kind), axisAt, dist});
    axes.push_back(dists.back().field);
  }
  std::mt19937_64 rng(random.value("seed", std::uint64_t{0}));
  Rows rows(random["count"].get<std::size_t>());
  for (auto& row : rows)
    for (const Dist& d : dists) row.emplace_back(d.field, sample(d.dist, d.at, rng));
  return rows;
}

}  // namespace

SweepSpec parseSweepSpec(const json& spec, const std::string& where, const KindRegistry& kinds,
                         const std::filesystem::path& baseDir, std::size_t maxPoints) {
  if (!spec.is_object()) throw InputError(where, "a sweep spec is a JSON object with a \"base\" recipe");
  static const std::set<std::string> known = {"name", "base", "grid", "zip", "random"};
  for (const auto& [key, value] : spec.items())
    if (!known.count(key))
      throw InputError(where + "." + key, "unknown field (a sweep spec has name, base, grid, zip, random)");
  if (!spec.contains("base")) throw InputError(where + ".base", "is missing: the recipe every point starts from");
  SweepSpec out;
  out.spec = spec;
  json base = spec["base"];
  std::string baseWhere = where + ".base";
  if (base.is_string()) {
    std::filesystem::path file = base.get<std::string>();
    if (file.is_relative() && !baseDir.empty()) file = baseDir / file;
    baseWhere = file.string();
    base = parseBoundedJson(readInputFile(file, kMaxJsonBytes), baseWhere);
    out.spec["base"] = base;  // inlined: the store keeps what ran
  }
  const Recipe baseRecipe = parseRecipe(base, baseWhere, kinds);
  const EngineKind& kind = *kinds.find(baseRecipe.kind);
  if (spec.contains("name") && !spec["name"].is_string()) throw InputError(where + ".name", "must be a string");
  out.name = spec.value("name", "sweep of " + baseRecipe.kind);

  Rows rows{{}};
  for (const char* axisKind : {"grid", "zip", "random"}) {
    if (!spec.contains(axisKind)) continue;
    const Rows these = axisKind == std::string("grid")  ? gridRows(spec["grid"], where, kind, out.axes, maxPoints)
                       : axisKind == std::string("zip") ? zipRows(spec["zip"], where, kind, out.axes)
                                                        : randomRows(spec["random"], where, kind, out.axes, maxPoints);
    if (rows.size() * these.size() > maxPoints)
      throw InputError(where + "." + axisKind, "the sweep passes " + std::to_string(maxPoints) + " points");
    Rows next;
    for (const auto& a : rows)
      for (const auto& b : these) {
        next.push_back(a);
        next.back().insert(next.back().end(), b.begin(), b.end());
      }
    rows = std::move(next);
  }
  const std::set<std::string> distinct(out.axes.begin(), out.axes.end());
  if (distinct.size() != out.axes.size())
    throw InputError(where, "a field is swept by two axes; each field may vary in one place only");

  const json baseJson = baseRecipe.toJson();
  for (std::size_t i = 0; i < rows.size(); ++i) {
    json recipe = baseJson, values = json::object();
    for (const auto& [field, value] : rows[i]) {
      setField(recipe, field, value);
      values[field] = value;
    }
    // Each point named apart: the base's name (else the sweep's) and its values.
    recipe["name"] = (base.contains("name") ? baseRecipe.name : out.name) + " · " + values.dump();
    SweepPoint p;
    p.values = values;
    p.recipe = parseRecipe(recipe, where + ": point " + std::to_string(i) + " " + values.dump(), kinds);
    out.points.push_back(std::move(p));
  }
  return out;
}

SweepSpec parseSweepSpecText(const std::string& text, const std::string& where, const KindRegistry& kinds,
                             const std::filesystem::path& baseDir, std::size_t maxPoints) {
  return parseSweepSpec(parseBoundedJson(text, where), where, kinds, baseDir, maxPoints);
}

SweepSpec loadSweepSpecFile(const std::filesystem::path& file, const KindRegistry& kinds) {
  return parseSweepSpecText(readInputFile(file, kMaxJsonBytes), file.string(), kinds, file.parent_path());
}

}  // namespace loupe
