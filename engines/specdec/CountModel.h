// A language model smoothed from raw n-gram counts in ARPA layout ("count
// w1 … wn" lines, as onboard's en_US.lm ships them): a unigram model
// P(w) = c(w)/Σc, and an interpolated Witten–Bell bigram model
//   P(w | h) = (c(h w) + T(h)·P(w)) / (c(h) + T(h)),
// with c(h) = Σ_w c(h w) and T(h) the number of distinct words seen after h
// (a context never seen falls back to P(w)). A bigram target with its
// unigram draft on real English words.
#pragma once

#include <filesystem>
#include <string>
#include <unordered_map>
#include <vector>

#include "engines/specdec/SpeculativeSampling.h"

namespace loupe::specdec {

class CountModel : public TokenModel {
 public:
  // order 1: the unigram model; 2: Witten–Bell over the bigrams.
  static CountModel load(const std::filesystem::path& file, int order);

  int vocabularySize() const override { return static_cast<int>(m_words.size()); }
  std::vector<double> next(const std::vector<int>& context) const override;
  const std::string& word(int id) const { return m_words[static_cast<std::size_t>(id)]; }
  int id(const std::string& word) const;  // −1 if absent

 private:
  int m_order = 1;
  std::vector<std::string> m_words;
  std::unordered_map<std::string, int> m_ids;
  std::vector<double> m_unigram;                                 // P(w)
  std::vector<std::vector<std::pair<int, double>>> m_followers;  // per h: (w, c(h w))
  std::vector<double> m_contextCount;                            // c(h)
};

}  // namespace loupe::specdec
