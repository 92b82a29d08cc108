// A Llama model as speculative decoding's TokenModel (engines/specdec):
// p(next | context) through the KV cache. The tokens already in the cache
// are remembered; a context that extends them costs only its new tokens,
// one that departs from them rolls the cache back to the common prefix —
// so decoding token by token, or drafting a chain, never recomputes.
//
// One target call per verification, as a real system makes it:
// - nextBatch() of a chain of contexts (each the previous plus one token:
//   what a draft chain's verification asks) is one forward of the new rows;
// - evaluateTree() is one verifyTree() forward with Medusa's tree mask; the
//   next call whose context is the old one plus a path of that tree keeps
//   the path's K/V (acceptPath) instead of recomputing it.
// The final hidden state after a context (what Medusa and MTP heads read)
// comes from the same forwards.
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
  std::vector<std::vector<double>> nextBatch(const std::vector<std::vector<int>>& contexts) const override;
  std::vector<std::vector<double>> evaluateTree(const std::vector<int>& context, const std::vector<int>& tokens,
                                                const std::vector<int>& parents) const override;

  // The model's final hidden state (hidden floats, after the last RMSNorm)
  // at the last token of `context`.
  std::vector<float> hiddenAfter(const std::vector<int>& context) const;

  const LlamaConfig& config() const { return m_model.config(); }
  const Checkpoint& checkpoint() const { return m_model.checkpoint(); }
  // Tokens run through the model so far (what the cache saved is the rest),
  // and forward calls made.
  std::int64_t tokensComputed() const { return m_computed; }
  std::int64_t forwardCalls() const { return m_calls; }

 private:
  // Bring the cache to exactly `context`, with its logits and hidden state.
  void sync(const std::vector<int>& context) const;
  bool acceptPendingPath(const std::vector<int>& context) const;
  void storeRows(const std::vector<float>& hidden, std::size_t firstPosition) const;

  mutable LlamaModel m_model;
  mutable std::vector<int> m_tokens;    // what the cache holds
  mutable std::vector<float> m_logits;  // after m_tokens
  // Hidden state after each cached position where a forward produced it
  // (positions × hidden; m_known marks which).
  mutable std::vector<float> m_hidden;
  mutable std::vector<char> m_known;
  // The last evaluateTree's tree, still on top of the cache.
  struct Pending {
    std::vector<int> tokens, parents;
    std::vector<float> logits, hidden;  // nodes × vocab, nodes × hidden
  };
  mutable Pending m_pending;
  mutable bool m_hasPending = false;
  mutable std::int64_t m_computed = 0, m_calls = 0;
};

}  // namespace loupe::lm
