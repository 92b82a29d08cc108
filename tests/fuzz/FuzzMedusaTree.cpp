// libFuzzer target: Medusa tree choice lists (engines/specdec/MedusaTree.h):
// a JSON list parsed by parseChoices and checked by medusaBuffers, or an
// object shaped like medusa_choices.json ({"choices": {name: list}}) whose
// every named list goes the same way, as namedChoices reads a tree file.
// Faults are InputError (the JSON) or std::invalid_argument (the tree), as
// the header documents — never a crash, a hang or a huge allocation.
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "engines/core/BoundedJson.h"
#include "engines/core/Error.h"
#include "engines/specdec/MedusaTree.h"

namespace {

void check(const std::string& list, const std::string& where) {
  const auto choices = loupe::specdec::parseChoices(list, where);
  const auto buffers = loupe::specdec::medusaBuffers(choices);
  // Round trip: what is written parses back to the same tree.
  if (loupe::specdec::parseChoices(loupe::specdec::choicesToJson(choices), where) != choices) __builtin_trap();
  (void)buffers;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const auto first = text.find_first_not_of(" \t\r\n");
    if (first != std::string::npos && text[first] == '{') {
      const auto j = loupe::parseBoundedJson(text, "fuzz.json");
      if (!j.contains("choices") || !j["choices"].is_object()) return 0;
      for (const auto& [name, list] : j["choices"].items()) check(list.dump(), "fuzz.json " + name);
    } else {
      check(text, "fuzz.json");
    }
  } catch (const loupe::InputError&) {
  } catch (const std::invalid_argument&) {
  }
  return 0;
}
