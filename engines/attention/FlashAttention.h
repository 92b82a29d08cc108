// FlashAttention forward (Dao et al. 2022; FlashAttention-2's loop order):
// Q is cut into blocks of blockQ rows, K/V into blocks of blockK rows. For
// each query block the key blocks stream through with an online softmax —
// per row a running max m, a running sum l and a partial output O:
//   m' = max(m, rowmax S);  l' = e^(m−m')·l + rowsum e^(S−m');
//   O' = e^(m−m')·O + e^(S−m')·V;  at the end O /= l, LSE = m + log l.
// The n × m score matrix is never allocated: memory is O(blockQ·blockK) per
// thread. Causal masking skips tiles wholly above the diagonal and masks the
// ones it cuts. Heads × query blocks run in parallel on the ThreadPool.
//
// The optional trace records, per (query block, key block) in processing
// order: computed / partly masked / skipped, the row maxima before and after
// (min and max over the block's rows), the largest rescale factor e^(m−m'),
// FLOPs and bytes read — what the attention panel animates.
#pragma once

#include <cstdint>
#include <vector>

#include "engines/attention/Attention.h"
#include "engines/core/DType.h"

namespace loupe::attention {

struct FlashOptions {
  int blockQ = 64;
  int blockK = 64;
  bool causal = false;
  double scale = 0;                                      // 0: 1/√d
  const std::vector<std::uint8_t>* blockMask = nullptr;  // optional: qBlocks × kBlocks, 0 = skip tile
  const KeepFn* keep = nullptr;                          // optional element mask inside the tiles that run
  bool portable = false;  // the portable build even where AVX2 + FMA is there (tests run both)
};

enum class TileState : std::uint8_t { Computed = 0, Partial = 1, Skipped = 2 };

struct TileEvent {
  int head = 0;
  int qBlock = 0;
  int kBlock = 0;
  TileState state = TileState::Computed;
  float maxBeforeLo = 0, maxBeforeHi = 0;  // running row maxima before this tile (−inf: none yet)
  float maxAfterLo = 0, maxAfterHi = 0;
  float rescale = 1;           // smallest e^(m−m') over the rows (1 = no rescale)
  std::int64_t flops = 0;      // 2·rows·cols·d (QKᵀ) + 2·rows·cols·dv (PV)
  std::int64_t bytesRead = 0;  // K and V block (the Q block counts once per query block)
};

struct TileTrace {
  int qBlocks = 0, kBlocks = 0;
  std::vector<TileEvent> events;  // in processing order (per head, per query block, per key block)
};

// f32 in, f32 accumulation. Returns O (heads × n × dv) and LSE (heads × n).
AttentionResult<float> flashAttention(const float* q, const float* k, const float* v, const AttentionShape& shape,
                                      const FlashOptions& options, TileTrace* trace = nullptr);

// f16 or bf16 in (raw 16-bit patterns, `type` says which), f32 accumulation:
// Q, K and V are decoded to f32 once (exact: every f16/bf16 value is a
// float), then the same tiles run. The trace counts 2 bytes per element read.
AttentionResult<float> flashAttention(const std::uint16_t* q, const std::uint16_t* k, const std::uint16_t* v,
                                      DType type, const AttentionShape& shape, const FlashOptions& options,
                                      TileTrace* trace = nullptr);

}  // namespace loupe::attention
