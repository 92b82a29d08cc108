#include "experiments/KindRegistry.h"
#include "experiments/kinds/AttentionKinds.h"
#include "experiments/kinds/LmKinds.h"
#include "experiments/kinds/PrecisionKinds.h"
#include "experiments/kinds/RgbdKinds.h"
#include "experiments/kinds/ScalingKinds.h"
#include "experiments/kinds/SpecdecKinds.h"
#include "experiments/kinds/SsmKinds.h"

namespace loupe {

void registerBuiltinKinds(KindRegistry& registry) {
  // One call per topic.
  registerRgbdKinds(registry);
  registerAttentionKinds(registry);
  registerSsmKinds(registry);
  registerPrecisionKinds(registry);
  registerSpecdecKinds(registry);
  registerScalingKinds(registry);
  registerLmKinds(registry);
}

const KindRegistry& builtinKinds() {
  static const KindRegistry registry = [] {
    KindRegistry r;
    registerBuiltinKinds(r);
    return r;
  }();
  return registry;
}

}  // namespace loupe
