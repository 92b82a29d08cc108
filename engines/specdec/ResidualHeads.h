// Medusa-1 heads on a transformer (Cai et al. 2024, §2.1.1): head k is one
// residual block and its own vocabulary projection,
//   z = h + SiLU(W_k·h + b_k),   logits_k = P_k·z,
// reading the base model's last hidden state h at position t (the input of
// its LM head) and predicting token t + k + 2 (the base model's own next
// token, t + 1, is the tree's root). The base model stays frozen: training
// moves W_k, b_k and P_k only. P_k starts as the base LM head, W_k and b_k at
// zero, so an untrained head predicts what the base model predicts for
// t + 1 (Medusa's initialisation).
//
// Upstream's file layout (medusa_lm_head.safetensors, Medusa's
// ResBlock/Linear modules): per head k, "{k}.0.linear.weight" (H × H),
// "{k}.0.linear.bias" (H), "{k}.1.weight" (V × H), f32 / f16 / bf16.
//
// Reference: lossAndGradient is written from the chain rule below and is
// tested against torch autograd in float64. GEMMs go through OpenBLAS.
#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

namespace loupe::specdec {

struct ResidualHead {
  std::vector<float> w;     // H × H, row-major (out × in)
  std::vector<float> b;     // H
  std::vector<float> proj;  // V × H
};

struct HeadGradient {
  std::vector<double> w, b, proj;  // the same shapes as the head
  double loss = 0;                 // mean cross-entropy over the counted rows
  int rows = 0;                    // rows with a target
  int top1 = 0;                    // rows whose argmax is the target
};

class ResidualHeads {
 public:
  ResidualHeads() = default;
  // `count` heads for hidden size H and vocabulary V, each projection a copy
  // of `lmHead` (V × H, row-major f32), W and b zero.
  ResidualHeads(int count, int hidden, int vocab, const std::vector<float>& lmHead);

  int count() const { return static_cast<int>(m_heads.size()); }
  int hidden() const { return m_hidden; }
  int vocab() const { return m_vocab; }
  ResidualHead& head(int k) { return m_heads.at(static_cast<std::size_t>(k)); }
  const ResidualHead& head(int k) const { return m_heads.at(static_cast<std::size_t>(k)); }

  // Head k on T hidden rows (T × H): logits (T × V); z (T × H) if asked.
  void forward(int k, const float* h, int T, float* logits, float* z = nullptr) const;

  // Mean cross-entropy of head k's logits against `targets` (one per row; a
  // negative target is not counted) and its gradient with respect to W_k,
  // b_k and P_k. With a = W·h + b, s = SiLU(a), z = h + s, ℓ = P·z:
  //   ∂L/∂ℓ = (softmax(ℓ) − onehot(y)) / rows,  ∂L/∂P = Σ ∂L/∂ℓ · zᵀ,
  //   ∂L/∂z = Pᵀ·∂L/∂ℓ,  ∂L/∂a = ∂L/∂z ⊙ σ(a)·(1 + a·(1 − σ(a))),
  //   ∂L/∂W = Σ ∂L/∂a · hᵀ,  ∂L/∂b = Σ ∂L/∂a.
  // This is the reference: plain loops in double.
  HeadGradient lossAndGradient(int k, const float* h, int T, const int* targets) const;
  // The same through OpenBLAS SGEMM in f32 (what training runs; tested
  // against the reference).
  HeadGradient lossAndGradientFast(int k, const float* h, int T, const int* targets) const;

  // Upstream's layout (above). read throws InputError naming the file and
  // tensor for a missing tensor or a wrong shape.
  // half: f16 (what the shipped heads use), else f32.
  void write(const std::filesystem::path& file, bool half = false) const;
  static ResidualHeads read(const std::filesystem::path& file);

 private:
  int m_hidden = 0, m_vocab = 0;
  std::vector<ResidualHead> m_heads;
};

// AdamW (Loshchilov & Hutter), decoupled weight decay on W and P only.
class HeadOptimizer {
 public:
  HeadOptimizer(const ResidualHeads& heads, double learningRate, double weightDecay = 0.0, double beta1 = 0.9,
                double beta2 = 0.999, double eps = 1e-8);
  void step(ResidualHeads& heads, int k, const HeadGradient& g);
  void setLearningRate(double lr) { m_lr = lr; }

 private:
  struct Moments {
    std::vector<double> mw, vw, mb, vb, mp, vp;
    std::int64_t t = 0;
  };
  std::vector<Moments> m_moments;
  double m_lr, m_wd, m_b1, m_b2, m_eps;
};

}  // namespace loupe::specdec
