// Engine kinds of the scaling topic: `scaling.compound` (network costs:
// EfficientNet B0–B7 and the compound rule, ThunderNet, SNet, networks from
// JSON) and `scaling.roofline` (convolution kernels measured on this
// machine's roofline, with OpenCV DNN as the peer).
#pragma once

#include "experiments/KindRegistry.h"

namespace loupe {

void registerScalingKinds(KindRegistry& registry);

}  // namespace loupe
