// libFuzzer target: recipes (experiments/Recipe.h): JSON text through
// parseRecipeText against a registry whose two kinds use every parameter
// type and constraint, then `--set` overrides through applyOverrides. The
// input is the recipe, then any number of lines "--set FIELD=VALUE". Any
// input may only give a recipe or throw InputError; what parses survives
// its own toJson() unchanged.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "engines/core/Error.h"
#include "experiments/KindRegistry.h"
#include "experiments/Recipe.h"

namespace {

const loupe::KindRegistry& registry() {
  static const loupe::KindRegistry r = [] {
    using loupe::ParamSpec;
    loupe::KindRegistry k;
    k.add({"attention.tiles", "1", "fuzz",
           loupe::ParamSchema{ParamSpec::integer("block_q", 64, "").range(16, 256).pow2(),
                              ParamSpec::number("scale", 0.5, "").range(0, 1), ParamSpec::boolean("causal", true, ""),
                              ParamSpec::text("block_layout", "", ""),
                              ParamSpec::choice("pattern", {"dense", "local", "blocks"}, "dense", "")},
           false, [](loupe::RunContext&) {}});
    k.add({"scaling.roofline", "2", "fuzz",
           loupe::ParamSchema{ParamSpec::intList("sizes", {1, 2, 4}, "").range(1, 4096).length(1, 8),
                              ParamSpec::numberList("ratios", {0.5}, "").range(-1, 1).length(0, 4),
                              ParamSpec::intList("tiles", {16}, "").pow2()},
           true, [](loupe::RunContext&) {}});
    return k;
  }();
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const std::string marker = "\n--set ";
  std::size_t at = text.find(marker);
  const std::string recipeText = text.substr(0, at);
  std::vector<std::string> sets;
  while (at != std::string::npos) {
    const std::size_t next = text.find(marker, at + marker.size());
    sets.push_back(text.substr(at + marker.size(), next == std::string::npos ? next : next - at - marker.size()));
    at = next;
  }
  try {
    const loupe::Recipe recipe = loupe::parseRecipeText(recipeText, "fuzz.json", registry());
    if (loupe::parseRecipe(recipe.toJson(), "fuzz.json", registry()).toJson() != recipe.toJson()) __builtin_trap();
    (void)loupe::applyOverrides(recipe, sets, registry());
  } catch (const loupe::InputError&) {
  }
  return 0;
}
