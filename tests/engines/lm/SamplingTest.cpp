// The sampler against numpy: the warped distribution (temperature, top-k,
// nucleus) computed independently, then 20,000 draws tested against it
// (χ², scipy). Greedy is the argmax; what is recorded is the T = 1 belief.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <random>

#include "engines/lm/Sampling.h"
#include "tests/support/TestHelpers.h"

namespace loupe::lm {
namespace {

// numpy, from Hugging Face's definition: softmax(l / T); keep the k largest;
// sort descending, keep the shortest prefix whose cumulative mass reaches p.
const char* kNumpy = R"(
import json, sys, numpy as np
l = np.array(json.loads(sys.argv[1]), dtype=np.float64); t, k, p = float(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
q = np.exp((l - l.max()) / t); q /= q.sum()
order = np.argsort(-q, kind="stable")
keep = order[:k] if k > 0 else order
mass = np.cumsum(q[keep]) / q[keep].sum()
keep = keep[: int(np.searchsorted(mass, p) + 1)] if p < 1 else keep
out = np.zeros_like(q); out[keep] = q[keep]; out /= out.sum()
print(json.dumps(out.tolist()))
)";

std::vector<float> logits() {
  std::mt19937 rng(4);
  std::normal_distribution<float> n(0.0f, 2.0f);
  std::vector<float> l(50);
  for (float& x : l) x = n(rng);
  return l;
}

TEST(Sampling, WarpedDistributionEqualsNumpy) {
  const std::vector<float> l = logits();
  for (auto [t, k, p] : {std::tuple{1.0, 0, 1.0}, std::tuple{0.7, 10, 1.0}, std::tuple{1.3, 0, 0.8},
                         std::tuple{0.5, 20, 0.9}, std::tuple{2.0, 3, 0.5}}) {
    const auto r =
        testing::runPython(kNumpy, {nlohmann::json(l).dump(), std::to_string(t), std::to_string(k), std::to_string(p)});
    ASSERT_EQ(r.exitCode, 0) << r.err;
    const auto expected = nlohmann::json::parse(r.out).get<std::vector<double>>();
    const auto ours = samplingDistribution(l.data(), 50, {t, k, p});
    for (int i = 0; i < 50; ++i) EXPECT_NEAR(ours[i], expected[i], 1e-12) << "T " << t << " k " << k << " p " << p;
  }
}

TEST(Sampling, DrawsFollowTheWarpedDistribution) {
  const std::vector<float> l = logits();
  const SamplingOptions o{0.9, 12, 0.95};
  const auto dist = samplingDistribution(l.data(), 50, o);
  std::mt19937_64 rng(11);
  std::vector<double> counts(50, 0);
  for (int i = 0; i < 20000; ++i) counts[chooseToken(l.data(), 50, o, rng).token] += 1;
  std::vector<double> observed, expected;
  for (int i = 0; i < 50; ++i) {
    if (dist[i] == 0) {
      EXPECT_EQ(counts[i], 0) << "token " << i << " is outside the top-k/nucleus";
      continue;
    }
    observed.push_back(counts[i]);
    expected.push_back(dist[i]);
  }
  EXPECT_GT(testing::chiSquareP(observed, expected), 1e-3);
}

TEST(Sampling, GreedyIsTheArgmaxAndTheRecordIsTheModelsBelief) {
  const std::vector<float> l = logits();
  std::mt19937_64 rng(1);
  const TokenChoice c = chooseToken(l.data(), 50, {}, rng, 4);
  const int argmax = static_cast<int>(std::max_element(l.begin(), l.end()) - l.begin());
  EXPECT_EQ(c.token, argmax);
  // p = softmax at T = 1, by hand in double.
  double sum = 0, entropy = 0;
  for (float x : l) sum += std::exp(static_cast<double>(x) - l[argmax]);
  EXPECT_NEAR(c.probability, 1.0 / sum, 1e-12);
  for (float x : l) {
    const double p = std::exp(static_cast<double>(x) - l[argmax]) / sum;
    entropy -= p * std::log(p);
  }
  EXPECT_NEAR(c.entropy, entropy, 1e-12);
  ASSERT_EQ(c.topTokens.size(), 4u);
  EXPECT_EQ(c.topTokens[0], argmax);
  EXPECT_NEAR(c.topProbabilities[0], c.probability, 1e-15);
  for (int i = 1; i < 4; ++i) EXPECT_LE(c.topProbabilities[i], c.topProbabilities[i - 1]);
}

}  // namespace
}  // namespace loupe::lm
