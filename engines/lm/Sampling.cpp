#include "engines/lm/Sampling.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

namespace loupe::lm {

namespace {

// softmax(logits / t) in double.
std::vector<double> softmax(const float* logits, int vocab, double t) {
  const double top = *std::max_element(logits, logits + vocab);
  std::vector<double> p(static_cast<std::size_t>(vocab));
  double sum = 0;
  for (int i = 0; i < vocab; ++i) sum += p[static_cast<std::size_t>(i)] = std::exp((logits[i] - top) / t);
  for (double& x : p) x /= sum;
  return p;
}

// Token ids by falling probability (ties: lower id first, as a stable sort gives).
std::vector<int> ranked(const std::vector<double>& p) {
  std::vector<int> order(p.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int a, int b) { return p[static_cast<std::size_t>(a)] > p[static_cast<std::size_t>(b)]; });
  return order;
}

}  // namespace

std::vector<double> samplingDistribution(const float* logits, int vocab, const SamplingOptions& o) {
  if (vocab <= 0) throw std::invalid_argument("samplingDistribution: an empty vocabulary");
  if (o.temperature <= 0) {
    std::vector<double> p(static_cast<std::size_t>(vocab), 0.0);
    p[static_cast<std::size_t>(std::max_element(logits, logits + vocab) - logits)] = 1.0;
    return p;
  }
  std::vector<double> p = softmax(logits, vocab, o.temperature);
  const std::vector<int> order = ranked(p);
  // Keep the k most likely, then the nucleus among them: the shortest prefix
  // of the ranking whose mass reaches top_p (the token crossing it included).
  std::size_t keep = o.topK > 0 ? std::min<std::size_t>(static_cast<std::size_t>(o.topK), order.size()) : order.size();
  if (o.topP < 1.0) {
    double kept = 0;
    for (std::size_t i = 0; i < keep; ++i) kept += p[static_cast<std::size_t>(order[i])];
    double mass = 0;
    for (std::size_t i = 0; i < keep; ++i) {
      mass += p[static_cast<std::size_t>(order[i])] / kept;
      if (mass >= o.topP) {
        keep = i + 1;
        break;
      }
    }
  }
  std::vector<double> out(p.size(), 0.0);
  double sum = 0;
  for (std::size_t i = 0; i < keep; ++i)
    sum += out[static_cast<std::size_t>(order[i])] = p[static_cast<std::size_t>(order[i])];
  for (double& x : out) x /= sum;
  return out;
}

TokenChoice chooseToken(const float* logits, int vocab, const SamplingOptions& o, std::mt19937_64& rng,
                        int alternatives) {
  const std::vector<double> draw = samplingDistribution(logits, vocab, o);
  TokenChoice c;
  if (o.temperature <= 0) {
    c.token = static_cast<int>(std::max_element(draw.begin(), draw.end()) - draw.begin());
  } else {
    // Inverse CDF on one uniform draw: reproducible from the seed alone.
    const double u = std::uniform_real_distribution<double>(0.0, 1.0)(rng);
    double acc = 0;
    c.token = -1;
    int lastNonZero = 0;
    for (int i = 0; i < vocab; ++i) {
      if (draw[static_cast<std::size_t>(i)] <= 0) continue;
      lastNonZero = i;
      acc += draw[static_cast<std::size_t>(i)];
      if (u < acc) {
        c.token = i;
        break;
      }
    }
    if (c.token < 0) c.token = lastNonZero;  // u within rounding of 1
  }
  const std::vector<double> model = softmax(logits, vocab, 1.0);
  c.probability = model[static_cast<std::size_t>(c.token)];
  for (double p : model)
    if (p > 0) c.entropy -= p * std::log(p);
  const std::vector<int> order = ranked(model);
  for (int i = 0; i < std::min(alternatives, vocab); ++i) {
    c.topTokens.push_back(order[static_cast<std::size_t>(i)]);
    c.topProbabilities.push_back(model[static_cast<std::size_t>(order[static_cast<std::size_t>(i)])]);
  }
  return c;
}

}  // namespace loupe::lm
