#include "experiments/ParamSchema.h"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>

#include "engines/core/BoundedJson.h"
#include "engines/core/Error.h"

namespace loupe {

using nlohmann::json;

const char* paramTypeName(ParamType type) {
  switch (type) {
    case ParamType::Int:
      return "int";
    case ParamType::Float:
      return "float";
    case ParamType::Bool:
      return "bool";
    case ParamType::String:
      return "string";
    case ParamType::Choice:
      return "choice";
    case ParamType::IntList:
      return "int list";
    case ParamType::FloatList:
      return "float list";
  }
  return "?";
}

namespace {

ParamSpec make(std::string name, ParamType type, json def, std::string doc) {
  ParamSpec s;
  s.name = std::move(name);
  s.type = type;
  s.defaultValue = std::move(def);
  s.doc = std::move(doc);
  return s;
}

// Numbers in messages: integers without a decimal point, others as JSON does.
std::string formatNumber(double v) {
  if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 1e15) {
    return std::to_string(static_cast<long long>(v));
  }
  return json(v).dump();
}

bool isPowerOfTwo(std::int64_t v) {
  return v > 0 && (v & (v - 1)) == 0;
}

[[noreturn]] void fail(const std::string& where, const std::string& path, const std::string& problem) {
  throw InputError(where, path + ": " + problem);
}

std::string rangeText(const ParamSpec& s) {
  if (s.min && s.max) return "in [" + formatNumber(*s.min) + ", " + formatNumber(*s.max) + "]";
  if (s.min) return ">= " + formatNumber(*s.min);
  if (s.max) return "<= " + formatNumber(*s.max);
  return "";
}

void checkScalar(const ParamSpec& s, bool integer, const json& v, const std::string& where, const std::string& path) {
  if (integer) {
    if (!v.is_number_integer()) fail(where, path, "must be an integer, got " + jsonExcerpt(v));
  } else if (!v.is_number()) {
    fail(where, path, "must be a number, got " + jsonExcerpt(v));
  }
  const double x = v.get<double>();
  if (!integer && !std::isfinite(x)) fail(where, path, "must be finite, got " + jsonExcerpt(v));
  const bool inRange = (!s.min || x >= *s.min) && (!s.max || x <= *s.max);
  const bool pow2Ok = !s.powerOfTwo || isPowerOfTwo(v.get<std::int64_t>());
  if (!inRange || !pow2Ok) {
    std::string what = s.powerOfTwo ? "must be a power of two" : "must be";
    const std::string range = rangeText(s);
    if (!range.empty()) what += " " + range;
    fail(where, path, what + ", got " + jsonExcerpt(v));
  }
}

std::string quotedList(const std::vector<std::string>& items) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) out += (i ? ", \"" : "\"") + items[i] + "\"";
  return out;
}

std::size_t editDistance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1] ? 1 : 0)});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

}  // namespace

ParamSpec ParamSpec::integer(std::string name, std::int64_t def, std::string doc) {
  return make(std::move(name), ParamType::Int, def, std::move(doc));
}
ParamSpec ParamSpec::number(std::string name, double def, std::string doc) {
  return make(std::move(name), ParamType::Float, def, std::move(doc));
}
ParamSpec ParamSpec::boolean(std::string name, bool def, std::string doc) {
  return make(std::move(name), ParamType::Bool, def, std::move(doc));
}
ParamSpec ParamSpec::text(std::string name, std::string def, std::string doc) {
  return make(std::move(name), ParamType::String, std::move(def), std::move(doc));
}
ParamSpec ParamSpec::choice(std::string name, std::vector<std::string> choices, std::string def, std::string doc) {
  ParamSpec s = make(std::move(name), ParamType::Choice, std::move(def), std::move(doc));
  s.choices = std::move(choices);
  return s;
}
ParamSpec ParamSpec::intList(std::string name, std::vector<std::int64_t> def, std::string doc) {
  return make(std::move(name), ParamType::IntList, def, std::move(doc));
}
ParamSpec ParamSpec::numberList(std::string name, std::vector<double> def, std::string doc) {
  return make(std::move(name), ParamType::FloatList, def, std::move(doc));
}

ParamSpec& ParamSpec::range(double lo, double hi) {
  min = lo;
  max = hi;
  return *this;
}
ParamSpec& ParamSpec::pow2() {
  powerOfTwo = true;
  return *this;
}
ParamSpec& ParamSpec::length(std::size_t lo, std::size_t hi) {
  minLength = lo;
  maxLength = hi;
  return *this;
}

json ParamSpec::toJson() const {
  json j = {{"name", name}, {"type", paramTypeName(type)}, {"default", defaultValue}, {"doc", doc}};
  if (min) j["min"] = *min;
  if (max) j["max"] = *max;
  if (powerOfTwo) j["power_of_two"] = true;
  if (!choices.empty()) j["choices"] = choices;
  if (type == ParamType::IntList || type == ParamType::FloatList) {
    j["min_length"] = minLength;
    j["max_length"] = maxLength;
  }
  return j;
}

void validateParam(const ParamSpec& s, const json& v, const std::string& where, const std::string& path) {
  switch (s.type) {
    case ParamType::Int:
      checkScalar(s, true, v, where, path);
      return;
    case ParamType::Float:
      checkScalar(s, false, v, where, path);
      return;
    case ParamType::Bool:
      if (!v.is_boolean()) fail(where, path, "must be true or false, got " + jsonExcerpt(v));
      return;
    case ParamType::String:
      if (!v.is_string()) fail(where, path, "must be a string, got " + jsonExcerpt(v));
      return;
    case ParamType::Choice:
      if (!v.is_string() || std::find(s.choices.begin(), s.choices.end(), v.get<std::string>()) == s.choices.end()) {
        fail(where, path, "must be one of " + quotedList(s.choices) + ", got " + jsonExcerpt(v));
      }
      return;
    case ParamType::IntList:
    case ParamType::FloatList: {
      if (!v.is_array())
        fail(where, path,
             std::string("must be a list of ") + (s.type == ParamType::IntList ? "integers" : "numbers") + ", got " +
                 jsonExcerpt(v));
      if (v.size() < s.minLength || v.size() > s.maxLength) {
        fail(where, path,
             "must have " + std::to_string(s.minLength) + " to " + std::to_string(s.maxLength) + " elements, got " +
                 std::to_string(v.size()));
      }
      for (std::size_t i = 0; i < v.size(); ++i) {
        checkScalar(s, s.type == ParamType::IntList, v[i], where, path + "[" + std::to_string(i) + "]");
      }
      return;
    }
  }
}

ParamSchema::ParamSchema(std::initializer_list<ParamSpec> specs) {
  for (const auto& s : specs) add(s);
}

ParamSchema& ParamSchema::add(ParamSpec spec) {
  if (find(spec.name)) throw std::logic_error("parameter '" + spec.name + "' declared twice");
  try {
    validateParam(spec, spec.defaultValue, "schema", spec.name + " default");
  } catch (const InputError& e) {
    throw std::logic_error(std::string("bad parameter declaration: ") + e.what());
  }
  m_specs.push_back(std::move(spec));
  return *this;
}

const ParamSpec* ParamSchema::find(const std::string& name) const {
  for (const auto& s : m_specs) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

json ParamSchema::validate(const json& params, const std::string& where, const std::string& path) const {
  if (!params.is_object()) fail(where, path, "must be an object, got " + jsonExcerpt(params));
  std::vector<std::string> names;
  for (const auto& s : m_specs) names.push_back(s.name);
  for (const auto& [key, value] : params.items()) {
    if (!find(key)) {
      std::string problem = "unknown parameter";
      const std::string guess = closestName(key, names);
      if (!guess.empty())
        problem += " (did you mean \"" + guess + "\"?)";
      else if (!names.empty())
        problem += " (known: " + quotedList(names) + ")";
      else
        problem += " (this kind takes no parameters)";
      fail(where, path + "." + key, problem);
    }
  }
  json out = json::object();
  for (const auto& s : m_specs) {
    const auto it = params.find(s.name);
    if (it == params.end()) {
      out[s.name] = s.defaultValue;
    } else {
      validateParam(s, *it, where, path + "." + s.name);
      out[s.name] = *it;
    }
  }
  return out;
}

json ParamSchema::toJson() const {
  json j = json::array();
  for (const auto& s : m_specs) j.push_back(s.toJson());
  return j;
}

std::string closestName(const std::string& word, const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t bestDistance = std::max<std::size_t>(2, word.size() / 3) + 1;
  for (const auto& c : candidates) {
    const std::size_t d = editDistance(word, c);
    if (d < bestDistance) {
      bestDistance = d;
      best = c;
    }
  }
  return best;
}

}  // namespace loupe
