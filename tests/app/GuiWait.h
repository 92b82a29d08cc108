// Waiting for the GUI inside GoogleTest. Qt's QTRY_* macros report through
// QTest's own logger and `return` — outside QTest::qExec a timeout is a
// silent early return, not a failure. These fail the gtest case instead.
#pragma once

#include <gtest/gtest.h>

#include <QElapsedTimer>
#include <QTest>

namespace loupe::testing {

// Processes events until `condition()` holds or `timeoutMs` pass.
template <class Condition>
bool waitUntil(Condition condition, int timeoutMs = 5000) {
  QElapsedTimer clock;
  clock.start();
  while (!condition()) {
    if (clock.elapsed() > timeoutMs) return false;
    QTest::qWait(10);
  }
  return true;
}

}  // namespace loupe::testing

// ASSERT that `expr` becomes true within timeoutMs (Qt events keep flowing).
#define LOUPE_WAIT_TRUE(expr, timeoutMs) \
  ASSERT_TRUE(::loupe::testing::waitUntil([&] { return static_cast<bool>(expr); }, timeoutMs)) << "never held: " #expr

// ASSERT that `actual == expected` within timeoutMs; prints the last value.
#define LOUPE_WAIT_EQ(actual, expected, timeoutMs)                                                         \
  do {                                                                                                     \
    const bool loupeHeld = ::loupe::testing::waitUntil([&] { return (actual) == (expected); }, timeoutMs); \
    if (!loupeHeld) {                                                                                      \
      ASSERT_EQ(actual, expected) << "after waiting " << (timeoutMs) << " ms";                             \
    }                                                                                                      \
  } while (false)
