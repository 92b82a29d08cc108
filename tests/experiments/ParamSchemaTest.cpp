#include <gtest/gtest.h>

#include "engines/core/Error.h"
#include "experiments/KindRegistry.h"
#include "experiments/ParamSchema.h"

namespace loupe {
namespace {

TEST(ParamSchema, BadDeclarationsAreCaughtAtRegistration) {
  ParamSchema schema;
  schema.add(ParamSpec::integer("n", 4, "count").range(1, 8));
  EXPECT_THROW(schema.add(ParamSpec::integer("n", 4, "again")), std::logic_error);
  EXPECT_THROW(schema.add(ParamSpec::integer("m", 100, "default out of range").range(1, 8)), std::logic_error);
  EXPECT_THROW(schema.add(ParamSpec::integer("b", 48, "default not a power of two").range(16, 256).pow2()),
               std::logic_error);
  EXPECT_THROW(schema.add(ParamSpec::choice("c", {"a", "b"}, "z", "default not a choice")), std::logic_error);
}

TEST(ParamSchema, DescribesItselfAsJson) {
  const ParamSchema schema{ParamSpec::integer("block_q", 64, "query tile").range(16, 256).pow2(),
                           ParamSpec::choice("mode", {"a", "b"}, "a", "mode")};
  const auto j = schema.toJson();
  ASSERT_EQ(j.size(), 2u);
  EXPECT_EQ(j[0]["name"], "block_q");
  EXPECT_EQ(j[0]["type"], "int");
  EXPECT_EQ(j[0]["default"], 64);
  EXPECT_EQ(j[0]["min"], 16);
  EXPECT_EQ(j[0]["max"], 256);
  EXPECT_EQ(j[0]["power_of_two"], true);
  EXPECT_EQ(j[1]["choices"], nlohmann::json({"a", "b"}));
}

TEST(ParamSchema, IssueExampleMessage) {
  const ParamSchema schema{ParamSpec::integer("block_q", 64, "query tile").range(16, 256).pow2()};
  try {
    schema.validate({{"block_q", 100}}, "recipe.json");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(), "recipe.json: params.block_q: must be a power of two in [16, 256], got 100");
  }
}

TEST(ParamSchema, KindWithoutParametersSaysSo) {
  const ParamSchema empty;
  try {
    empty.validate({{"x", 1}}, "r.json");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(), "r.json: params.x: unknown parameter (this kind takes no parameters)");
  }
}

TEST(KindRegistry, RejectsMalformedAndDuplicateKinds) {
  KindRegistry registry;
  EngineKind k;
  k.name = "topic.study";
  k.version = "1";
  k.run = [](RunContext&) {};
  registry.add(k);
  EXPECT_THROW(registry.add(k), std::logic_error);
  k.name = "NoDot";
  EXPECT_THROW(registry.add(k), std::logic_error);
  k.name = "topic.other";
  k.run = nullptr;
  EXPECT_THROW(registry.add(k), std::logic_error);
  EXPECT_EQ(registry.names(), std::vector<std::string>{"topic.study"});
}

}  // namespace
}  // namespace loupe
