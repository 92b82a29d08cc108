// The parameters an engine kind accepts: name, type, default, range or
// choices, and a one-line doc. A schema validates a recipe's "params" object,
// fills in defaults, and describes itself as JSON for `loupe kinds --json` and
// for the GUI's recipe forms.
//
// Validation errors are InputError with the field path and the problem:
//   "recipe.json: params.block_q: must be a power of two in [16, 256], got 100"
// Unknown parameters are errors (with a "did you mean" when one is close).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace loupe {

enum class ParamType { Int, Float, Bool, String, Choice, IntList, FloatList };

const char* paramTypeName(ParamType type);  // "int", "float", "bool", ...

struct ParamSpec {
  std::string name;
  ParamType type = ParamType::Int;
  nlohmann::json defaultValue;
  std::optional<double> min;  // inclusive; for lists, applies to each element
  std::optional<double> max;
  bool powerOfTwo = false;           // Int / IntList
  std::vector<std::string> choices;  // Choice
  std::size_t minLength = 0;         // lists
  std::size_t maxLength = 1 << 20;
  std::string doc;

  // Fluent constraints: ParamSpec::integer("block_q", 64, "...").range(16, 256).pow2()
  static ParamSpec integer(std::string name, std::int64_t def, std::string doc);
  static ParamSpec number(std::string name, double def, std::string doc);
  static ParamSpec boolean(std::string name, bool def, std::string doc);
  static ParamSpec text(std::string name, std::string def, std::string doc);
  static ParamSpec choice(std::string name, std::vector<std::string> choices, std::string def, std::string doc);
  static ParamSpec intList(std::string name, std::vector<std::int64_t> def, std::string doc);
  static ParamSpec numberList(std::string name, std::vector<double> def, std::string doc);

  ParamSpec& range(double lo, double hi);
  ParamSpec& pow2();
  ParamSpec& length(std::size_t lo, std::size_t hi);

  nlohmann::json toJson() const;
};

class ParamSchema {
 public:
  ParamSchema() = default;
  ParamSchema(std::initializer_list<ParamSpec> specs);

  // Throws std::logic_error for a duplicate name or a default that fails its
  // own constraints (a bug in the engine's registration, caught at start-up).
  ParamSchema& add(ParamSpec spec);

  const std::vector<ParamSpec>& specs() const { return m_specs; }
  const ParamSpec* find(const std::string& name) const;

  // Returns `params` with every missing parameter set to its default. `where`
  // prefixes errors (a file name, "--set params.x=5"); `path` is the JSON path
  // of the params object ("params").
  nlohmann::json validate(const nlohmann::json& params, const std::string& where,
                          const std::string& path = "params") const;

  nlohmann::json toJson() const;

 private:
  std::vector<ParamSpec> m_specs;
};

// Checks one value against one spec; throws InputError(where, "<path>: <problem>").
void validateParam(const ParamSpec& spec, const nlohmann::json& value, const std::string& where,
                   const std::string& path);

// The closest of `candidates` to `word` if it is plausibly a typo, else "".
std::string closestName(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace loupe
