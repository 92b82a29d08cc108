// JSON from users' files and command lines, parsed with bounds: at most
// kMaxJsonDepth levels of nesting, at most `maxBytes` of text, and no key
// twice in one object. nlohmann's parser itself is iterative, but dump(),
// comparison and our own walkers recurse: a recipe nested 60,000 levels deep
// (120 KB) overflowed the stack in the dump() that built an error message.
// Every limit is an InputError naming `where` (and line:column for syntax
// and duplicate keys), never a library message or a crash.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace loupe {

inline constexpr int kMaxJsonDepth = 64;
inline constexpr std::size_t kMaxJsonBytes = std::size_t{64} << 20;

// Throws InputError(where[:line:column], problem).
nlohmann::json parseBoundedJson(std::string_view text, const std::string& where, std::size_t maxBytes = kMaxJsonBytes);

// A value for an error message: its JSON text, at most `max` characters
// (longer ones end in "…"). Safe on any value parseBoundedJson returned.
std::string jsonExcerpt(const nlohmann::json& value, std::size_t max = 80);
// The same for any text a user typed (a --set assignment, a file name).
std::string textExcerpt(std::string_view text, std::size_t max = 80);

}  // namespace loupe
