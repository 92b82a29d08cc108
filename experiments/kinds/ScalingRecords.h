// What the scaling.* kinds record, named once for the kinds that write it
// and the panel that reads it (panels/scaling). No engine header: panels
// include this.
//
// scaling.compound — one step per network, in the `networks` param's order:
//   network (text: its name, e.g. "efficientnet-b3", "compound φ=1.5"),
//   family (text, one of kFamilies: "efficientnet" = B0–B7 as released,
//   "compound" = the α^φ rule at one φ, "thundernet", "snet" = an SNet
//   classifier, "custom" = a .json network file);
//   metrics params, macs (multiply-adds), activations (elements written by
//     every layer), summed over the network; resolution (input side, px),
//     layers (count);
//   efficientnet and compound: phi (φ; B<n>: n), width, depth (the width
//     and depth multipliers); efficientnet also variant (n of B<n>) and the
//     paper's Table 2 row: paper_params_m (M), paper_flops_b (B
//     multiply-adds), paper_top1 (ImageNet top-1, %);
//   per layer, in order: layer_names, layer_types, layer_details,
//     layer_stages (text, one line per layer), layer_params, layer_macs,
//     layer_activations (int64, one per layer), layer_intensity (float64,
//     FLOP per byte), layer_shapes (int64, layers × 2 × 3: input then output,
//     each channels, height, width).
// scaling.roofline — step 0 is the machine: metrics peak_gflops (the compute
//   roof, GFLOP/s), fma_gflops (the FMA loop), sgemm_gflops (OpenBLAS
//   SGEMM), triad_gbs, copy_gbs (GB/s), ridge (FLOP/B where the roofs meet),
//   threads; isa (text: "avx512", "avx2" or "scalar"); roof_intensity,
//   roof_gflops (float64, the roof sampled from 1/16 to 1024 FLOP/B with
//   the ridge, for plotting).
//   Steps 1 … : one per kernel and implementation: kernel (text: the
//   problem's label, "depthwise 3×3 s1, 32×112×112 → 32"), kind (text, one
//   of kConvKinds: "standard", "depthwise", "pointwise"), impl (text,
//   kImplLoupe "loupe" = ours, im2col + OpenBLAS, or kImplOpenCv "opencv" =
//   OpenCV DNN); metrics channels, height, width, out, kernel_size, stride
//   (the problem), flops (FLOP), bytes (the least a kernel moves, B),
//   intensity (FLOP/B), seconds (median time), gflops, gbs (GB/s),
//   attainable_gflops (the roof at this intensity), roof_fraction (gflops /
//   attainable, 0–1), memory_bound (1 below the ridge, else 0), with check
//   max_abs_error (against the float64 reference).
#pragma once

#include <array>
#include <cstddef>

namespace loupe::scaling_records {

// scaling.compound
inline constexpr const char* kNetwork = "network";
inline constexpr const char* kFamily = "family";
inline constexpr const char* kParams = "params";
inline constexpr const char* kMacs = "macs";
inline constexpr const char* kActivations = "activations";
inline constexpr const char* kResolution = "resolution";
inline constexpr const char* kLayers = "layers";
inline constexpr const char* kVariant = "variant";
inline constexpr const char* kPhi = "phi";
inline constexpr const char* kWidthCoefficient = "width";
inline constexpr const char* kDepthCoefficient = "depth";
inline constexpr const char* kPaperParamsM = "paper_params_m";
inline constexpr const char* kPaperFlopsB = "paper_flops_b";
inline constexpr const char* kPaperTop1 = "paper_top1";
inline constexpr const char* kLayerNames = "layer_names";
inline constexpr const char* kLayerTypes = "layer_types";
inline constexpr const char* kLayerDetails = "layer_details";
inline constexpr const char* kLayerStages = "layer_stages";
inline constexpr const char* kLayerParams = "layer_params";
inline constexpr const char* kLayerMacs = "layer_macs";
inline constexpr const char* kLayerActivations = "layer_activations";
inline constexpr const char* kLayerIntensity = "layer_intensity";
inline constexpr const char* kLayerShapes = "layer_shapes";
// layer_shapes: per layer kShapeValues int64, input at kInputShape, output
// at kOutputShape, each channels, height, width.
inline constexpr std::size_t kShapeValues = 6, kInputShape = 0, kOutputShape = 3;
// The per-layer texts: one line per layer, each ended by kLineEnd.
inline constexpr char kLineEnd = '\n';

// family
inline constexpr const char* kFamilyEfficientNet = "efficientnet";
inline constexpr const char* kFamilyCompound = "compound";
inline constexpr const char* kFamilyThunderNet = "thundernet";
inline constexpr const char* kFamilySnet = "snet";
inline constexpr const char* kFamilyCustom = "custom";
inline constexpr std::array<const char*, 5> kFamilies = {kFamilyEfficientNet, kFamilyCompound, kFamilyThunderNet,
                                                         kFamilySnet, kFamilyCustom};

// scaling.roofline, step 0
inline constexpr const char* kPeakGflops = "peak_gflops";
inline constexpr const char* kFmaGflops = "fma_gflops";
inline constexpr const char* kSgemmGflops = "sgemm_gflops";
inline constexpr const char* kTriadGbs = "triad_gbs";
inline constexpr const char* kCopyGbs = "copy_gbs";
inline constexpr const char* kRidge = "ridge";
inline constexpr const char* kThreads = "threads";
inline constexpr const char* kIsa = "isa";
inline constexpr const char* kRoofIntensity = "roof_intensity";
inline constexpr const char* kRoofGflops = "roof_gflops";

// scaling.roofline, steps 1 …
inline constexpr const char* kKernel = "kernel";
inline constexpr const char* kConvKind = "kind";
inline constexpr const char* kImpl = "impl";
inline constexpr const char* kChannels = "channels";
inline constexpr const char* kHeight = "height";
inline constexpr const char* kWidth = "width";
inline constexpr const char* kOut = "out";
inline constexpr const char* kKernelSize = "kernel_size";
inline constexpr const char* kStride = "stride";
inline constexpr const char* kFlops = "flops";
inline constexpr const char* kBytes = "bytes";
inline constexpr const char* kIntensity = "intensity";
inline constexpr const char* kSeconds = "seconds";
inline constexpr const char* kGflops = "gflops";
inline constexpr const char* kGbs = "gbs";
inline constexpr const char* kAttainableGflops = "attainable_gflops";
inline constexpr const char* kRoofFraction = "roof_fraction";
inline constexpr const char* kMemoryBound = "memory_bound";
inline constexpr const char* kMaxAbsError = "max_abs_error";

// kind: the engine's convolution kind names; impl: its implementation names.
inline constexpr const char* kConvStandard = "standard";
inline constexpr const char* kConvDepthwise = "depthwise";
inline constexpr const char* kConvPointwise = "pointwise";
inline constexpr std::array<const char*, 3> kConvKinds = {kConvStandard, kConvDepthwise, kConvPointwise};
inline constexpr const char* kImplLoupe = "loupe";
inline constexpr const char* kImplOpenCv = "opencv";

}  // namespace loupe::scaling_records
