#include "engines/scaling/ThunderNet.h"

#include "engines/core/Error.h"

namespace loupe::scaling {

namespace {

constexpr int kDepthwiseKernel = 5;
constexpr std::int64_t kRepeats[] = {4, 8, 4};
constexpr std::int64_t kCemChannels = 245;  // 5 · 7 · 7: PSRoIAlign's 7×7 bins × 5 channels
constexpr std::int64_t kRpnChannels = 256;
constexpr std::int64_t kAnchors = 25;  // 5 scales × 5 aspect ratios
constexpr std::int64_t kClasses = 81;  // COCO's 80 + background

// conv1, max pool, stages 2–4 (and conv5 for SNet49); returns C4's shape.
FeatureShape backbone(NetworkBuilder& b, const SNetConfig& c) {
  b.stage("conv1").conv("conv1", {.out = c.conv1, .kernel = 3, .stride = 2}).maxPool("maxpool", 3, 2);
  const std::int64_t widths[] = {c.stage2, c.stage3, c.stage4};
  FeatureShape c4;
  for (int s = 0; s < 3; ++s) {
    const std::string stage = "stage" + std::to_string(s + 2);
    b.stage(stage);
    for (std::int64_t i = 0; i < kRepeats[s]; ++i)
      b.shuffleUnit(stage + ".unit" + std::to_string(i + 1),
                    {.out = widths[s], .stride = i == 0 ? 2 : 1, .kernel = kDepthwiseKernel});
    if (s == 1) c4 = b.current();
  }
  if (c.conv5) b.stage("conv5").conv("conv5", {.out = c.conv5});
  return c4;
}

}  // namespace

SNetConfig snetConfig(int variant) {
  switch (variant) {
    case 49:
      return {24, 60, 120, 240, 512};
    case 146:
      return {24, 132, 264, 528, 0};
    case 535:
      return {48, 248, 496, 992, 0};
    default:
      throw InputError("snet", "SNet" + std::to_string(variant) + " does not exist (49, 146 or 535)");
  }
}

Network snetClassifier(int variant, int resolution) {
  NetworkBuilder b("snet" + std::to_string(variant), {3, resolution, resolution});
  backbone(b, snetConfig(variant));
  b.stage("classifier").globalPool("pool").fullyConnected("fc", 1000);
  return b.build();
}

Network thunderNet(int variant, int resolution, int rois) {
  if (rois < 1) throw InputError("thundernet.rois", "needs at least one RoI");
  // CEM adds C5 upsampled 2× to C4: they line up when the input is a multiple of 32.
  if (resolution < 64 || resolution % 32 != 0)
    throw InputError("thundernet.resolution",
                     "must be a multiple of 32 (C4 = 2 × C5 for CEM), not " + std::to_string(resolution));
  NetworkBuilder b("thundernet-snet" + std::to_string(variant), {3, resolution, resolution});
  const FeatureShape c4 = backbone(b, snetConfig(variant));
  const FeatureShape c5 = b.current();
  // CEM: three 245-channel maps at C4's size, summed.
  b.stage("CEM").from(c4).conv("cem.c4_1x1", {.out = kCemChannels, .bias = true, .batchNorm = false});
  b.from(c5).conv("cem.c5_1x1", {.out = kCemChannels, .bias = true, .batchNorm = false}).upsample("cem.c5_up", 2);
  b.from(c5).globalPool("cem.c5_pool").conv("cem.glb_1x1", {.out = kCemChannels, .bias = true, .batchNorm = false});
  const FeatureShape cem{kCemChannels, c4.height, c4.width};
  b.from(cem).elementwise("cem.sum", "add");
  // RPN: 5×5 depthwise + 1×1 → 256, then objectness and box deltas per anchor.
  b.stage("RPN").depthwise("rpn.dw5x5", 5).conv("rpn.1x1", {.out = kRpnChannels});
  const FeatureShape rpn = b.current();
  b.conv("rpn.cls", {.out = 2 * kAnchors, .bias = true, .batchNorm = false});
  b.from(rpn).conv("rpn.reg", {.out = 4 * kAnchors, .bias = true, .batchNorm = false});
  // SAM: CEM ⊙ sigmoid(BN(1×1(RPN))).
  b.stage("SAM").from(rpn).conv("sam.1x1", {.out = kCemChannels}).elementwise("sam.multiply", "multiply");
  // R-CNN subnet, per RoI: PSRoIAlign 7×7×5 → FC 1024 → classes and boxes.
  const FeatureShape pooled{kCemChannels / 49, 7, 7};
  b.stage("R-CNN").from(pooled).fullyConnected("rcnn.fc", 1024).times(rois);
  const FeatureShape fc = b.current();
  b.fullyConnected("rcnn.cls", kClasses).times(rois);
  b.from(fc).fullyConnected("rcnn.reg", 4 * kClasses).times(rois);
  return b.build();
}

}  // namespace loupe::scaling
