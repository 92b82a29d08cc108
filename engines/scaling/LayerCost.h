// What a layer costs: parameters, multiply-adds, activation memory, and the
// arithmetic intensity those imply, for the building blocks of efficient
// convolutional networks — standard, grouped, depthwise and pointwise
// convolutions, MBConv with squeeze-excitation (EfficientNet), Inception
// modules with and without 1×1 reduction (GoogLeNet), ShuffleNetV2 units
// (ThunderNet's SNet) and fully connected layers.
//
// Conventions (those of the EfficientNet, ShuffleNet and GoogLeNet papers,
// and of torchvision's models, which the tests count against):
// - multiply-adds (MACs) are those of convolutions and fully connected
//   layers; activations, pooling, channel shuffles and element-wise sums and
//   products are not counted ("FLOPs" in the papers means these MACs);
// - padding is (k − 1)/2 on each side, so an output side is ⌊(n + 2p − k)/s⌋ + 1
//   (TensorFlow's "same" and torchvision agree on it for odd k);
// - parameters count weights, biases and batch-norm's γ and β (not its
//   running statistics, which are not trained).
//
// Activation memory is what the layer writes (every intermediate tensor a
// composite block makes), in elements; intensity is 2·MACs over the bytes a
// float32 layer must at least move: its input, its parameters and what it writes.
#pragma once

#include <cstdint>

namespace loupe::scaling {

struct FeatureShape {
  std::int64_t channels = 0, height = 0, width = 0;
  std::int64_t elements() const { return channels * height * width; }
  bool operator==(const FeatureShape&) const = default;
};

struct Cost {
  std::int64_t params = 0;
  std::int64_t macs = 0;
  std::int64_t activations = 0;  // elements written
  // Throws InputError when a sum passes 2^63 (a network too large to count).
  Cost& operator+=(const Cost& o);
};

// The cost of a layer and the shape it produces.
struct LayerResult {
  FeatureShape out;
  Cost cost;
};

// One convolution. groups 1: standard; groups = input channels = out:
// depthwise; kernel 1: pointwise.
struct ConvSpec {
  std::int64_t out = 0;
  int kernel = 1;
  int stride = 1;
  std::int64_t groups = 1;
  bool bias = false;
  bool batchNorm = true;
};

// MobileNetV2's inverted bottleneck with squeeze-excitation, as EfficientNet
// uses it: 1×1 expansion (skipped when expand is 1), k×k depthwise, SE on
// max(1, ⌊in·seRatio⌋) channels of the block's input, 1×1 projection.
struct MBConvSpec {
  std::int64_t out = 0;
  int expand = 1;
  int kernel = 3;
  int stride = 1;
  double seRatio = 0.25;  // 0: no squeeze-excitation
};

// GoogLeNet's Inception module: 1×1, 3×3 and 5×5 branches and a 3×3 max
// pool. With reduction, 1×1 convolutions shrink the input before the 3×3 and
// 5×5 branches and project the pool's output; without ("naive"), those
// branches see every input channel and the pool passes them all through.
struct InceptionSpec {
  std::int64_t conv1 = 0, reduce3 = 0, conv3 = 0, reduce5 = 0, conv5 = 0, poolProj = 0;
  bool reduction = true;
};

// ShuffleNetV2's unit (torchvision's InvertedResidual) with a k×k depthwise
// convolution (SNet uses 5×5). Stride 1 keeps the channels and transforms
// half of them; stride 2 runs both branches on the whole input.
struct ShuffleUnitSpec {
  std::int64_t out = 0;
  int stride = 1;
  int kernel = 3;
};

FeatureShape convOutput(const FeatureShape& in, int kernel, int stride);

// Each throws InputError (where: `field`) when the layer cannot be applied to
// its input: non-positive sizes, groups that do not divide the channels, an
// odd channel count for a shuffle unit, …
LayerResult convCost(const FeatureShape& in, const ConvSpec& c, const char* field = "layer");
LayerResult mbconvCost(const FeatureShape& in, const MBConvSpec& m, const char* field = "layer");
LayerResult inceptionCost(const FeatureShape& in, const InceptionSpec& s, const char* field = "layer");
LayerResult shuffleUnitCost(const FeatureShape& in, const ShuffleUnitSpec& s, const char* field = "layer");
// A fully connected layer on the flattened input (out features, with bias).
LayerResult fullyConnectedCost(const FeatureShape& in, std::int64_t out, const char* field = "layer");
// Max or average pooling (no MACs); global pooling is kernel = the input's side.
LayerResult poolCost(const FeatureShape& in, int kernel, int stride);
LayerResult globalPoolCost(const FeatureShape& in);

// 2·MACs per byte a float32 layer moves at least (input, parameters, outputs).
double arithmeticIntensity(const FeatureShape& in, const Cost& c);

}  // namespace loupe::scaling
