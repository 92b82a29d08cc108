// A decoder-only transformer of the Llama family on a Checkpoint:
//   x = embed(token)
//   per layer:  h = RMSNorm(x)·g₁;  q, k, v = h·W_qᵀ, h·W_kᵀ, h·W_vᵀ
//               q, k rotated by their position (RoPE, "rotate half": the
//               pair (i, i + d/2) turns by pos·θ^(−2i/d));
//               a = softmax(q·kᵀ/√d + mask)·v over the cache and the new
//               tokens, each K/V head shared by heads/kvHeads query heads;
//               x += a·W_oᵀ;  h = RMSNorm(x)·g₂;  x += (SiLU(h·W_gateᵀ) ⊙ h·W_upᵀ)·W_downᵀ
//   logits = RMSNorm(x)·g · W_headᵀ
// with RMSNorm(x) = x / √(mean(x²) + ε). Weights stay in the checkpoint's
// dtype; activations, the KV cache and every sum are f32.
//
// The KV cache keeps every layer's K (after RoPE) and V for the tokens seen
// so far, so a prompt is one batched forward (prefill) and each next token
// one forward of a single row. Attention runs on the tiled kernel of
// engines/attention (grouped K/V heads read in place from the cache):
// causal for a prompt, Medusa's tree mask for a candidate tree.
//
// Threading: one model serves one caller at a time (the cache is state);
// its kernels use the shared ThreadPool and OpenBLAS inside each call.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "engines/lm/Checkpoint.h"

namespace loupe::lm {

// One layer's tensors during one forward call over `tokens` rows — what a
// panel or a precision study looks at. Pointers are valid during the call.
struct LayerCapture {
  int layer = 0, tokens = 0;
  const float* q = nullptr;          // heads × tokens × headDim, after RoPE
  const float* k = nullptr;          // kvHeads × tokens × headDim, after RoPE (this call's rows)
  const float* v = nullptr;          // kvHeads × tokens × headDim
  const float* attention = nullptr;  // tokens × (heads·headDim): the heads' outputs, before W_o
  const float* mlp = nullptr;        // tokens × intermediate: SiLU(gate) ⊙ up, before W_down
  const float* residual = nullptr;   // tokens × hidden: the stream after this layer
};
using CaptureFn = std::function<void(const LayerCapture&)>;

class LlamaModel {
 public:
  // capacity: the most tokens the cache holds (0: max_position_embeddings,
  // at most 4096). Its size is checked against the memory budget.
  explicit LlamaModel(std::shared_ptr<const Checkpoint> checkpoint, int capacity = 0);

  const LlamaConfig& config() const { return m_ck->config; }
  const Checkpoint& checkpoint() const { return *m_ck; }
  int capacity() const { return m_capacity; }
  int cached() const { return m_length; }  // tokens in the cache

  // Appends `tokens` at positions cached(), cached() + 1, …, causal among
  // themselves, and returns logits: every row's (tokens × vocab) when
  // allRows, else only the last row's (vocab).
  std::vector<float> forward(const std::vector<int>& tokens, bool allRows = false);

  // A candidate tree on top of the cache: node i (parents[i] < i, node 0
  // the root with parent −1) holds tokens[i] at position cached() + its
  // depth and sees the cache, itself and its ancestors. Returns every
  // node's logits (nodes × vocab). The nodes' K/V sit after the cache
  // until acceptPath() or truncate(); cached() does not count them.
  std::vector<float> verifyTree(const std::vector<int>& tokens, const std::vector<int>& parents);
  // Keeps the nodes of `path` (node 0 first, each the parent of the next)
  // from the last verifyTree: the cache then holds exactly the tokens it
  // would after forward() of those tokens.
  void acceptPath(const std::vector<int>& path);

  // The final hidden states of the last forward() or verifyTree() — the
  // rows the logits came from (all of them, or the last), after the final
  // RMSNorm: the input of the LM head, which Medusa heads read.
  const std::vector<float>& lastHidden() const { return m_lastHidden; }

  // Forget everything from position `length` on.
  void truncate(int length);

  void setCapture(CaptureFn capture) { m_capture = std::move(capture); }

  // Layer l's cached K or V row (headDim floats) of K/V head h at position p.
  const float* cachedKey(int layer, int kvHead, int position) const;
  const float* cachedValue(int layer, int kvHead, int position) const;

 private:
  struct Tree {
    std::vector<int> parents;
    int base = -1;  // cached() when it was verified; −1: none pending
  };
  std::vector<float> run(const std::vector<int>& tokens, const std::vector<int>& positions,
                         const std::vector<std::vector<std::uint8_t>>* treeMask, bool allRows);
  void checkTokens(const std::vector<int>& tokens) const;
  float* keyRow(int layer, int kvHead, int position);
  float* valueRow(int layer, int kvHead, int position);

  // f16/bf16 weights widened to f32 once, for the many-row GEMMs of a
  // prompt (SGEMM needs f32: widening per call cost more than the GEMM for
  // a small model). Kept only while they fit in an eighth of the memory
  // budget, at most 1 GiB; decoding always reads the stored weights.
  struct WideWeights {
    std::vector<std::vector<float>> store;
    std::vector<LayerWeights> layers;  // matrices pointing into `store`
    Matrix lmHead;
  };
  const Matrix& forRows(const Matrix& stored, const Matrix& wide, int rows) const;

  std::shared_ptr<const Checkpoint> m_ck;
  std::unique_ptr<WideWeights> m_wide;
  int m_capacity = 0;
  int m_length = 0;
  std::vector<std::vector<float>> m_keys, m_values;  // per layer: kvHeads × capacity × headDim
  std::vector<float> m_cos, m_sin;                   // capacity × headDim/2
  Tree m_tree;
  CaptureFn m_capture;
  std::vector<float> m_lastHidden;
};

}  // namespace loupe::lm
