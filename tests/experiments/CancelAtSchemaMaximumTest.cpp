// Every shipped kind, every numeric parameter at its schema maximum (lists
// at their longest, of their largest values), under a small memory budget:
// Stop / Ctrl-C must end the run within a second, or the run must already
// have been refused, naming what is too large, without running out of
// memory. Before the engines polled the run's cancel flag, attention.tiles
// and attention.scaling ran on for 30 s at such sizes.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "engines/core/Error.h"
#include "experiments/KindRegistry.h"
#include "experiments/Recipe.h"
#include "tests/support/RecordRun.h"
#include "tests/support/TestHelpers.h"

namespace loupe {
namespace {

// The limit a user feels. Under AddressSanitizer (make test-sanitize) every
// memory access is checked and the engines run several times slower, so a
// poll comes later: the sanitizer lane checks for crashes, not for speed.
#if defined(__SANITIZE_ADDRESS__)
constexpr double kCancelLimitSeconds = 3.0;
#else
constexpr double kCancelLimitSeconds = 1.0;
#endif

// The largest value a spec allows: its max, made a power of two, a whole
// number, or a multiple the kind requires where the schema says so.
nlohmann::json largest(const ParamSpec& spec) {
  const auto biggest = [&spec](double fallback) {
    double v = spec.max.value_or(fallback);
    if (spec.type == ParamType::Int || spec.type == ParamType::IntList) {
      v = std::floor(v);
      if (spec.powerOfTwo) v = std::exp2(std::floor(std::log2(v)));
    }
    return v;
  };
  switch (spec.type) {
    case ParamType::Int:
      return static_cast<std::int64_t>(biggest(1e6));
    case ParamType::Float:
      return biggest(1e6);
    case ParamType::IntList: {
      const std::size_t n = std::min<std::size_t>(spec.maxLength, 64);
      return nlohmann::json(std::vector<std::int64_t>(n, static_cast<std::int64_t>(biggest(1e6))));
    }
    case ParamType::FloatList: {
      const std::size_t n = std::min<std::size_t>(spec.maxLength, 64);
      return nlohmann::json(std::vector<double>(n, biggest(1e6)));
    }
    default:
      return spec.defaultValue;  // choices, flags and texts as shipped
  }
}

class CancelAtSchemaMaximum : public ::testing::TestWithParam<std::string> {};

// The parameter an error names first ("params.draft_order: ..."), or "".
std::string namedParameter(const std::string& error) {
  const auto at = error.find("params.");
  if (at == std::string::npos) return {};
  const auto end = error.find_first_of(":[ ", at + 7);
  return error.substr(at + 7, end == std::string::npos ? std::string::npos : end - at - 7);
}

TEST_P(CancelAtSchemaMaximum, EndsWithinASecondOrIsRefused) {
  // A small budget: a maximal run must be refused by its estimate (naming
  // the parameter), not discovered by the kernel's allocator.
  ASSERT_EQ(::setenv("LOUPE_MEMORY_BUDGET_MB", "2048", 1), 0);
  const KindRegistry& kinds = builtinKinds();
  const EngineKind& kind = *kinds.find(GetParam());
  nlohmann::json params = nlohmann::json::object();
  for (const ParamSpec& spec : kind.schema.specs()) params[spec.name] = largest(spec);
  testing::TempDir dir;
  Store store(dir / "max.sqlite");
  // A maximum the kind refuses (a combination it cannot take, or more memory
  // than the budget) must be refused naming the parameter; that parameter
  // then goes back to its default and the rest stay at their maximum, so
  // that every kind is cancelled mid-run at least once.
  for (int attempt = 0; attempt < 12; ++attempt) {
    const nlohmann::json recipe = {{"kind", kind.name}, {"params", params}};
    SCOPED_TRACE(recipe.dump());
    std::string refusal;
    testing::CancelledRun c{};
    try {
      c = testing::cancelMidRun(store, kinds, recipe.dump(), 300);
    } catch (const InputError& e) {
      refusal = e.what();
    }
    if (refusal.empty() && !c.stillRunning) {
      if (c.status == RunStatus::Finished) {  // even its largest run takes less than the wait
        std::printf("  %s: finished before the cancel\n", kind.name.c_str());
        ::unsetenv("LOUPE_MEMORY_BUDGET_MB");
        return;
      }
      refusal = store.getRun(c.run).error;
      EXPECT_EQ(c.status, RunStatus::Failed) << "ended at once, neither finished nor refused";
    }
    if (!refusal.empty()) {
      std::printf("  %s refused: %s\n", kind.name.c_str(), refusal.c_str());
      const std::string name = namedParameter(refusal);
      ASSERT_TRUE(kind.schema.find(name)) << "a refusal names the parameter: " << refusal;
      if (params[name] != kind.schema.find(name)->defaultValue) {
        params[name] = kind.schema.find(name)->defaultValue;
        continue;
      }
      // Refused for what other parameters make of it (φ against α, β, γ):
      // the first one still at its maximum goes back to its default.
      bool changed = false;
      for (const ParamSpec& spec : kind.schema.specs())
        if (!changed && params[spec.name] != spec.defaultValue) {
          params[spec.name] = spec.defaultValue;
          changed = true;
        }
      ASSERT_TRUE(changed) << "refused with every parameter at its default: " << refusal;
      continue;
    }
    std::printf("  %s: %s %.3f s after the cancel\n", kind.name.c_str(), runStatusName(c.status), c.secondsToEnd);
    EXPECT_LT(c.secondsToEnd, kCancelLimitSeconds);
    // Cancelled — or finished in the moment between the request and the check.
    EXPECT_TRUE(c.status == RunStatus::Cancelled || c.status == RunStatus::Finished) << store.getRun(c.run).error;
    ::unsetenv("LOUPE_MEMORY_BUDGET_MB");
    return;
  }
  ADD_FAILURE() << "refused twelve times";
  ::unsetenv("LOUPE_MEMORY_BUDGET_MB");
}

INSTANTIATE_TEST_SUITE_P(EveryKind, CancelAtSchemaMaximum, ::testing::ValuesIn(builtinKinds().names()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param;
                           for (char& ch : name)
                             if (ch == '.') ch = '_';
                           return name;
                         });

}  // namespace
}  // namespace loupe
