// Engine kinds of the state-space topic: `ssm.hippo`, `ssm.s4_kernel`,
// `ssm.selective_scan`, and `ssm.model_states` (a Mamba model reading text,
// SsmModelStates.cpp).
#pragma once

#include "experiments/KindRegistry.h"

namespace loupe {

void registerSsmKinds(KindRegistry& registry);  // all four
void registerSsmModelStatesKind(KindRegistry& registry);

}  // namespace loupe
