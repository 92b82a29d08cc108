// LOUPE_ASSERT stays on in release builds (this file is compiled with the
// build's NDEBUG, whatever it is) and says where and what.
#include <gtest/gtest.h>

#include <string>

#include "engines/core/Assert.h"

namespace loupe {
namespace {

int evaluated = 0;
std::string expensiveMessage() {
  ++evaluated;
  return "message";
}

TEST(LoupeAssert, ThrowsWithFileLineConditionAndMessage) {
  const int line = __LINE__ + 2;
  try {
    LOUPE_ASSERT(1 + 1 == 3, "arithmetic " + std::to_string(42));
    FAIL() << "LOUPE_ASSERT did not fire";
  } catch (const AssertionError& e) {
    EXPECT_EQ(std::string(e.what()),
              std::string(__FILE__) + ":" + std::to_string(line) + ": assertion `1 + 1 == 3` failed: arithmetic 42");
  }
#ifdef NDEBUG
  SUCCEED() << "checked with NDEBUG defined";
#endif
}

TEST(LoupeAssert, IsALogicErrorAndPassesQuietly) {
  EXPECT_THROW(LOUPE_ASSERT(false, ""), std::logic_error);
  evaluated = 0;
  LOUPE_ASSERT(true, expensiveMessage());
  EXPECT_EQ(evaluated, 0);  // the message is built only on failure
  EXPECT_THROW(LOUPE_ASSERT(false, expensiveMessage()), AssertionError);
  EXPECT_EQ(evaluated, 1);
  if (true)
    LOUPE_ASSERT(true, "");  // a single statement: safe in an unbraced if/else
  else
    FAIL();
}

}  // namespace
}  // namespace loupe
