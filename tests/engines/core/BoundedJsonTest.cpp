// Bounded JSON parsing (engines/core/BoundedJson.h) on the hostile inputs
// that once crashed Loupe: nesting 60,000 levels deep (a stack overflow in
// dump() while building an error message), repeated keys (nlohmann keeps the
// last silently), oversized text; and excerpts that stay short and valid
// UTF-8.
#include <gtest/gtest.h>

#include <string>

#include "engines/core/BoundedJson.h"
#include "engines/core/Error.h"

namespace loupe {
namespace {

std::string nested(int depth, const std::string& inner = "1") {
  return std::string(static_cast<std::size_t>(depth), '[') + inner + std::string(static_cast<std::size_t>(depth), ']');
}

std::string errorOf(const std::string& text, std::size_t maxBytes = kMaxJsonBytes) {
  try {
    parseBoundedJson(text, "in.json", maxBytes);
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

TEST(BoundedJson, DeepNestingIsRefusedNotACrash) {
  EXPECT_EQ(errorOf(nested(60000)), "in.json: is nested deeper than 64 levels");
  const std::string objects = [] {
    std::string s;
    for (int i = 0; i < 60000; ++i) s += "{\"a\":";
    s += "1";
    for (int i = 0; i < 60000; ++i) s += "}";
    return s;
  }();
  EXPECT_EQ(errorOf(objects), "in.json: is nested deeper than 64 levels");
  // At the limit it parses, and the value is what was written.
  const nlohmann::json ok = parseBoundedJson(nested(kMaxJsonDepth - 1), "in.json");
  const nlohmann::json* v = &ok;
  int depth = 0;
  while (v->is_array()) v = &(*v)[0], ++depth;
  EXPECT_EQ(depth, kMaxJsonDepth - 1);
  EXPECT_EQ(*v, 1);
}

TEST(BoundedJson, RepeatedKeysSyntaxAndSizeAreNamedErrors) {
  EXPECT_EQ(errorOf(R"({"n": 1, "m": {"n": 2}, "n": 3})"), "in.json: key \"n\" appears twice in one object");
  EXPECT_EQ(errorOf(R"({"a": [{"k": 1}, {"k": 2}]})"), "no error");  // the same key in two objects is fine
  const std::string syntax = errorOf("{\n  \"a\": 1,\n  oops\n}");
  EXPECT_EQ(syntax.rfind("in.json:3:", 0), 0u) << syntax;
  EXPECT_NE(syntax.find(": invalid JSON: "), std::string::npos) << syntax;
  EXPECT_EQ(errorOf(std::string(100, ' ') + "1", 64), "in.json: is 101 bytes of JSON, more than the 64 accepted");
  // A number past double's range was nlohmann's "[json.exception.out_of_range.406] …".
  const std::string overflow = errorOf(R"({"scale": 1e400})");
  EXPECT_EQ(overflow.rfind("in.json: invalid JSON: number overflow", 0), 0u) << overflow;
}

TEST(BoundedJson, ExcerptsAreShortAndCutBetweenCharacters) {
  EXPECT_EQ(jsonExcerpt(nlohmann::json{{"a", 1}}), R"({"a":1})");
  const std::string text(200, 'x');
  EXPECT_EQ(jsonExcerpt(text, 10), "\"xxxxxxxxx…");
  const nlohmann::json dashes = std::string("ab–cd");  // "–" is 3 bytes
  EXPECT_EQ(jsonExcerpt(dashes, 4), "\"ab…");
  EXPECT_EQ(jsonExcerpt(dashes, 5), "\"ab…");
  EXPECT_EQ(jsonExcerpt(dashes, 6), "\"ab–…");
}

}  // namespace
}  // namespace loupe
