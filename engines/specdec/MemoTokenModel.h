// A token model that remembers each context's distribution: repeated
// sampling from one prompt (an exactness test drawing 10⁵ speculative
// steps) then runs the underlying model once per distinct context instead
// of once per draw. Exactly the wrapped model's distributions; batches are
// forwarded to it for the contexts not seen yet, so a chain's verification
// stays one call.
#pragma once

#include <map>
#include <vector>

#include "engines/specdec/SpeculativeSampling.h"

namespace loupe::specdec {

class MemoTokenModel : public TokenModel {
 public:
  explicit MemoTokenModel(const TokenModel& model) : m_model(model) {}
  int vocabularySize() const override { return m_model.vocabularySize(); }
  std::vector<double> next(const std::vector<int>& context) const override;
  std::vector<std::vector<double>> nextBatch(const std::vector<std::vector<int>>& contexts) const override;
  std::size_t distinctContexts() const { return m_seen.size(); }

 private:
  const TokenModel& m_model;
  mutable std::map<std::vector<int>, std::vector<double>> m_seen;
};

}  // namespace loupe::specdec
