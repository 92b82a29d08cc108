// What the ssm.* kinds record, named once for the kinds that write it and
// the panel that reads it (panels/ssm). No engine header: panels include this.
//
// ssm.hippo — one step per recorded time: metrics t, state_norm (and with
//   LegS rms_error); arrays state (N), with LegS reconstruction and history
//   (the rebuilt and the true history, `points` samples); on the last step
//   states (N × time, float32), signal, eig_continuous / eig_discrete (2 × N:
//   real row, imaginary row) and with LegS error_vs_n (5 × m: row 0 the state
//   sizes N, rows 1–4 the final RMS error per discretisation in
//   kDiscretisations order) and sweep_length.
// ssm.s4_kernel — one step: kernel, input, output_convolution,
//   output_recurrence (L each), eig_continuous, eig_discrete; metrics
//   max_abs_diff_conv_vs_recurrence, spectral_radius, time_ms, …
// ssm.selective_scan — one step: the traced channel's delta, gate, u, y (L
//   each), states (N × time), eig_continuous; metrics time_ms, gb_per_s,
//   max_abs_error_vs_fp64, …
#pragma once

#include <array>

namespace loupe::ssm_records {

inline constexpr const char* kT = "t";
inline constexpr const char* kState = "state";
inline constexpr const char* kStates = "states";
inline constexpr const char* kSignal = "signal";
inline constexpr const char* kReconstruction = "reconstruction";
inline constexpr const char* kHistory = "history";
inline constexpr const char* kEigContinuous = "eig_continuous";
inline constexpr const char* kEigDiscrete = "eig_discrete";
inline constexpr const char* kErrorVsN = "error_vs_n";
inline constexpr const char* kKernel = "kernel";
inline constexpr const char* kInput = "input";
inline constexpr const char* kOutputConvolution = "output_convolution";
inline constexpr const char* kOutputRecurrence = "output_recurrence";
inline constexpr const char* kDelta = "delta";
inline constexpr const char* kGate = "gate";
inline constexpr const char* kU = "u";
inline constexpr const char* kY = "y";

// The rows 1–4 of error_vs_n, in order (the hippo kind's `method` choices).
inline constexpr std::array<const char*, 4> kDiscretisations = {"bilinear", "zoh", "forward_euler", "backward_euler"};

}  // namespace loupe::ssm_records
