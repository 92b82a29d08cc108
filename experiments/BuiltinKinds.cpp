#include "experiments/KindRegistry.h"
#include "experiments/kinds/RgbdKinds.h"

namespace loupe {

void registerBuiltinKinds(KindRegistry& registry) {
  // One call per topic.
  registerRgbdKinds(registry);
}

}  // namespace loupe
