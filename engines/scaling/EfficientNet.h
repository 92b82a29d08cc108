// EfficientNet (Tan & Le, ICML 2019): B0 from its stage table, scaled in
// depth, width and resolution.
//
// Two sets of coefficients exist and both are here: the compound rule
// (depth α^φ, width β^φ, resolution γ^φ with α = 1.2, β = 1.1, γ = 1.15,
// α·β²·γ² ≈ 2, so FLOPs grow about 2^φ), and the coefficients B1–B7 were
// released with (tensorflow/tpu efficientnet_builder.py), which do not follow
// α^φ exactly. Filters and repeats are rounded as the reference does
// (round_filters / round_repeats in tensorflow/tpu's efficientnet_model.py): filters to multiples of 8, repeats up.
#pragma once

#include <string>

#include "engines/scaling/Network.h"

namespace loupe::scaling {

struct EfficientNetCoefficients {
  double width = 1.0;
  double depth = 1.0;
  int resolution = 224;
  double dropout = 0.2;
};

// The paper's Table 2 row: parameters (millions), FLOPs (billions of
// multiply-adds) and ImageNet top-1 (%).
struct EfficientNetPaperRow {
  double paramsM, flopsB, top1;
};

constexpr double kAlpha = 1.2, kBeta = 1.1, kGamma = 1.15;

// b in 0..7; throws InputError otherwise.
EfficientNetCoefficients releasedCoefficients(int b);
EfficientNetPaperRow paperRow(int b);
EfficientNetCoefficients compoundCoefficients(double phi, double alpha = kAlpha, double beta = kBeta,
                                              double gamma = kGamma);

// max(divisor, ⌊(f·w + divisor/2)/divisor⌋·divisor), plus divisor when that
// falls below 0.9·f·w.
std::int64_t roundFilters(std::int64_t filters, double width, int divisor = 8);
// ⌈repeats·depth⌉.
std::int64_t roundRepeats(std::int64_t repeats, double depth);

// The network at these coefficients: stem, the seven MBConv stages, the
// 1×1 head, global pooling and a 1000-way classifier.
Network efficientNet(const EfficientNetCoefficients& c, const std::string& name);
Network efficientNetB(int b);  // "efficientnet-b<b>" at its released coefficients

}  // namespace loupe::scaling
