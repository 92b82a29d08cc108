#include "tests/support/RecordRun.h"

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

}  // namespace loupe::testing
