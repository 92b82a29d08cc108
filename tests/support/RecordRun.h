// Recording a recipe into a store through the real runner, as the CLI and
// the workbench do: the one set-up the kind, panel and workbench tests share.
#pragma once

#include <cstdint>
#include <string>

#include "engines/core/Device.h"
#include "experiments/KindRegistry.h"
#include "experiments/Records.h"
#include "experiments/Store.h"

namespace loupe::testing {

struct RecordedRun {
  RunStatus status;
  std::string error;  // the runner's, empty unless Failed
  std::int64_t run;
};

// Parses the recipe text (kinds must know its kind), creates the run and
// runs it on this thread on `device` (the CPU unless asked), every step
// recorded into the store.
RecordedRun recordRun(Store& store, const KindRegistry& kinds, const std::string& recipeJson,
                      const std::string& engineVersion = "1", DeviceKind device = DeviceKind::Cpu);

// Starts the recipe on a worker thread, waits `afterMs`, cancels it and
// measures how long the run takes to end — what Stop / Ctrl-C cost a user.
// `stillRunning` is false when the run had ended before the cancel (the
// measurement then says nothing).
struct CancelledRun {
  bool stillRunning;
  RunStatus status;
  double secondsToEnd;
  std::int64_t run;
};
CancelledRun cancelMidRun(Store& store, const KindRegistry& kinds, const std::string& recipeJson, int afterMs);

}  // namespace loupe::testing
