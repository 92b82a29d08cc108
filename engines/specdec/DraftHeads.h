// Draft heads: extra predictors that guess several future tokens from the
// context at position t, so one target call can check them all.
//
// Medusa heads (Cai et al. 2024) are parallel: head k guesses token t + k + 2
// (the target's own next token t + 1 is the tree's root), from the context
// alone. Two kinds here:
// - OracleMedusaHeads: the target's exact (k + 2)-step marginal
//   P(x_{t+k+2} | x_{≤t}), by forward recursion over its n-gram states —
//   the best any head without the intermediate tokens can do (an upper
//   bound for real heads);
// - EstimatedMedusaHeads: counts of (x_t, x_{t+k+2}) in text sampled from
//   the target, add-α smoothed — heads learnt from data, seeing only the
//   last context token: realistic and imperfect.
//
// Multi-token prediction (DeepSeek-V3) chains its heads: head k guesses
// token t + k + 1 from the context and the previous head's token. Here
// EstimatedMtpHeads counts (x_t, x_{t+k}, x_{t+k+1}) in sampled text, backed
// off to (x_{t+k}, x_{t+k+1}), and MtpDraft presents the chain as a draft
// model so speculative sampling (exact) or greedy verification checks it.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include "engines/specdec/MarkovCache.h"

namespace loupe::specdec {

class MedusaHeads {
 public:
  virtual ~MedusaHeads() = default;
  virtual int count() const = 0;
  // [k][v]: head k's distribution of token t + k + 2 given context x_{≤t}.
  virtual std::vector<std::vector<double>> predict(const std::vector<int>& context) const = 0;
};

// Threading: not thread-safe (predictions are cached per target history).
class OracleMedusaHeads : public MedusaHeads {
 public:
  OracleMedusaHeads(const MarkovCache& target, int heads);
  int count() const override { return m_heads; }
  std::vector<std::vector<double>> predict(const std::vector<int>& context) const override;

 private:
  std::vector<std::vector<double>> compute(const std::vector<int>& context) const;

  const MarkovCache& m_target;
  int m_heads;
  mutable std::unordered_map<std::uint64_t, std::vector<std::vector<double>>> m_cache;  // by target history
};

// `tokens` tokens sampled from the target, restarting from the empty context
// every `sentence` tokens.
std::vector<int> sampleText(const TokenModel& target, int tokens, int sentence, std::mt19937_64& rng);

class EstimatedMedusaHeads : public MedusaHeads {
 public:
  EstimatedMedusaHeads(const std::vector<int>& text, int vocabulary, int heads, double alpha = 0.1);
  int count() const override { return m_heads; }
  std::vector<std::vector<double>> predict(const std::vector<int>& context) const override;

 private:
  int m_vocabulary, m_heads;
  std::vector<std::vector<double>> m_rows;  // [k][previous · V + next]: P(x_{t+k+2} | x_t), smoothed
};

class EstimatedMtpHeads {
 public:
  EstimatedMtpHeads(const std::vector<int>& text, int vocabulary, int heads, double alpha = 0.1);
  int count() const { return m_heads; }
  // Head k (0-based) on token t + k + 1: anchor is x_t, previous x_{t+k}.
  std::vector<double> predict(int head, int anchor, int previous) const;

 private:
  int m_vocabulary, m_heads;
  std::vector<std::unordered_map<std::uint32_t, std::vector<std::pair<int, double>>>> m_triples;  // [k][anchor,prev]
  std::vector<double> m_bigram;  // P(next | prev), add-α smoothed: [prev · V + next]
};

// The MTP chain as a draft model for one step: the first next() call after
// begin(context) is head 0, each later one (its context one token longer)
// the next head.
// A draft whose guesses are made afresh each step: begin(context) starts
// the step, then next() is called on context, context + d₁, … in order.
class StepDraft : public TokenModel {
 public:
  virtual void begin(const std::vector<int>& context) = 0;
  virtual int depth() const = 0;  // the most drafts a step
};

class MtpDraft : public StepDraft {
 public:
  explicit MtpDraft(const EstimatedMtpHeads& heads, int vocabulary) : m_heads(heads), m_vocabulary(vocabulary) {}
  void begin(const std::vector<int>& context) override { m_base = context.size(); }
  int depth() const override { return m_heads.count(); }
  int vocabularySize() const override { return m_vocabulary; }
  std::vector<double> next(const std::vector<int>& context) const override;

 private:
  const EstimatedMtpHeads& m_heads;
  int m_vocabulary;
  std::size_t m_base = 0;
};

}  // namespace loupe::specdec
