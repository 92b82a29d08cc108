#include "engines/core/BoundedJson.h"

#include <set>
#include <vector>

#include "engines/core/Error.h"

namespace loupe {

namespace {

// 1-based line and column of byte `offset` in `text`.
std::pair<std::size_t, std::size_t> lineColumn(std::string_view text, std::size_t offset) {
  std::size_t line = 1, column = 1;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return {line, column};
}

// Thrown from the parser callback, which sees no byte offset; caught below
// and re-thrown as InputError with the position nlohmann's lexer reached.
struct Refused {
  std::string problem;
};

}  // namespace

nlohmann::json parseBoundedJson(std::string_view text, const std::string& where, std::size_t maxBytes) {
  if (text.size() > maxBytes)
    throw InputError(where, "is " + std::to_string(text.size()) + " bytes of JSON, more than the " +
                                std::to_string(maxBytes) + " accepted");
  // One set of keys per open object (arrays push an empty marker), so a
  // repeated key is refused where nlohmann would keep the last silently.
  std::vector<std::set<std::string>> open;
  std::vector<bool> isObject;
  const auto callback = [&](int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    using E = nlohmann::json::parse_event_t;
    if (depth > kMaxJsonDepth) throw Refused{"is nested deeper than " + std::to_string(kMaxJsonDepth) + " levels"};
    switch (event) {
      case E::object_start:
        open.emplace_back();
        isObject.push_back(true);
        break;
      case E::array_start:
        open.emplace_back();
        isObject.push_back(false);
        break;
      case E::object_end:
      case E::array_end:
        if (!open.empty()) open.pop_back(), isObject.pop_back();
        break;
      case E::key:
        if (!open.empty() && isObject.back() && !open.back().insert(parsed.get<std::string>()).second)
          throw Refused{"key \"" + parsed.get<std::string>().substr(0, 60) + "\" appears twice in one object"};
        break;
      case E::value:
        break;
    }
    return true;
  };
  try {
    return nlohmann::json::parse(text.begin(), text.end(), callback);
  } catch (const Refused& r) {
    throw InputError(where, r.problem);
  } catch (const nlohmann::json::parse_error& e) {
    const auto [line, column] = lineColumn(text, e.byte == 0 ? 0 : e.byte - 1);
    std::string message = e.what();
    // nlohmann's text starts with "[json.exception.parse_error.101] parse error at line …, column …: ".
    if (const auto colon = message.find(": "); colon != std::string::npos) message = message.substr(colon + 2);
    throw InputError(where + ":" + std::to_string(line) + ":" + std::to_string(column), "invalid JSON: " + message);
  } catch (const nlohmann::json::exception& e) {
    // e.g. out_of_range.406, a number like 1e400 that overflows a double:
    // said in our words, not as "[json.exception.out_of_range.406] …".
    std::string message = e.what();
    if (const auto bracket = message.find("] "); bracket != std::string::npos) message = message.substr(bracket + 2);
    throw InputError(where, "invalid JSON: " + message);
  }
}

std::string textExcerpt(std::string_view text, std::size_t max) {
  if (text.size() <= max) return std::string(text);
  // Cut on a UTF-8 character boundary.
  std::size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return std::string(text.substr(0, cut)) + "…";
}

std::string jsonExcerpt(const nlohmann::json& value, std::size_t max) {
  return textExcerpt(value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), max);
}

}  // namespace loupe
