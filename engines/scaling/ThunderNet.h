// ThunderNet (Qin et al., ICCV 2019): a two-stage detector for ARM CPUs.
//
// SNet backbones are ShuffleNetV2 with 5×5 depthwise convolutions: SNet49
// keeps a 512-channel conv5, SNet146 and SNet535 drop conv5 and widen the
// stages instead. The names are the backbones' MFLOPs as ImageNet
// classifiers at 224×224. The detector runs at 320×320: the context
// enhancement module (CEM) sums three 245-channel maps at C4's 20×20
// (C4 by 1×1, C5 by 1×1 then 2× upsampled, C5's global pool by 1×1); the
// compressed RPN is a 5×5 depthwise + 1×1 → 256 with 25 anchors; the spatial
// attention module (SAM) re-weights CEM by sigmoid(BN(1×1(RPN))); the R-CNN
// subnet pools 7×7×5 per RoI (PSRoIAlign: 245 = 5·7·7) into one 1024-wide
// fully connected layer and classifies COCO's 80 classes + background.
#pragma once

#include <string>

#include "engines/scaling/Network.h"

namespace loupe::scaling {

// 49, 146 or 535; throws InputError otherwise.
struct SNetConfig {
  std::int64_t conv1, stage2, stage3, stage4, conv5;  // conv5 0: none
};
SNetConfig snetConfig(int variant);

// The backbone as an ImageNet classifier (global pool, FC 1000).
Network snetClassifier(int variant, int resolution = 224);
// The whole detector at `resolution` (320 in the paper) with the R-CNN
// subnet run on `rois` proposals.
Network thunderNet(int variant, int resolution = 320, int rois = 200);

}  // namespace loupe::scaling
