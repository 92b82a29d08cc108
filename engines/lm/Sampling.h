// Choosing the next token from a model's logits, as generation libraries
// do (Hugging Face's TemperatureLogitsWarper → TopKLogitsWarper →
// TopPLogitsWarper, then a draw):
//   temperature 0: greedy, the most likely token (ties: the lowest id);
//   else p ∝ exp(logit / T), restricted to the k most likely tokens (k = 0:
//   all), then to the smallest set of the most likely whose mass reaches
//   top_p (the nucleus), renormalised, and drawn.
// What is recorded of each choice is the model's own belief — the softmax
// of the logits at T = 1: the chosen token's probability, the entropy
// (nats) and the most likely alternatives — so that a reader sees how sure
// the model was, whatever the sampler did.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

namespace loupe::lm {

struct SamplingOptions {
  double temperature = 0;  // 0: greedy
  int topK = 0;            // 0: no limit
  double topP = 1.0;       // 1: no nucleus cut
};

struct TokenChoice {
  int token = 0;
  double probability = 0;      // the model's p(token), T = 1
  double entropy = 0;          // of the model's distribution, nats
  std::vector<int> topTokens;  // the `alternatives` most likely, most likely first
  std::vector<double> topProbabilities;
};

// The distribution the sampler draws from (the steps above), over the whole vocabulary.
std::vector<double> samplingDistribution(const float* logits, int vocab, const SamplingOptions& options);

TokenChoice chooseToken(const float* logits, int vocab, const SamplingOptions& options, std::mt19937_64& rng,
                        int alternatives = 5);

}  // namespace loupe::lm
