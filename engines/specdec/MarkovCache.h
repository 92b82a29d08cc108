// An n-gram model's next-token distribution depends only on the last
// order − 1 tokens (and, near the start, on how many there are). This
// wrapper computes each distinct history once: decoding, Medusa trees and
// the oracle heads' forward recursion ask for the same histories over and
// over, and ArpaTokenModel spends ~V back-off lookups per call.
//
// Threading: not thread-safe (the cache fills lazily).
#pragma once

#include <cstdint>
#include <unordered_map>
#include <vector>

#include "engines/specdec/SpeculativeSampling.h"

namespace loupe::specdec {

class MarkovCache : public TokenModel {
 public:
  // order: the model's n (1 … 4); the model must outlive this.
  MarkovCache(const TokenModel& model, int order);
  int vocabularySize() const override { return m_model.vocabularySize(); }
  std::vector<double> next(const std::vector<int>& context) const override { return distribution(context); }
  // The cached distribution itself (no copy).
  const std::vector<double>& distribution(const std::vector<int>& context) const;
  int order() const { return m_order; }
  // The key of a history: its last order − 1 tokens and their count.
  std::uint64_t key(const std::vector<int>& context) const;

 private:
  const TokenModel& m_model;
  int m_order;
  mutable std::unordered_map<std::uint64_t, std::vector<double>> m_cache;
};

}  // namespace loupe::specdec
