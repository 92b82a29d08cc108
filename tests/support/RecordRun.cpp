#include "tests/support/RecordRun.h"

#include <chrono>
#include <thread>

#include "experiments/Recipe.h"
#include "experiments/Runner.h"
#include "experiments/StoreRecorder.h"

namespace loupe::testing {

RecordedRun recordRun(Store& store, const KindRegistry& kinds, const std::string& recipeJson,
                      const std::string& engineVersion, DeviceKind device) {
  const Recipe recipe = parseRecipeText(recipeJson, "test", kinds);
  const auto run = store.createRun(recipe, engineVersion, std::string(deviceKindName(device)));
  StoreRecorder recorder(store, run);
  Runner runner(*kinds.find(recipe.kind), recipe, device, {&recorder});
  const RunStatus status = runner.runHere();
  return {status, runner.error(), run};
}

CancelledRun cancelMidRun(Store& store, const KindRegistry& kinds, const std::string& recipeJson, int afterMs) {
  const Recipe recipe = parseRecipeText(recipeJson, "test", kinds);
  const EngineKind& kind = *kinds.find(recipe.kind);
  const auto run = store.createRun(recipe, kind.version, "cpu");
  StoreRecorder recorder(store, run);
  Runner runner(kind, recipe, DeviceKind::Cpu, {&recorder});
  runner.start();
  std::this_thread::sleep_for(std::chrono::milliseconds(afterMs));
  const bool stillRunning = !runner.finished();
  const auto t0 = std::chrono::steady_clock::now();
  runner.cancel();
  const RunStatus status = runner.wait();
  return {stillRunning, status, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), run};
}

}  // namespace loupe::testing
