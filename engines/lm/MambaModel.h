// A Mamba (S6) language model (Gu & Dao 2023) on a Hugging Face
// MambaForCausalLM checkpoint:
//   x = embed(token)
//   per layer:  h = RMSNorm(x)·w;  (u, z) = h·W_inᵀ (+ b)
//               u = SiLU(causal depthwise conv1d(u) + b_conv)
//               (δ, B, C) = u·W_xᵀ  (time_step_rank, N, N)
//               Δ = softplus(δ·W_dtᵀ + b_dt);  A = −exp(A_log)
//               y = selective scan(u, Δ, A, B, C, D) · SiLU(z)
//               x += y·W_outᵀ (+ b)
//   logits = RMSNorm(x)·w_f · W_headᵀ   (W_head = the embedding when tied)
// Weights stay in the checkpoint's dtype; activations and state are f32.
//
// A whole prompt runs in parallel: each layer's projections over every
// row, then engines/ssm's selective scan over the sequence (its fast path —
// not a second scan). Generation runs the recurrence one token at a time
// from the carried state — per layer the conv window (the last K − 1
// inputs) and the SSM state (d_inner × N) — through
// engines/ssm/SelectiveScanStep; both give the same logits (tested).
//
// Threading: one model serves one caller at a time (the state is state).
#pragma once

#include <filesystem>
#include <memory>
#include <vector>

#include "engines/lm/MambaConfig.h"
#include "engines/lm/TensorSource.h"

namespace loupe::lm {

struct MambaLayerWeights {
  std::vector<float> norm;        // hidden
  Matrix inProj;                  // 2·d_inner × hidden
  std::vector<float> inBias;      // 2·d_inner, or empty
  std::vector<float> convWeight;  // d_inner × K
  std::vector<float> convBias;    // d_inner (zeros without use_conv_bias)
  Matrix xProj;                   // (rank + 2N) × d_inner
  Matrix dtProj;                  // d_inner × rank
  std::vector<float> dtBias;      // d_inner
  std::vector<float> A;           // d_inner × N: −exp(A_log)
  std::vector<float> D;           // d_inner
  Matrix outProj;                 // hidden × d_inner
  std::vector<float> outBias;     // hidden, or empty
};

struct MambaCheckpoint : WeightStore {
  MambaConfig config;
  Matrix embed, lmHead;  // vocab × hidden (lmHead: the embedding when tied)
  std::vector<float> finalNorm;
  std::vector<MambaLayerWeights> layers;
  std::filesystem::path tokenizer;  // empty when the folder has none
};

// Throws InputError naming the folder, file, field or tensor.
std::unique_ptr<MambaCheckpoint> loadMambaCheckpoint(const std::filesystem::path& folder);

// What one recurrent step computed inside a layer, for looking at
// selectivity (ssm.model_states): the step Δ' = softplus(δ·W_dtᵀ + b_dt)
// and the gate SiLU(z) per channel, B and C (N each), and the layer's gated
// output y (per channel, before the out projection). The state after the
// step is ssmState(layer).
struct MambaLayerTrace {
  std::vector<float> delta, gate, y;  // d_inner each
  std::vector<float> B, C;            // N each
};

class MambaModel {
 public:
  explicit MambaModel(std::shared_ptr<const MambaCheckpoint> checkpoint);

  const MambaConfig& config() const { return m_ck->config; }
  int position() const { return m_position; }  // tokens read since reset()

  // Reads `tokens` and returns logits: every row's (tokens × vocab) when
  // allRows, else the last row's. From a fresh state the prompt runs in
  // parallel (the selective scan over it); after earlier tokens each runs
  // through the recurrence.
  std::vector<float> forward(const std::vector<int>& tokens, bool allRows = false);
  // One token through the recurrence: its logits (vocab). With `trace`,
  // each layer's internals too (resized to the layers).
  std::vector<float> step(int token, std::vector<MambaLayerTrace>* trace = nullptr);
  void reset();

  // Layer l's carried state: the conv window ((K − 1) × d_inner, oldest
  // first) and the SSM state (d_inner × N).
  const std::vector<float>& convState(int layer) const { return m_conv[static_cast<std::size_t>(layer)]; }
  const std::vector<float>& ssmState(int layer) const { return m_ssm[static_cast<std::size_t>(layer)]; }

 private:
  std::vector<float> parallel(const std::vector<int>& tokens, bool allRows);
  void checkToken(int token) const;

  std::shared_ptr<const MambaCheckpoint> m_ck;
  std::vector<std::vector<float>> m_conv, m_ssm;
  int m_position = 0;
};

}  // namespace loupe::lm
