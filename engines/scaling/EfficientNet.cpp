#include "engines/scaling/EfficientNet.h"

#include <cmath>

#include "engines/core/Error.h"

namespace loupe::scaling {

namespace {

void requireVariant(int b) {
  if (b < 0 || b > 7) throw InputError("efficientnet", "variant b" + std::to_string(b) + " does not exist (b0–b7)");
}

// B0's stages (the paper's Table 1): expand ratio, kernel, stride of the
// first block, output channels, repeats.
struct Stage {
  int expand, kernel, stride;
  std::int64_t out, repeats;
};
constexpr Stage kB0Stages[] = {{1, 3, 1, 16, 1},  {6, 3, 2, 24, 2},  {6, 5, 2, 40, 2}, {6, 3, 2, 80, 3},
                               {6, 5, 1, 112, 3}, {6, 5, 2, 192, 4}, {6, 3, 1, 320, 1}};
constexpr std::int64_t kStem = 32, kHead = 1280, kClasses = 1000;

}  // namespace

EfficientNetCoefficients releasedCoefficients(int b) {
  requireVariant(b);
  static constexpr EfficientNetCoefficients kReleased[] = {
      {1.0, 1.0, 224, 0.2}, {1.0, 1.1, 240, 0.2}, {1.1, 1.2, 260, 0.3}, {1.2, 1.4, 300, 0.3},
      {1.4, 1.8, 380, 0.4}, {1.6, 2.2, 456, 0.4}, {1.8, 2.6, 528, 0.5}, {2.0, 3.1, 600, 0.5}};
  return kReleased[b];
}

EfficientNetPaperRow paperRow(int b) {
  requireVariant(b);
  static constexpr EfficientNetPaperRow kTable2[] = {{5.3, 0.39, 77.1}, {7.8, 0.70, 79.1}, {9.2, 1.0, 80.1},
                                                     {12, 1.8, 81.6},   {19, 4.2, 82.9},   {30, 9.9, 83.6},
                                                     {43, 19, 84.0},    {66, 37, 84.3}};
  return kTable2[b];
}

EfficientNetCoefficients compoundCoefficients(double phi, double alpha, double beta, double gamma) {
  EfficientNetCoefficients c;
  c.depth = std::pow(alpha, phi);
  c.width = std::pow(beta, phi);
  c.resolution = static_cast<int>(std::lround(224.0 * std::pow(gamma, phi)));
  return c;
}

std::int64_t roundFilters(std::int64_t filters, double width, int divisor) {
  const double scaled = static_cast<double>(filters) * width;
  std::int64_t rounded = static_cast<std::int64_t>(scaled + divisor / 2.0) / divisor * divisor;
  rounded = std::max<std::int64_t>(divisor, rounded);
  if (static_cast<double>(rounded) < 0.9 * scaled) rounded += divisor;
  return rounded;
}

std::int64_t roundRepeats(std::int64_t repeats, double depth) {
  return static_cast<std::int64_t>(std::ceil(static_cast<double>(repeats) * depth));
}

Network efficientNet(const EfficientNetCoefficients& c, const std::string& name) {
  // Up to 16× B0's width and depth and 4096 pixels (B7 is 2.0, 3.1, 600):
  // beyond that a network has millions of layers or costs past 2^63.
  if (!(c.width > 0 && c.width <= 16) || !(c.depth > 0 && c.depth <= 16) || c.resolution < 32 || c.resolution > 4096)
    throw InputError(name, "width and depth must lie in (0, 16] and the resolution in [32, 4096]; got width " +
                               std::to_string(c.width) + ", depth " + std::to_string(c.depth) + ", resolution " +
                               std::to_string(c.resolution));
  NetworkBuilder b(name, {3, c.resolution, c.resolution});
  b.stage("stem").conv("stem", {.out = roundFilters(kStem, c.width), .kernel = 3, .stride = 2});
  int stageIndex = 1;
  for (const Stage& s : kB0Stages) {
    const std::string stage = "stage" + std::to_string(stageIndex++);
    b.stage(stage);
    const std::int64_t repeats = roundRepeats(s.repeats, c.depth);
    for (std::int64_t i = 0; i < repeats; ++i)
      b.mbconv(stage + ".block" + std::to_string(i + 1), {.out = roundFilters(s.out, c.width),
                                                          .expand = s.expand,
                                                          .kernel = s.kernel,
                                                          .stride = i == 0 ? s.stride : 1});
  }
  b.stage("head").conv("head", {.out = roundFilters(kHead, c.width)});
  b.globalPool("pool").fullyConnected("classifier", kClasses);
  return b.build();
}

Network efficientNetB(int b) {
  return efficientNet(releasedCoefficients(b), "efficientnet-b" + std::to_string(b));
}

}  // namespace loupe::scaling
