// Engine kinds of the attention topic: `attention.tiles`.
#pragma once

#include "experiments/KindRegistry.h"

namespace loupe {

void registerAttentionKinds(KindRegistry& registry);

}  // namespace loupe
