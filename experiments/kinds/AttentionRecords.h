// What the attention kinds record, named once for the kind that writes it
// and the panel that reads it (panels/attention). No engine header: panels
// include this.
//
// attention.tiles — one step per tile of head 0, in processing order:
//   metrics: q_block, k_block (the tile), state (engine TileState: 0
//     computed, 1 partial = cut by the causal diagonal, 2 skipped), rescale
//     (the online softmax's exp(m_old − m_new), ≤ 1), running_max_hi (the
//     running row-max bound after the tile; NaN when skipped), flops_so_far,
//     bytes_so_far, tiles_skipped (counts);
//     on the last step also max_error_vs_fp64, naive_fp32_error (max |error|
//     against float64), forward_ms, and for 16-bit inputs
//     input_rounding_error and inputs_overflowed.
//   arrays: tile_states (float32, qBlocks × kBlocks, TileCell codes below),
//     tile_running_max (float32, same shape, NaN where not computed);
//     on the last step attention_map (float32, ≤ 256 × 256: softmax
//     probabilities of head 0) and output (float32, n × dv: the kernel's
//     own O of head 0, what a user checks against their reference); with
//     a model, step 0 also token_pieces + token_piece_lengths (the prompt's
//     token texts, bytes concatenated, LmRecords.h's convention) and
//     metrics layer, head.
// attention.scaling — one step per (N, method):
//   metrics: n, method (index into kScalingMethods), time_ms, gflops, and per
//     method "<method>_time_ms", "<method>_peak_mb" (MB above the inputs),
//     "<method>_max_error" (against float64, up to error_up_to).
#pragma once

#include <array>
#include <string>

namespace loupe::attention_records {

inline constexpr const char* kQBlock = "q_block";
inline constexpr const char* kKBlock = "k_block";
inline constexpr const char* kState = "state";
inline constexpr const char* kRescale = "rescale";
inline constexpr const char* kRunningMax = "running_max_hi";
inline constexpr const char* kFlopsSoFar = "flops_so_far";
inline constexpr const char* kBytesSoFar = "bytes_so_far";
inline constexpr const char* kTilesSkipped = "tiles_skipped";
inline constexpr const char* kMaxError = "max_error_vs_fp64";
inline constexpr const char* kNaiveError = "naive_fp32_error";
inline constexpr const char* kForwardMs = "forward_ms";
inline constexpr const char* kInputRoundingError = "input_rounding_error";
inline constexpr const char* kInputsOverflowed = "inputs_overflowed";

inline constexpr const char* kTileStates = "tile_states";
inline constexpr const char* kTileRunningMax = "tile_running_max";
inline constexpr const char* kAttentionMap = "attention_map";
inline constexpr const char* kOutput = "output";
inline constexpr const char* kTokenPieces = "token_pieces";
inline constexpr const char* kTokenPieceLengths = "token_piece_lengths";
inline constexpr const char* kLayer = "layer";
inline constexpr const char* kHead = "head";

// A cell of tile_states: where the walk over the tiles stands.
enum class TileCell : int { NotYet = 0, Computed = 1, Partial = 2, Skipped = 3, Current = 4 };

// The cell of a tile the walk has passed, from the `state` metric's value
// (the engine's TileState; the kind checks the values at compile time).
inline constexpr int kStateComputed = 0, kStatePartial = 1, kStateSkipped = 2;
inline TileCell tileCellOfState(int state) {
  return state == kStateSkipped ? TileCell::Skipped : state == kStatePartial ? TileCell::Partial : TileCell::Computed;
}
inline float tileCellCode(TileCell c) {
  return static_cast<float>(static_cast<int>(c));
}
inline TileCell tileCellOf(float code) {
  const int c = static_cast<int>(code);
  return c >= 1 && c <= 4 ? static_cast<TileCell>(c) : TileCell::NotYet;
}

// attention.scaling
inline constexpr const char* kN = "n";
inline constexpr const char* kMethod = "method";
inline constexpr std::array<const char*, 3> kScalingMethods = {"naive", "tiled", "linear"};
inline std::string timeMsOf(const std::string& method) {
  return method + "_time_ms";
}
inline std::string peakMbOf(const std::string& method) {
  return method + "_peak_mb";
}
inline std::string maxErrorOf(const std::string& method) {
  return method + "_max_error";
}

}  // namespace loupe::attention_records
