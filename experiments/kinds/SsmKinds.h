// Engine kinds of the state-space topic: `ssm.hippo`, `ssm.s4_kernel`,
// `ssm.selective_scan`.
#pragma once

#include "experiments/KindRegistry.h"

namespace loupe {

void registerSsmKinds(KindRegistry& registry);

}  // namespace loupe
