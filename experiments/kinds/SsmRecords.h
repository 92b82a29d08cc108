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
// ssm.model_states — text through a Mamba model (sequence 0: the text;
//   sequence 1, when compared: its shuffled words or compare_prompt). One
//   step per token read, in order: metrics sequence, position, token (id),
//   entropy (nats, of the next-token distribution), next_probability (the
//   model's p of the text's next token; absent at the last), delta_mean
//   (Δ' over layers and channels), state_norm (‖h‖ over every layer);
//   token_text; arrays (float32) delta, gate (SiLU(z)), output (the gated y)
//   and state_norm_channels (‖h_t‖ per channel), each layers × d_inner;
//   B, C (layers × N); channel_states (layers × channels × N: h_t of the
//   recorded channels); top_tokens (int64), top_probabilities (float64),
//   top_pieces + top_piece_lengths.
//   After a sequence's last token one more step: metrics sequence,
//   sequence_end = 1, tokens, delta_word_start / delta_inside_word /
//   delta_boundary (mean Δ' over layers and channels of tokens that start a
//   word, continue one, or are punctuation / <s> / </s>) with each class's
//   *_tokens count; sequence_tokens (int64), sequence_pieces +
//   sequence_piece_lengths; delta_map and state_norm_map (layers × d_inner ×
//   T), channel_state_map (layers × channels × N × T), layer_norm (layers ×
//   T), entropy_map (T), channels (int64), delta_by_class (layers × 3).
//   The last such step also (measure_cost): cost_context, cost_mamba_ms,
//   cost_transformer_ms (ms a token at each context length, best of three)
//   and metrics mamba_parameters, transformer_parameters.
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

// ssm.model_states
inline constexpr const char* kSequence = "sequence";
inline constexpr const char* kPosition = "position";
inline constexpr const char* kToken = "token";
inline constexpr const char* kEntropy = "entropy";
inline constexpr const char* kNextProbability = "next_probability";
inline constexpr const char* kDeltaMean = "delta_mean";
inline constexpr const char* kStateNorm = "state_norm";
inline constexpr const char* kTokenText = "token_text";
inline constexpr const char* kOutput = "output";
inline constexpr const char* kStateNormChannels = "state_norm_channels";
inline constexpr const char* kB = "B";
inline constexpr const char* kC = "C";
inline constexpr const char* kChannelStates = "channel_states";
inline constexpr const char* kTopTokens = "top_tokens";
inline constexpr const char* kTopProbabilities = "top_probabilities";
inline constexpr const char* kTopPieces = "top_pieces";
inline constexpr const char* kTopPieceLengths = "top_piece_lengths";
inline constexpr const char* kSequenceEnd = "sequence_end";
inline constexpr const char* kTokens = "tokens";
inline constexpr const char* kDeltaWordStart = "delta_word_start";
inline constexpr const char* kDeltaInsideWord = "delta_inside_word";
inline constexpr const char* kDeltaBoundary = "delta_boundary";
inline constexpr const char* kSequenceTokens = "sequence_tokens";
inline constexpr const char* kSequencePieces = "sequence_pieces";
inline constexpr const char* kSequencePieceLengths = "sequence_piece_lengths";
inline constexpr const char* kDeltaMap = "delta_map";
inline constexpr const char* kStateNormMap = "state_norm_map";
inline constexpr const char* kChannelStateMap = "channel_state_map";
inline constexpr const char* kLayerNorm = "layer_norm";
inline constexpr const char* kEntropyMap = "entropy_map";
inline constexpr const char* kChannels = "channels";
inline constexpr const char* kDeltaByClass = "delta_by_class";
inline constexpr const char* kCostContext = "cost_context";
inline constexpr const char* kCostMambaMs = "cost_mamba_ms";
inline constexpr const char* kCostTransformerMs = "cost_transformer_ms";
inline constexpr const char* kMambaParameters = "mamba_parameters";
inline constexpr const char* kTransformerParameters = "transformer_parameters";

// The rows 1–4 of error_vs_n, in order (the hippo kind's `method` choices).
inline constexpr std::array<const char*, 4> kDiscretisations = {"bilinear", "zoh", "forward_euler", "backward_euler"};

}  // namespace loupe::ssm_records
