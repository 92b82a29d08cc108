// Sweep specs (experiments/SweepSpec.h): grid × zip × random expand to
// complete recipes, deterministically; the random axis draws the same
// values on every run and stays within its ranges; bad specs are refused
// naming the field.
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "engines/core/Error.h"
#include "experiments/KindRegistry.h"
#include "experiments/SweepSpec.h"
#include "tests/support/TestHelpers.h"

namespace loupe {
namespace {

using json = nlohmann::json;

class SweepSpecs : public ::testing::Test {
 protected:
  SweepSpecs() { registerBuiltinKinds(kinds); }
  KindRegistry kinds;
  SweepSpec parse(const std::string& text) { return parseSweepSpecText(text, "spec.json", kinds); }
  std::string refusal(const std::string& text) {
    try {
      parse(text);
    } catch (const InputError& e) {
      return e.what();
    }
    return "accepted";
  }
};

TEST_F(SweepSpecs, AGridTimesAZipGivesEveryCombinationInOrder) {
  const SweepSpec s = parse(R"({"name": "hippo", "base": {"kind": "ssm.hippo", "params": {"length": 300}},
      "grid": {"measure": ["legs", "legt"], "seed": [1, 2]},
      "zip": {"state": [8, 16, 32], "steps": [2, 3, 4]}})");
  EXPECT_EQ(s.name, "hippo");
  ASSERT_EQ(s.points.size(), 2u * 2u * 3u);
  EXPECT_EQ(s.axes, (std::vector<std::string>{"params.measure", "seed", "params.state", "params.steps"}));
  // Grid axes in name order, the last fastest; the zip innermost.
  const SweepPoint& p5 = s.points[5];  // measure legs, seed 2, zip row 2
  EXPECT_EQ(p5.recipe.params["measure"], "legs");
  EXPECT_EQ(p5.recipe.seed, 2u);
  EXPECT_EQ(p5.recipe.params["state"], 32);
  EXPECT_EQ(p5.recipe.params["steps"], 4);
  EXPECT_EQ(p5.recipe.params["length"], 300);        // the base's own value kept
  EXPECT_TRUE(p5.recipe.params.contains("method"));  // complete: defaults filled in
  EXPECT_EQ(s.points[6].recipe.params["measure"], "legt");
  EXPECT_EQ(p5.values, (json{{"params.measure", "legs"}, {"seed", 2}, {"params.state", 32}, {"params.steps", 4}}));
  std::set<std::string> names;
  for (const auto& p : s.points) names.insert(p.recipe.name);
  EXPECT_EQ(names.size(), s.points.size()) << "every point named apart";
  // The same spec, the same points.
  const SweepSpec again = parse(s.spec.dump());
  for (std::size_t i = 0; i < s.points.size(); ++i)
    EXPECT_EQ(again.points[i].recipe.toJson(), s.points[i].recipe.toJson());
}

TEST_F(SweepSpecs, RandomSamplesAreSeededAndWithinTheirRanges) {
  const std::string spec = R"({"base": {"kind": "ssm.hippo"}, "random": {"count": 200, "seed": 7, "params": {
      "state": {"int": [4, 64]}, "length": {"choice": [256, 512]}, "signal": {"choice": ["chirp", "step"]}}}})";
  const SweepSpec a = parse(spec), b = parse(spec);
  ASSERT_EQ(a.points.size(), 200u);
  std::set<std::int64_t> states;
  std::set<std::string> signals;
  for (std::size_t i = 0; i < a.points.size(); ++i) {
    EXPECT_EQ(a.points[i].values, b.points[i].values);
    const std::int64_t n = a.points[i].recipe.params["state"].get<std::int64_t>();
    EXPECT_GE(n, 4);
    EXPECT_LE(n, 64);
    states.insert(n);
    signals.insert(a.points[i].recipe.params["signal"].get<std::string>());
  }
  EXPECT_GT(states.size(), 40u) << "200 draws of 61 integers cover most";
  EXPECT_TRUE(states.count(4) || states.count(64) || states.size() > 50);
  EXPECT_EQ(signals.size(), 2u);
  // Another seed, other points.
  std::string other = spec;
  other.replace(other.find("\"seed\": 7"), 9, "\"seed\": 8");
  EXPECT_NE(parse(other).points[0].values.dump() + parse(other).points[1].values.dump(),
            a.points[0].values.dump() + a.points[1].values.dump());
}

TEST_F(SweepSpecs, ContinuousDistributionsHaveTheirMoments) {
  // 4,000 draws: a uniform's mean within 3 standard errors of (lo + hi) / 2;
  // a log-uniform's log-mean likewise.
  const SweepSpec s = parse(R"({"base": {"kind": "precision.train"}, "random": {"count": 4000, "seed": 1, "params": {
      "initial_scale": {"log_uniform": [1, 65536]}}}})");
  double sumLog = 0;
  for (const auto& p : s.points) {
    const double v = p.recipe.params["initial_scale"].get<double>();
    ASSERT_GE(v, 1);
    ASSERT_LE(v, 65536);
    sumLog += std::log(v);
  }
  const double mean = sumLog / 4000, expect = std::log(65536.0) / 2, se = std::log(65536.0) / std::sqrt(12.0 * 4000);
  EXPECT_NEAR(mean, expect, 3 * se);
}

TEST_F(SweepSpecs, BadSpecsNameTheField) {
  const std::pair<const char*, const char*> cases[] = {
      {R"({"grid": {"state": [8]}})", "spec.json.base: is missing"},
      {R"({"base": {"kind": "ssm.hippo"}, "grids": {}})", "spec.json.grids: unknown field"},
      {R"({"base": {"kind": "ssm.hippo"}, "grid": {"stat": [8]}})", "spec.json.grid.stat: 'stat' is not a parameter"},
      {R"({"base": {"kind": "ssm.hippo"}, "grid": {"state": []}})", "spec.json.grid.state: must be a non-empty list"},
      {R"({"base": {"kind": "ssm.hippo"}, "zip": {"state": [8, 16], "steps": [2]}})", "spec.json.zip.steps: has 1"},
      {R"({"base": {"kind": "ssm.hippo"}, "grid": {"state": [8]}, "zip": {"params.state": [16]}})",
       "swept by two axes"},
      {R"({"base": {"kind": "ssm.hippo"}, "random": {"count": 2, "params": {"state": {"normal": [0, 1]}}}})",
       "spec.json.random.params.state: 'normal' is not"},
      {R"({"base": {"kind": "ssm.hippo"}, "random": {"count": 0, "params": {"state": {"int": [1, 2]}}}})",
       "spec.json.random.count"},
      {R"({"base": {"kind": "ssm.hippo"}, "random": {"count": 2, "params": {"state": {"int": [9, 2]}}}})",
       "spec.json.random.params.state.int: needs finite lo ≤ hi"},
      {R"({"base": {"kind": "ssm.hippo"}, "grid": {"state": [8, -3]}})", "point 1 {\"params.state\":-3}"},
      {R"({"base": {"kind": "no.such_kind"}})", "no.such_kind"},
      {R"({"base": "/nonexistent/recipe.json"})", "/nonexistent/recipe.json"},
      {R"({"base": {"kind": "ssm.hippo"}, "grid": {"a": [1,2,3,4,5,6,7,8,9,10], "b": [1,2,3,4,5,6,7,8,9,10]}})",
       "'a' is not a parameter"},
  };
  for (const auto& [text, needle] : cases) EXPECT_NE(refusal(text).find(needle), std::string::npos) << refusal(text);
  // A grid of 10^6+ points is refused before it is built.
  json big = {{"base", {{"kind", "ssm.hippo"}}}, {"grid", json::object()}};
  std::vector<int> hundred(101);
  for (int i = 0; i < 101; ++i) hundred[static_cast<std::size_t>(i)] = 4 + i;
  big["grid"]["state"] = hundred, big["grid"]["length"] = hundred, big["grid"]["steps"] = hundred;
  EXPECT_NE(refusal(big.dump()).find("passes 1000000 points"), std::string::npos) << refusal(big.dump());
}

TEST_F(SweepSpecs, ABaseRecipeFileIsReadAndInlined) {
  testing::TempDir dir;
  testing::writeFile(dir / "base.json", R"({"kind": "ssm.hippo", "name": "legs", "params": {"state": 16}})");
  testing::writeFile(dir / "spec.json", R"({"base": "base.json", "grid": {"seed": [1, 2, 3]}})");
  const SweepSpec s = loadSweepSpecFile(dir / "spec.json", kinds);
  ASSERT_EQ(s.points.size(), 3u);
  EXPECT_EQ(s.spec["base"]["params"]["state"], 16);
  EXPECT_EQ(s.points[2].recipe.name, R"(legs · {"seed":3})");
}

TEST_F(SweepSpecs, TheShippedDemoSweepsExpandToValidRecipes) {
  const auto dir = std::filesystem::path(LOUPE_TEST_SOURCE_DIR) / ".." / "experiments" / "recipes" / "sweeps";
  int specs = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const SweepSpec s = loadSweepSpecFile(entry.path(), kinds);
    EXPECT_GE(s.points.size(), 2u) << entry.path();
    EXPECT_GE(s.axes.size(), 3u) << entry.path() << ": the demo shows parallel coordinates";
    ++specs;
  }
  EXPECT_GE(specs, 1);
}

}  // namespace
}  // namespace loupe
