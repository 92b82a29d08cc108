// Every kind of recipe error, with the exact message a user sees.
#include <gtest/gtest.h>

#include "engines/core/Error.h"
#include "experiments/KindRegistry.h"
#include "experiments/Recipe.h"
#include "tests/support/TestHelpers.h"
#include "tests/support/TestKinds.h"

namespace loupe {
namespace {

using nlohmann::json;

class RecipeTest : public ::testing::Test {
 protected:
  RecipeTest() { testing::registerTestKinds(registry); }

  // The message parsing `text` as recipe.json fails with ("" if it parses).
  std::string errorOf(const std::string& text) {
    try {
      parseRecipeText(text, "recipe.json", registry);
    } catch (const InputError& e) {
      return e.what();
    }
    return "";
  }
  std::string paramError(const std::string& params) {
    return errorOf(R"({"kind": "test.series", "params": )" + params + "}");
  }

  KindRegistry registry;
};

TEST_F(RecipeTest, MinimalRecipeGetsEveryDefault) {
  const Recipe r = parseRecipeText(R"({"kind": "test.series"})", "recipe.json", registry);
  EXPECT_EQ(r.kind, "test.series");
  EXPECT_EQ(r.name, "test.series");
  EXPECT_EQ(r.seed, 0u);
  EXPECT_EQ(r.device, "auto");
  EXPECT_EQ(r.params.at("steps"), 10);
  EXPECT_EQ(r.params.at("block"), 64);
  EXPECT_EQ(r.params.at("sizes"), json({128, 256}));
  EXPECT_EQ(r.params.size(), 11u);
}

TEST_F(RecipeTest, FullRecipeKeepsEveryValue) {
  const Recipe r = parseRecipeText(
      R"({"kind": "test.series", "name": "sweep", "seed": 42, "device": "cpu",
          "params": {"steps": 3, "block": 128, "mode": "fast", "scale": 2, "verbose": true, "sizes": [1, 2, 3]}})",
      "recipe.json", registry);
  EXPECT_EQ(r.name, "sweep");
  EXPECT_EQ(r.seed, 42u);
  EXPECT_EQ(r.device, "cpu");
  EXPECT_EQ(r.params.at("block"), 128);
  EXPECT_EQ(r.params.at("mode"), "fast");
  EXPECT_EQ(r.params.at("verbose"), true);
  // The complete recipe survives a JSON round trip unchanged.
  EXPECT_EQ(parseRecipe(r.toJson(), "again", registry).toJson(), r.toJson());
}

TEST_F(RecipeTest, SyntaxErrorsNameLineAndColumn) {
  const std::string e = errorOf("{\n  \"kind\": \"test.series\",\n  \"seed\": ,\n}");
  EXPECT_EQ(e.rfind("recipe.json:3:11: invalid JSON: ", 0), 0u) << e;
  EXPECT_EQ(errorOf("").rfind("recipe.json:1:1: invalid JSON: ", 0), 0u) << errorOf("");
}

TEST_F(RecipeTest, TopLevelErrors) {
  EXPECT_EQ(errorOf("[1, 2]"), "recipe.json: a recipe must be a JSON object, got [1,2]");
  EXPECT_EQ(errorOf(R"({"name": "x"})"), R"(recipe.json: kind: missing (e.g. "kind": "attention.tiles"))");
  EXPECT_EQ(errorOf(R"({"kind": 3})"), "recipe.json: kind: must be a string, got 3");
  EXPECT_EQ(errorOf(R"({"kind": "test.serie"})"),
            R"(recipe.json: kind: unknown engine kind "test.serie" (did you mean "test.series"?))");
  EXPECT_EQ(errorOf(R"({"kind": "attention.flash"})"),
            R"(recipe.json: kind: unknown engine kind "attention.flash" (known: "test.series"))");
  EXPECT_EQ(errorOf(R"({"kind": "test.series", "sed": 1})"),
            R"(recipe.json: sed: unknown field (did you mean "seed"?))");
  EXPECT_EQ(errorOf(R"({"kind": "test.series", "colour": "red"})"),
            R"(recipe.json: colour: unknown field (allowed: "kind", "name", "seed", "device", "params"))");
  EXPECT_EQ(errorOf(R"({"kind": "test.series", "name": ""})"),
            R"(recipe.json: name: must be a non-empty string, got "")");
  EXPECT_EQ(errorOf(R"({"kind": "test.series", "seed": -1})"),
            "recipe.json: seed: must be an integer in [0, 2^63-1], got -1");
  EXPECT_EQ(errorOf(R"({"kind": "test.series", "seed": 1.5})"),
            "recipe.json: seed: must be an integer in [0, 2^63-1], got 1.5");
  EXPECT_EQ(errorOf(R"({"kind": "test.series", "seed": 18446744073709551615})"),
            "recipe.json: seed: must be an integer in [0, 2^63-1], got 18446744073709551615");
  EXPECT_EQ(errorOf(R"({"kind": "test.series", "device": "gpu"})"),
            R"(recipe.json: device: must be one of "auto", "cpu", "cuda", got "gpu")");
  EXPECT_EQ(errorOf(R"({"kind": "test.series", "params": [1]})"), "recipe.json: params: must be an object, got [1]");
}

TEST_F(RecipeTest, UnknownParameters) {
  EXPECT_EQ(paramError(R"({"stpes": 3})"), R"(recipe.json: params.stpes: unknown parameter (did you mean "steps"?))");
  EXPECT_EQ(paramError(R"({"zzz": 3})"),
            "recipe.json: params.zzz: unknown parameter (known: \"steps\", \"sleep_ms\", \"fail_at\", \"crash_at\", "
            "\"array_len\", "
            "\"block\", \"mode\", \"scale\", \"verbose\", \"allocate_bytes\", \"sizes\")");
}

TEST_F(RecipeTest, ParameterTypeAndRangeErrors) {
  EXPECT_EQ(paramError(R"({"block": 100})"), "recipe.json: params.block: must be a power of two in [16, 256], got 100");
  EXPECT_EQ(paramError(R"({"block": 512})"), "recipe.json: params.block: must be a power of two in [16, 256], got 512");
  EXPECT_EQ(paramError(R"({"steps": 2.5})"), "recipe.json: params.steps: must be an integer, got 2.5");
  EXPECT_EQ(paramError(R"({"steps": "10"})"), R"(recipe.json: params.steps: must be an integer, got "10")");
  EXPECT_EQ(paramError(R"({"steps": -1})"), "recipe.json: params.steps: must be in [0, 10000000], got -1");
  EXPECT_EQ(paramError(R"({"scale": "big"})"), R"(recipe.json: params.scale: must be a number, got "big")");
  EXPECT_EQ(paramError(R"({"scale": 1000.5})"), "recipe.json: params.scale: must be in [-100, 100], got 1000.5");
  EXPECT_EQ(paramError(R"({"verbose": 1})"), "recipe.json: params.verbose: must be true or false, got 1");
  EXPECT_EQ(paramError(R"({"mode": "slow"})"),
            R"(recipe.json: params.mode: must be one of "fast", "exact", got "slow")");
  EXPECT_EQ(paramError(R"({"sizes": 5})"), "recipe.json: params.sizes: must be a list of integers, got 5");
  EXPECT_EQ(paramError(R"({"sizes": []})"), "recipe.json: params.sizes: must have 1 to 8 elements, got 0");
  EXPECT_EQ(paramError(R"({"sizes": [1, 0]})"), "recipe.json: params.sizes[1]: must be in [1, 65536], got 0");
  EXPECT_EQ(paramError(R"({"sizes": [1, "a"]})"), R"(recipe.json: params.sizes[1]: must be an integer, got "a")");
}

TEST_F(RecipeTest, FileErrorsNameTheFile) {
  testing::TempDir dir;
  try {
    loadRecipeFile(dir / "missing.json", registry);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), (dir / "missing.json").string() + ": no such file");
  }
  try {
    loadRecipeFile(dir.path(), registry);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), dir.path().string() + ": is a directory, not a regular file");
  }
  testing::writeFile(dir / "r.json", R"({"kind": "test.series", "params": {"block": 100}})");
  try {
    loadRecipeFile(dir / "r.json", registry);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()),
              (dir / "r.json").string() + ": params.block: must be a power of two in [16, 256], got 100");
  }
}

TEST_F(RecipeTest, OverridesApplyAndNameThemselvesInErrors) {
  const Recipe base = parseRecipeText(R"({"kind": "test.series"})", "r.json", registry);
  const Recipe r =
      applyOverrides(base, {"params.steps=5", "name=sweep 1", "device=cpu", "params.sizes=[4,8]"}, registry);
  EXPECT_EQ(r.params.at("steps"), 5);
  EXPECT_EQ(r.name, "sweep 1");  // not JSON: taken as a plain string
  EXPECT_EQ(r.device, "cpu");
  EXPECT_EQ(r.params.at("sizes"), json({4, 8}));

  auto overrideError = [&](const std::string& assignment) {
    try {
      applyOverrides(base, {assignment}, registry);
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_EQ(overrideError("params.block=100"),
            "--set params.block=100: params.block: must be a power of two in [16, 256], got 100");
  EXPECT_EQ(overrideError("params.stpes=3"),
            R"(--set params.stpes=3: params.stpes: unknown parameter (did you mean "steps"?))");
  EXPECT_EQ(overrideError("steps"), "--set steps: expected FIELD=VALUE, e.g. params.steps=10");
  EXPECT_EQ(overrideError("name.x=1"), "--set name.x=1: name: is not an object with fields");
  EXPECT_EQ(overrideError("params..x=1"), R"(--set params..x=1: empty field name in "params..x")");
}

// Hostile recipes (issue 19's reproducers): nesting 60,000 levels deep in a
// file or a --set value overflowed the stack in the dump() of an error
// message; a repeated key passed silently; a huge wrong value was echoed whole.
TEST_F(RecipeTest, HostileRecipesAreBoundedErrors) {
  const std::string deep = std::string(60000, '[') + std::string(60000, ']');
  EXPECT_EQ(errorOf(R"({"kind": "test.series", "params": {"x": )" + deep + "}}"),
            "recipe.json: is nested deeper than 64 levels");
  EXPECT_EQ(errorOf(R"({"kind": )" + deep + "}"), "recipe.json: is nested deeper than 64 levels");
  EXPECT_EQ(errorOf(R"({"kind": "test.series", "params": {"steps": 3, "steps": 4}})"),
            R"(recipe.json: key "steps" appears twice in one object)");
  const std::string longName(5000, 'x');
  const std::string message = errorOf(R"({"kind": "test.series", "name": [")" + longName + R"("]})");
  EXPECT_LT(message.size(), 200u) << message.size();
  EXPECT_NE(message.find("name: must be a non-empty string, got [\"xxx"), std::string::npos) << message;
  const Recipe base = parseRecipeText(R"({"kind": "test.series"})", "r.json", registry);
  try {
    applyOverrides(base, {"params.x=" + deep}, registry);
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()).substr(0, 10), "--set para");
    EXPECT_NE(std::string(e.what()).find("nested deeper than 64 levels"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace loupe
