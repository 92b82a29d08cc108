// Engine kinds of the RGBD topic: `rgbd.stream`.
#pragma once

#include "experiments/KindRegistry.h"

namespace loupe {

void registerRgbdKinds(KindRegistry& registry);

}  // namespace loupe
