// Draft heads on a Llama model, as speculative decoding's interfaces
// (engines/specdec/Decoding.h) see them, so specdec::decode() runs every
// method on the real model through one LlamaTokenModel and its KV cache:
// - ModelMedusaHeads: trained residual heads (ResidualHeads.h) reading the
//   model's final hidden state after the context;
// - ModelMtpDraft: MTP modules (MtpHeads.h) as a step draft: depth 0 reads
//   the hidden state before the context's last token and that token's
//   embedding, each later depth the previous depth's output and the token
//   it drafted.
#pragma once

#include <vector>

#include "engines/lm/LlamaTokenModel.h"
#include "engines/specdec/DraftHeads.h"
#include "engines/specdec/MtpHeads.h"
#include "engines/specdec/ResidualHeads.h"

namespace loupe::lm {

class ModelMedusaHeads : public specdec::MedusaHeads {
 public:
  // Throws InputError when the heads are for another hidden size or vocabulary.
  ModelMedusaHeads(const LlamaTokenModel& target, const specdec::ResidualHeads& heads);
  int count() const override { return m_heads.count(); }
  std::vector<std::vector<double>> predict(const std::vector<int>& context) const override;

 private:
  const LlamaTokenModel& m_target;
  const specdec::ResidualHeads& m_heads;
};

class ModelMtpDraft : public specdec::StepDraft {
 public:
  ModelMtpDraft(const LlamaTokenModel& target, const specdec::MtpHeads& heads);
  int vocabularySize() const override { return m_heads.vocab(); }
  int depth() const override { return m_heads.count(); }
  // The context needs ≥ 2 tokens (depth 0 reads the state before the last).
  void begin(const std::vector<int>& context) override;
  std::vector<double> next(const std::vector<int>& context) const override;

 private:
  const LlamaTokenModel& m_target;
  const specdec::MtpHeads& m_heads;
  std::size_t m_base = 0;
  mutable std::vector<float> m_previous;  // h_{k−1} for the next depth
};

// The base model's embedding of `token`, widened to f32.
std::vector<float> embeddingOf(const Checkpoint& checkpoint, int token);
// The model's embedding table widened to f32 (V × H).
std::vector<float> wideEmbedding(const Checkpoint& checkpoint);
// The model's LM head widened to f32 (V × H): what Medusa and MTP heads start from.
std::vector<float> wideLmHead(const Checkpoint& checkpoint);

// Softmax of a logits row in double.
std::vector<double> softmaxOf(const float* logits, int vocab);

}  // namespace loupe::lm
