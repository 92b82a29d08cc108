// What the precision.* kinds record, named once for the kinds that write it
// and the panel that reads it (panels/precision). No engine header: panels
// include this.
//
// precision.tensor_stats — one step per tensor, in the file's order (or one
//   step for a generated distribution):
//   tensor_name (text: UTF-8 bytes, u8; the distribution's name when
//     generated), shape (int64, one entry per axis), metric elements (count);
//   format-independent, from the float32 values: exponent_histogram (int64,
//     kExponentBins = 277 bins: bin k counts the finite non-zero values with
//     floor(log2|x|) = kMinExponent + k = −149 + k), metrics nan, inf, zeros
//     (counts already in the input);
//   per format f in kFormats ("fp16", "bf16", "e4m3", "e5m2"; the engine's
//   format names), metrics and arrays named "<f>_<what>":
//     <f>_log2_max, <f>_log2_min_normal, <f>_log2_min_subnormal (log2 of the
//       format's largest finite, smallest normal and smallest subnormal);
//     <f>_underflow_edge_log2, <f>_overflow_edge_log2 (exponent-histogram
//       bin edges, log2: bins below the first underflow to 0, bins from the
//       second on overflow);
//     <f>_overflow, <f>_underflow, <f>_subnormal (counts: finite values
//       rounding past max, non-zero values rounding to ±0, subnormal
//       results) and <f>_overflow_frac, <f>_underflow_frac,
//       <f>_subnormal_frac (the same / elements, 0–1);
//     <f>_max_rel_error, <f>_mean_rel_error (|q − x|/|x| of the values that
//       stay finite and non-zero);
//     <f>_error_histogram (int64, kErrorBins = 65 bins of the changed
//       values: bin k holds floor(log2 relative error) = kMinErrorExponent
//       + k = −64 + k, the last bin also everything larger);
//     with per_channel and a 2-D tensor: <f>_channel_overflow_frac,
//       <f>_channel_underflow_frac (float64, one per column = last axis,
//       fraction of that column's rows).
// precision.train — one step per logged training step (step = the SGD
//   step), every configuration side by side. A configuration is a name of
//   the `configs` param: "fp32", "fp16", "bf16", and with loss scaling
//   "fp16_scaled", "bf16_scaled" (kScaledSuffix). Metrics "<config>_<what>"
//   (configMetric):
//     loss (batch cross-entropy), accuracy (batch, 0–1), loss_scale (the
//     GradScaler's scale; 1 without scaling), skipped_steps (steps skipped
//     for overflow so far), gradient_underflow_frac (weight gradients
//     rounded to 0 / non-zero ones in float64, both layers, this step);
//     per layer L = 1, 2 "<config>_layer<L>_<what>" (layerMetric), counts
//     this step: weight_underflow, activation_overflow,
//     activation_underflow, gradient_overflow, gradient_underflow;
//     on the last step final_train_loss, final_train_accuracy,
//     final_test_loss, final_test_accuracy (float64 forward) and
//     final_gradient_underflow_frac (over all steps and layers).
#pragma once

#include <array>
#include <string>

namespace loupe::precision_records {

// precision.tensor_stats
inline constexpr const char* kTensorName = "tensor_name";
inline constexpr const char* kShape = "shape";
inline constexpr const char* kElements = "elements";
inline constexpr const char* kExponentHistogram = "exponent_histogram";
inline constexpr const char* kNan = "nan";
inline constexpr const char* kInf = "inf";
inline constexpr const char* kZeros = "zeros";

// exponent_histogram: bin k ↔ floor(log2|x|) = kMinExponent + k.
inline constexpr int kMinExponent = -149, kExponentBins = 277;
// <f>_error_histogram: bin k ↔ floor(log2 relative error) = kMinErrorExponent + k.
inline constexpr int kMinErrorExponent = -64, kErrorBins = 65;

// The formats each tensor goes through, in the order they are recorded.
inline constexpr std::array<const char*, 4> kFormats = {"fp16", "bf16", "e4m3", "e5m2"};

inline std::string log2MaxOf(const std::string& format) {
  return format + "_log2_max";
}
inline std::string log2MinNormalOf(const std::string& format) {
  return format + "_log2_min_normal";
}
inline std::string log2MinSubnormalOf(const std::string& format) {
  return format + "_log2_min_subnormal";
}
inline std::string underflowEdgeOf(const std::string& format) {
  return format + "_underflow_edge_log2";
}
inline std::string overflowEdgeOf(const std::string& format) {
  return format + "_overflow_edge_log2";
}
inline std::string overflowOf(const std::string& format) {
  return format + "_overflow";
}
inline std::string overflowFracOf(const std::string& format) {
  return format + "_overflow_frac";
}
inline std::string underflowOf(const std::string& format) {
  return format + "_underflow";
}
inline std::string underflowFracOf(const std::string& format) {
  return format + "_underflow_frac";
}
inline std::string subnormalOf(const std::string& format) {
  return format + "_subnormal";
}
inline std::string subnormalFracOf(const std::string& format) {
  return format + "_subnormal_frac";
}
inline std::string maxRelErrorOf(const std::string& format) {
  return format + "_max_rel_error";
}
inline std::string meanRelErrorOf(const std::string& format) {
  return format + "_mean_rel_error";
}
inline std::string errorHistogramOf(const std::string& format) {
  return format + "_error_histogram";
}
inline std::string channelOverflowFracOf(const std::string& format) {
  return format + "_channel_overflow_frac";
}
inline std::string channelUnderflowFracOf(const std::string& format) {
  return format + "_channel_underflow_frac";
}

// precision.train: "<config>_<what>" and "<config>_layer<L>_<what>".
inline constexpr const char* kScaledSuffix = "_scaled";  // a configuration with loss scaling
inline constexpr int kLayers = 2;                        // L = 1 … kLayers

inline constexpr const char* kLoss = "loss";
inline constexpr const char* kAccuracy = "accuracy";
inline constexpr const char* kLossScale = "loss_scale";
inline constexpr const char* kSkippedSteps = "skipped_steps";
inline constexpr const char* kGradientUnderflowFrac = "gradient_underflow_frac";
inline constexpr const char* kWeightUnderflow = "weight_underflow";
inline constexpr const char* kActivationOverflow = "activation_overflow";
inline constexpr const char* kActivationUnderflow = "activation_underflow";
inline constexpr const char* kGradientOverflow = "gradient_overflow";
inline constexpr const char* kGradientUnderflow = "gradient_underflow";
inline constexpr const char* kFinalTrainLoss = "final_train_loss";
inline constexpr const char* kFinalTrainAccuracy = "final_train_accuracy";
inline constexpr const char* kFinalTestLoss = "final_test_loss";
inline constexpr const char* kFinalTestAccuracy = "final_test_accuracy";
inline constexpr const char* kFinalGradientUnderflowFrac = "final_gradient_underflow_frac";
// What every final_* metric's full name contains.
inline constexpr const char* kFinalMarker = "_final_";

inline std::string configMetric(const std::string& config, const std::string& what) {
  return config + "_" + what;
}
// layer: 1 … kLayers.
inline std::string layerMetric(const std::string& config, int layer, const std::string& what) {
  return config + "_layer" + std::to_string(layer) + "_" + what;
}
// "_<what>": how every configuration's metric of that kind ends.
inline std::string metricSuffix(const std::string& what) {
  return "_" + what;
}

}  // namespace loupe::precision_records
