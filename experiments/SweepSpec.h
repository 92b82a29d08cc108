// A sweep spec: a base recipe and the axes that vary it. On disk it is JSON:
//
//   {"name": "attention: time against N per method",
//    "base": {"kind": "attention.scaling", "params": {...}}   (or "base": "recipe.json")
//    "grid":   {"method": ["naive", "flash"], "seed": [1, 2]},
//    "zip":    {"n": [256, 512, 1024], "block": [32, 64, 64]},
//    "random": {"count": 8, "seed": 7,
//               "params": {"lr": {"log_uniform": [1e-4, 1e-2]}, "k": {"int": [1, 10]},
//                          "x": {"uniform": [0, 1]}, "method": {"choice": ["a", "b"]}}}}
//
// An axis names a parameter of the base recipe's kind ("method" or
// "params.method"), or the recipe's own "seed" or "device". grid: every
// combination (axes in name order, the last varying fastest); zip: lists of one length
// varied together; random: `count` samples, seeded, drawn by hand-written
// inverse transforms (the same points on every platform). The kinds
// present multiply: grid × zip × random. Only "base" is required (no axes:
// one point).
//
// Expansion is deterministic: the same spec gives the same points in the
// same order, and every point is a complete recipe validated against its
// kind's schema — an error names the spec field and, for a point, its
// index and values.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "experiments/Recipe.h"

namespace loupe {

class KindRegistry;

struct SweepPoint {
  nlohmann::json values;  // the swept fields and their values at this point ({"params.n": 512, "seed": 2})
  Recipe recipe;          // the complete recipe of the point
};

struct SweepSpec {
  std::string name;
  nlohmann::json spec;            // as given, the base recipe inlined (what the store keeps)
  std::vector<std::string> axes;  // the swept fields, in order ("params.n", "seed")
  std::vector<SweepPoint> points;
};

// The recipe field an axis names: "n" and "params.n" both name params.n;
// "seed" and "device" are the recipe's own.
std::string sweepField(const std::string& axis);

// Points more than this are refused (a typo in a grid must not create 10^9 runs).
inline constexpr std::size_t kMaxSweepPoints = 1'000'000;

// `where` names the spec in errors; a base recipe given as a path is read
// relative to `baseDir`. A spec of more than `maxPoints` points is refused
// before any point is built. Throws InputError.
SweepSpec parseSweepSpec(const nlohmann::json& spec, const std::string& where, const KindRegistry& kinds,
                         const std::filesystem::path& baseDir = {}, std::size_t maxPoints = kMaxSweepPoints);
SweepSpec parseSweepSpecText(const std::string& text, const std::string& where, const KindRegistry& kinds,
                             const std::filesystem::path& baseDir = {}, std::size_t maxPoints = kMaxSweepPoints);
SweepSpec loadSweepSpecFile(const std::filesystem::path& file, const KindRegistry& kinds);

}  // namespace loupe
