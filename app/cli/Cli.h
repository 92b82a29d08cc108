// The `loupe` command line, as a function so that the product's main() and the
// tests' main() (which registers test-only engine kinds) share every line.
//
// Exit codes: 0 success, 1 the run failed or was cancelled, 2 usage or input
// error (bad recipe, unknown run, a database it must not open, ...).
#pragma once

#include "experiments/KindRegistry.h"

namespace loupe {

inline constexpr int kExitOk = 0;
inline constexpr int kExitRunFailed = 1;
inline constexpr int kExitUsage = 2;

int runCli(int argc, char** argv, const KindRegistry& registry);

}  // namespace loupe
