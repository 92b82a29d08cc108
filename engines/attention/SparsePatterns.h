// Sparse attention patterns (Child et al. 2019, "Sparse Transformers", and
// the usual local window), as element masks (KeepFn) and as block layouts
// for the tiled kernel, which then skips empty tiles entirely.
//   local(w):     0 ≤ i − j < w                       (a band)
//   strided(s):   j ≤ i and (i − j) mod s = 0
//   fixed(b, c):  j ≤ i and (⌊j/b⌋ = ⌊i/b⌋ or j mod b ≥ b − c)   (c "summary" columns per block)
// blockLayout(): which (query block, key block) tiles contain any kept
// element — computed by scanning the pattern once.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engines/attention/Attention.h"

namespace loupe::attention {

KeepFn localPattern(int window);
KeepFn stridedPattern(int stride);
KeepFn fixedPattern(int block, int summary);

// Block-sparse: layout[qb·kBlocks + kb] ≠ 0 keeps the whole tile.
KeepFn blockSparsePattern(std::vector<std::uint8_t> layout, int blockQ, int blockK, int kBlocks);

std::vector<std::uint8_t> blockLayout(const KeepFn& keep, int n, int m, int blockQ, int blockK, int head = 0);

// A block layout as text, "110/011/001": one row of 0/1 per query block,
// '/' between rows; qBlocks rows of kBlocks tiles, row-major as above.
// Anything else throws InputError(where, …) naming the row or character;
// `context` (" for n=…, …") ends the "expected …" part of the message.
std::vector<std::uint8_t> parseBlockLayout(const std::string& text, int qBlocks, int kBlocks, const std::string& where,
                                           const std::string& context = "");

}  // namespace loupe::attention
