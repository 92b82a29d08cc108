// A Llama model as speculative decoding's TokenModel (engines/specdec):
// p(next | context) through the KV cache. The tokens already in the cache
// are remembered; a context that extends them costs only its new tokens,
// one that departs from them rolls the cache back to the common prefix —
// so decoding token by token, or drafting a chain, never recomputes.
//
// Not thread-safe: the cache is state behind a const interface (one
// caller at a time, as the decoders call it).
#pragma once

#include <memory>
#include <vector>

#include "engines/lm/LlamaModel.h"
#include "engines/specdec/SpeculativeSampling.h"

namespace loupe::lm {

class LlamaTokenModel : public specdec::TokenModel {
 public:
  LlamaTokenModel(std::shared_ptr<const Checkpoint> checkpoint, int capacity = 0);

  int vocabularySize() const override { return m_model.config().vocab; }
  std::vector<double> next(const std::vector<int>& context) const override;

  // Tokens run through the model so far (what the cache saved is the rest).
  std::int64_t tokensComputed() const { return m_computed; }

 private:
  mutable LlamaModel m_model;
  mutable std::vector<int> m_tokens;    // what the cache holds
  mutable std::vector<float> m_logits;  // after m_tokens
  mutable std::int64_t m_computed = 0;
};

}  // namespace loupe::lm
