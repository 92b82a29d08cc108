// LOUPE_ASSERT(cond, msg): an invariant that must hold in release builds too
// (plain assert() vanishes under NDEBUG, which is how `make` builds).
//
// On failure it throws loupe::AssertionError (a std::logic_error) whose
// message is "file:line: assertion `cond` failed: msg". It throws rather
// than aborts because kinds run inside the workbench process: the runner
// turns the exception into a failed run with that message, and the window
// stays up. Tests can EXPECT_THROW it. Do not catch it to carry on — it
// means a bug in Loupe, not bad input (bad input is InputError, Error.h).
//
// `msg` is anything a std::string can be built from (a literal, a
// std::string expression); it is evaluated only when the check fails.
// Cost when the condition holds: one branch.
#pragma once

#include <stdexcept>
#include <string>

namespace loupe {

class AssertionError : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

namespace detail {
[[noreturn]] void assertionFailed(const char* file, int line, const char* condition, const std::string& message);
}  // namespace detail

}  // namespace loupe

#define LOUPE_ASSERT(cond, msg)                                                      \
  do {                                                                               \
    if (!(cond)) [[unlikely]]                                                        \
      ::loupe::detail::assertionFailed(__FILE__, __LINE__, #cond, std::string(msg)); \
  } while (false)
