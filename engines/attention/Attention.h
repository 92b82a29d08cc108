// Scaled dot-product attention, O = softmax(Q·Kᵀ·scale + mask)·V, per head.
//
// Layout: row-major [heads][rows][dim] for Q (n × d), K (m × d), V (m × dv)
// and O (n × dv). Causal masking keeps key j for query i when j ≤ i + (m − n)
// (queries aligned to the end of the keys, as torch's is_causal with n = m).
// A fully masked row gives O = 0 and LSE = −inf (never NaN).
//
// Two implementations, tested against each other and against torch:
// - naiveAttention: the reference — materialises the n × m scores, in the
//   element type given (float64 for tests, float32 for the "naive fp32"
//   baseline FlashAttention's test rule compares with);
// - flashAttention (FlashAttention.h): tiled, online softmax, no n × m buffer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

namespace loupe::attention {

struct AttentionShape {
  int heads = 1;
  int n = 0;    // query rows
  int m = 0;    // key/value rows
  int d = 64;   // query/key width
  int dv = 64;  // value width
  // Grouped-query attention (Ainslie et al. 2023, Llama 2/3): K and V have
  // kvHeads heads, each shared by heads / kvHeads consecutive query heads
  // (0: as many as Q). kvRowStride: rows from one K/V head to the next in
  // memory, so that a KV cache with room for more rows than m is read in
  // place (0: m). The reference, the f32 tiled kernel and
  // attentionProbabilities honour both; the other paths need the defaults.
  int kvHeads = 0;
  int kvRowStride = 0;
};

inline int kvHeadCount(const AttentionShape& s) {
  return s.kvHeads > 0 ? s.kvHeads : s.heads;
}
// The K/V head query head h reads.
inline int kvHeadOf(const AttentionShape& s, int h) {
  return h / (s.heads / kvHeadCount(s));
}
inline std::size_t kvRowsBetweenHeads(const AttentionShape& s) {
  return static_cast<std::size_t>(s.kvRowStride > 0 ? s.kvRowStride : s.m);
}
// Throws std::invalid_argument naming `who` unless heads is a multiple of
// kvHeads and the K/V stride holds m rows; with `denseOnly`, also unless
// both are at their defaults (a path that does not support them).
void checkKvLayout(const AttentionShape& s, const char* who, bool denseOnly = false);

// Optional extra mask: true = keep. Called with (head, query row, key row).
using KeepFn = std::function<bool(int, int, int)>;

template <class T>
struct AttentionResult {
  std::vector<T> out;  // heads × n × dv
  std::vector<T> lse;  // heads × n: log Σ exp(scores) (the softmax denominator, in log space)
};

template <class T>
AttentionResult<T> naiveAttention(const T* q, const T* k, const T* v, const AttentionShape& s, double scale,
                                  bool causal, const KeepFn& keep = nullptr);

// Standard (unfused) attention in f32 as frameworks run it: S = QKᵀ·scale
// for a whole head is materialised (n × m floats), softmaxed in place into P,
// then O = P·V. Its memory grows as n·m — what the scaling sweep plots
// against the tiled kernel's O(n·d).
AttentionResult<float> standardAttention(const float* q, const float* k, const float* v, const AttentionShape& s,
                                         double scale, bool causal);

// The softmax probabilities P of one head for query rows [r0, r1) and key
// columns [c0, c1), each row normalised over all its keys (what the kernel
// never stores; the panel shows it). Row-major (r1 − r0) × (c1 − c0).
std::vector<float> attentionProbabilities(const float* q, const float* k, const AttentionShape& s, double scale,
                                          bool causal, const KeepFn& keep, int head, int r0, int r1, int c0, int c1);

// 1/√d, the usual scale.
double defaultScale(int d);

// Whether key j is visible to query i under a causal mask.
inline bool causallyVisible(int i, int j, int n, int m) {
  return j <= i + (m - n);
}

}  // namespace loupe::attention
