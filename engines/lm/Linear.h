// y = x·Wᵀ for a batch of T rows: y[t][r] = Σ_c x[t][c]·W[r][c], with W a
// row-major weight in its stored dtype (f32, f16 or bf16) and everything
// else f32 — "weights f16/bf16 in memory, compute in f32".
//
// Two paths, tested against each other (and the model against torch):
// - linearReference: the definition, a plain loop accumulating in double;
// - linear: T ≤ kGemvRows runs our matrix-vector kernel (AVX2 + FMA + F16C
//   where the CPU has them): each weight row is read once, decoded in
//   registers and dotted with every x row — decoding one token is bound by
//   the bytes of the weights, and reading 2-byte weights moves half the
//   bytes of f32. One x row (a decoded token) takes four weight rows at
//   a time, sharing each load of x and reducing four sums together. Rows
//   are split across the ThreadPool. Larger T (a
//   prompt's prefill) widens row blocks of W to f32 and hands them to
//   OpenBLAS's SGEMM, where the T-fold reuse of each weight pays for it.
#pragma once

#include "engines/lm/Checkpoint.h"

namespace loupe::lm {

inline constexpr int kGemvRows = 4;

void linearReference(const float* x, int T, const Matrix& w, float* y);
void linear(const float* x, int T, const Matrix& w, float* y);
// The same with the portable (baseline x86-64) kernel even where AVX2 is there (tests run both).
void linearPortable(const float* x, int T, const Matrix& w, float* y);

// Row `r` of W widened to f32 (an embedding lookup).
void widenRow(const Matrix& w, int r, float* out);

}  // namespace loupe::lm
