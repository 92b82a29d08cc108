#include "experiments/KindRegistry.h"
#include "experiments/kinds/AttentionKinds.h"
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
}

}  // namespace loupe
