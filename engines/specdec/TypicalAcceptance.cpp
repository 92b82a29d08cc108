#include "engines/specdec/TypicalAcceptance.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace loupe::specdec {

Acceptance evaluatePosterior(const std::vector<std::vector<std::vector<double>>>& logits,
                             const std::vector<std::vector<int>>& candidates, double temperature,
                             double posteriorThreshold, double posteriorAlpha) {
  if (logits.size() != candidates.size() || candidates.empty())
    throw std::invalid_argument("evaluatePosterior: logits and candidates must list the same candidates");
  const std::size_t C = candidates.size();
  std::vector<int> lengths(C, 0);
  std::vector<std::vector<double>> logProb(C);
  for (std::size_t c = 0; c < C; ++c) {
    const std::size_t L = candidates[c].size();
    if (L == 0 || logits[c].size() < L)
      throw std::invalid_argument("evaluatePosterior: candidate " + std::to_string(c) + " has the wrong length");
    logProb[c].assign(L, 0.0);
    for (std::size_t t = 0; t + 1 < L; ++t) {
      const std::vector<double>& z = logits[c][t];
      const int token = candidates[c][t + 1];
      if (token < 0 || static_cast<std::size_t>(token) >= z.size())
        throw std::invalid_argument("evaluatePosterior: token " + std::to_string(token) + " outside the vocabulary");
      bool accepted;
      if (temperature == 0) {
        accepted = std::max_element(z.begin(), z.end()) - z.begin() == token;  // first maximum, as argmax
      } else {
        const double m = *std::max_element(z.begin(), z.end());
        double sum = 0;
        for (double v : z) sum += std::exp((v - m) / temperature);
        double entropy = 0;
        for (double v : z) {
          const double p = std::exp((v - m) / temperature) / sum;
          entropy -= p * std::log(p + 1e-5);
        }
        const double p = std::exp((z[static_cast<std::size_t>(token)] - m) / temperature) / sum;
        logProb[c][t] = std::log(p);
        accepted = p > std::min(posteriorThreshold, std::exp(-entropy) * posteriorAlpha);
      }
      if (!accepted) break;
      ++lengths[c];
    }
  }
  Acceptance a;
  a.acceptLength = *std::max_element(lengths.begin(), lengths.end());
  if (a.acceptLength == 0) return a;
  double best = -std::numeric_limits<double>::infinity();
  for (std::size_t c = 0; c < C; ++c) {
    if (lengths[c] != a.acceptLength) continue;
    if (temperature == 0) {
      a.bestCandidate = static_cast<int>(c);
      break;
    }
    double likelihood = 0;
    for (int t = 0; t < a.acceptLength; ++t) likelihood += logProb[c][static_cast<std::size_t>(t)];
    if (likelihood > best) best = likelihood, a.bestCandidate = static_cast<int>(c);
  }
  return a;
}

}  // namespace loupe::specdec
