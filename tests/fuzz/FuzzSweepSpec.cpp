// libFuzzer target: sweep specs and sweep manifests (experiments/SweepSpec.h,
// SweepDirectory.h). An input starting "manifest\n" is a sweep folder's
// sweep.json; any other input is a sweep spec expanded against a registry
// whose two kinds use every parameter type and constraint. Either may only
// give a result or throw InputError. What expands is deterministic: the
// spec it keeps (base inlined) expands again to the same points, each a
// recipe that survives its own toJson(), with no more points than allowed.
#include <cstddef>
#include <cstdint>
#include <string>

#include "engines/core/Error.h"
#include "experiments/KindRegistry.h"
#include "experiments/Recipe.h"
#include "experiments/SweepDirectory.h"
#include "experiments/SweepSpec.h"

namespace {

const loupe::KindRegistry& registry() {
  static const loupe::KindRegistry r = [] {
    using loupe::ParamSpec;
    loupe::KindRegistry k;
    k.add({"attention.scaling", "1", "fuzz",
           loupe::ParamSchema{ParamSpec::intList("lengths", {256}, "").range(16, 65536).length(1, 16),
                              ParamSpec::integer("d", 64, "").range(8, 256).pow2(),
                              ParamSpec::boolean("causal", false, ""), ParamSpec::number("scale", 0.5, "").range(0, 1),
                              ParamSpec::text("label", "", ""),
                              ParamSpec::choice("method", {"naive", "tiled", "linear"}, "tiled", "")},
           true, [](loupe::RunContext&) {}});
    k.add({"scaling.roofline", "2", "fuzz",
           loupe::ParamSchema{ParamSpec::numberList("ratios", {0.5}, "").range(-1, 1).length(0, 4),
                              ParamSpec::integer("n", 4, "").range(1, 1 << 20)},
           false, [](loupe::RunContext&) {}});
    return k;
  }();
  return r;
}

// Small enough that no input takes long; the limit itself is what is tested.
constexpr std::size_t kFuzzMaxPoints = 4096;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const std::string manifest = "manifest\n";
  try {
    if (text.rfind(manifest, 0) == 0) {
      const loupe::SweepInfo s = loupe::parseSweepManifest(text.substr(manifest.size()), "sweep.json");
      if (s.uuid.size() != 32 || s.points < 1 || s.points > static_cast<std::int64_t>(loupe::kMaxSweepPoints))
        __builtin_trap();
      return 0;
    }
    // Relative base paths resolve into a folder that does not exist.
    const loupe::SweepSpec a =
        loupe::parseSweepSpecText(text, "spec.json", registry(), "/nonexistent-fuzz-dir", kFuzzMaxPoints);
    if (a.points.empty() || a.points.size() > kFuzzMaxPoints) __builtin_trap();
    const loupe::SweepSpec b = loupe::parseSweepSpec(a.spec, "spec.json", registry(), {}, kFuzzMaxPoints);
    if (b.points.size() != a.points.size() || b.axes != a.axes) __builtin_trap();
    for (std::size_t i = 0; i < a.points.size(); ++i) {
      const nlohmann::json r = a.points[i].recipe.toJson();
      if (r != b.points[i].recipe.toJson() || a.points[i].values != b.points[i].values) __builtin_trap();
      if (loupe::parseRecipe(r, "point", registry()).toJson() != r) __builtin_trap();
    }
  } catch (const loupe::InputError&) {
  }
  return 0;
}
