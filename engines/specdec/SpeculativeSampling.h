// Speculative sampling (Leviathan et al. 2023; Chen et al. 2023): a cheap
// draft model proposes γ tokens, the target scores all γ + 1 positions in
// one call; draft token x is kept with probability min(1, p(x)/q(x)); at the
// first rejection a token is drawn from norm(max(0, p − q)) instead and the
// step ends; if all γ are kept, a bonus token comes from p. The emitted
// tokens are distributed exactly as the target's own samples.
//
// Models are next-token distributions over a shared vocabulary of ids.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "engines/specdec/ArpaModel.h"

namespace loupe::specdec {

class TokenModel {
 public:
  virtual ~TokenModel() = default;
  virtual int vocabularySize() const = 0;
  // p(next | context), summing to 1.
  virtual std::vector<double> next(const std::vector<int>& context) const = 0;
  // The same for a batch of contexts: one target call in a real system (a
  // batched forward); by default next() for each.
  virtual std::vector<std::vector<double>> nextBatch(const std::vector<std::vector<int>>& contexts) const;
  // A candidate tree in one call (nextBatch once): the distribution after
  // every node, node i's context being `context` then the tokens on the
  // path from the root (node 0) down to i. parents[0] = −1; parents come
  // before their children.
  virtual std::vector<std::vector<double>> evaluateTree(const std::vector<int>& context, const std::vector<int>& tokens,
                                                        const std::vector<int>& parents) const;
};

// An ARPA model as a token model: ids are its 1-grams except <s> and the
// unknown word (which are never generated); maxOrder > 0 scores with at most
// that many words (a bigram draft from a trigram file).
class ArpaTokenModel : public TokenModel {
 public:
  explicit ArpaTokenModel(const ArpaModel& model, int maxOrder = 0);
  int vocabularySize() const override { return static_cast<int>(m_words.size()); }
  std::vector<double> next(const std::vector<int>& context) const override;
  const std::string& word(int id) const { return m_words[static_cast<std::size_t>(id)]; }
  int id(const std::string& word) const;  // −1 if absent

 private:
  const ArpaModel& m_model;
  int m_maxOrder;
  std::vector<std::string> m_words;
};

struct SpeculativeStep {
  std::vector<int> tokens;  // emitted: the accepted drafts, then the corrected or bonus token
  int accepted = 0;         // drafts kept (0 … γ)
};

SpeculativeStep speculativeStep(const TokenModel& target, const TokenModel& draft, const std::vector<int>& context,
                                int gamma, std::mt19937_64& rng);

// One greedy speculative step: γ drafts are the draft's argmax, kept while
// they equal the target's argmax; then the target's own token (the
// correction, or the bonus token when all γ are kept).
SpeculativeStep greedySpeculativeStep(const TokenModel& target, const TokenModel& draft,
                                      const std::vector<int>& context, int gamma);
// Greedy speculative decoding, step after step; equals greedy target
// decoding token for token.
std::vector<int> speculativeGreedy(const TokenModel& target, const TokenModel& draft, std::vector<int> context,
                                   int tokens, int gamma, int* targetCalls = nullptr);
std::vector<int> greedyDecode(const TokenModel& model, std::vector<int> context, int tokens);

int sampleFrom(const std::vector<double>& p, std::mt19937_64& rng);
int argmax(const std::vector<double>& p);  // the first most likely token

}  // namespace loupe::specdec
