// Which candidate of a verified tree to keep (Medusa's evaluate_posterior,
// the deterministic "fast" path). candidates[c] is a path of tokens with the
// root first; logits[c][t] are the target's logits at position t of that
// path, which verify token t + 1.
// - temperature 0 (greedy): token t + 1 is accepted while it is the argmax;
// - otherwise (typical acceptance): p = softmax(logits / T), entropy
//   H = −Σ p·log(p + 1e-5), accepted while p(token) > min(ε, α·e^(−H));
// a candidate's accepted length counts its accepted tokens up to the first
// rejection; the best candidate has the longest (ties: the largest Σ log p
// over the accepted tokens, typical only; greedy takes the first); length 0
// keeps candidate 0. Not distribution-preserving — speculative sampling is.
#pragma once

#include <vector>

namespace loupe::specdec {

struct Acceptance {
  int bestCandidate = 0;
  int acceptLength = 0;
};

// logits: [candidates][L][vocabulary]; candidates: [candidates][L] token ids.
// Upstream pads every candidate to one L; here each may have its own (a
// tree's shorter paths need no padding that a lenient rule could accept).
Acceptance evaluatePosterior(const std::vector<std::vector<std::vector<double>>>& logits,
                             const std::vector<std::vector<int>>& candidates, double temperature,
                             double posteriorThreshold, double posteriorAlpha);

}  // namespace loupe::specdec
