// Multi-token prediction heads on a transformer, after DeepSeek-V3's
// sequential MTP modules (DeepSeek-AI 2024, §2.2): module k reads the
// previous depth's representation of position t and the embedding of the
// token k + 1 after t, and predicts the token after that:
//   x = [h_{k−1} ; RMSNorm(e)],   u = M_k·x,   z_k = u + SiLU(W_k·u + b_k),
//   logits_k = P·z_k,
// h_{−1} the base model's final hidden state at t (the input of its LM
// head), e the base model's embedding of token t + k + 1, P the base
// model's LM head, shared and frozen as DeepSeek-V3 shares its output head.
// Depth 0 therefore predicts t + 2 from t and the token t + 1 — what a
// draft needs after the target's own next token — and each later depth
// sees the token the previous one guessed.
//
// Where this departs from DeepSeek-V3, and why: the per-depth Transformer
// block is a residual SiLU block on the one position (the block Medusa-1
// uses), so training needs no attention backward; each depth is trained on
// its own loss with the previous depth's output held fixed; the base model
// stays frozen. M_k starts as [I 0] and W_k, b_k at zero, so an untrained
// module predicts what the base model predicts after t.
//
// File layout (safetensors, ours: upstream has no single format for MTP
// modules): per depth k "mtp.{k}.eh_proj.weight" (H × 2H),
// "mtp.{k}.block.linear.weight" (H × H), "mtp.{k}.block.linear.bias" (H).
//
// Reference: lossAndGradient is plain loops in double from the chain rule
// below, tested against torch autograd in float64; the fast path is
// OpenBLAS SGEMM, tested against the reference.
#pragma once

#include <filesystem>
#include <vector>

namespace loupe::specdec {

struct MtpModule {
  std::vector<float> m;  // H × 2H (out × in)
  std::vector<float> w;  // H × H
  std::vector<float> b;  // H
};

struct MtpGradient {
  std::vector<double> m, w, b;  // the module's shapes
  double loss = 0;              // mean cross-entropy over the counted rows
  int rows = 0, top1 = 0;
};

class MtpHeads {
 public:
  static constexpr double kNormEps = 1e-6;  // RMSNorm of the embedding

  MtpHeads() = default;
  // `count` untrained modules for hidden size H; lmHead is V × H row-major.
  MtpHeads(int count, int hidden, int vocab, std::vector<float> lmHead);

  int count() const { return static_cast<int>(m_modules.size()); }
  int hidden() const { return m_hidden; }
  int vocab() const { return m_vocab; }
  MtpModule& module(int k) { return m_modules.at(static_cast<std::size_t>(k)); }
  const MtpModule& module(int k) const { return m_modules.at(static_cast<std::size_t>(k)); }
  // The shared projection (the base model's LM head, V × H).
  void setProjection(std::vector<float> lmHead);

  // Module k on T rows: hPrev and emb are T × H (emb raw: normalised
  // here); z (T × H) and logits (T × V) out, either may be null.
  void forward(int k, const float* hPrev, const float* emb, int T, float* z, float* logits) const;

  // With x = [h; ê], u = M·x, a = W·u + b, z = u + SiLU(a), ℓ = P·z:
  //   ∂L/∂ℓ = (softmax(ℓ) − onehot(y)) / rows,  ∂L/∂z = Pᵀ·∂L/∂ℓ,
  //   ∂L/∂a = ∂L/∂z ⊙ σ(a)·(1 + a·(1 − σ(a))),  ∂L/∂W = Σ ∂L/∂a·uᵀ,
  //   ∂L/∂b = Σ ∂L/∂a,  ∂L/∂u = ∂L/∂z + Wᵀ·∂L/∂a,  ∂L/∂M = Σ ∂L/∂u·xᵀ.
  // A negative target is not counted. Reference: loops in double.
  MtpGradient lossAndGradient(int k, const float* hPrev, const float* emb, int T, const int* targets) const;
  MtpGradient lossAndGradientFast(int k, const float* hPrev, const float* emb, int T, const int* targets) const;

  // AdamW on module k (decoupled decay on M and W), moments kept here.
  void adamStep(int k, const MtpGradient& g, double lr, double weightDecay);

  void write(const std::filesystem::path& file, bool half = false) const;
  // The modules of `file`; the projection must be set before use. Throws
  // InputError naming the file and tensor for a missing tensor or a wrong shape.
  static MtpHeads read(const std::filesystem::path& file, int vocab, std::vector<float> lmHead);

 private:
  void normalised(const float* emb, int T, std::vector<float>& x, const float* hPrev) const;  // x = [h; ê]

  int m_hidden = 0, m_vocab = 0;
  std::vector<MtpModule> m_modules;
  std::vector<float> m_proj;
  struct Moments {
    std::vector<double> m1, m2, w1, w2, b1, b2;
    long t = 0;
  };
  std::vector<Moments> m_moments;
};

}  // namespace loupe::specdec
