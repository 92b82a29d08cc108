#include "experiments/KindRegistry.h"
#include "experiments/kinds/AttentionKinds.h"
#include "experiments/kinds/RgbdKinds.h"

namespace loupe {

void registerBuiltinKinds(KindRegistry& registry) {
  // One call per topic.
  registerRgbdKinds(registry);
  registerAttentionKinds(registry);
}

}  // namespace loupe
