// Engine kinds of the precision topic: `precision.tensor_stats`.
#pragma once

#include "experiments/KindRegistry.h"

namespace loupe {

void registerPrecisionKinds(KindRegistry& registry);

}  // namespace loupe
