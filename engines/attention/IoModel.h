// Bytes moved between main memory and fast (on-chip / cache) memory, after
// the FlashAttention paper (Dao et al. 2022, Theorem 2):
//   standard attention: Θ(N·d + N²) — Q, K, V in, O out, and the N × N scores
//                       written, read for the softmax, written and read again;
//   tiled:              Θ(N²·d²/M) — K and V stream through once per query
//                       block, with blocks sized by the on-chip memory M.
// Exact counts for given block sizes, in bytes of 4-byte floats, so the
// trace's own tally can be checked against them.
#pragma once

#include <cstdint>

#include "engines/attention/Attention.h"

namespace loupe::attention {

// Q, K, V read and O written once; S and P (n × m each) written and read once.
std::int64_t naiveIoBytes(const AttentionShape& s);

// Reads only (what the tile trace counts): each query block reads its Q rows
// once and every (unskipped) K/V block once. Non-causal, no block mask.
std::int64_t tiledReadBytes(const AttentionShape& s, int blockQ, int blockK);

// Block sizes FlashAttention picks for on-chip memory of `bytes`:
// Bc = ⌈M / (4·d)⌉ columns, Br = min(Bc, d) rows (M counted in floats).
struct BlockSizes {
  int blockQ, blockK;
};
BlockSizes flashBlockSizes(std::int64_t onChipBytes, int d);

}  // namespace loupe::attention
