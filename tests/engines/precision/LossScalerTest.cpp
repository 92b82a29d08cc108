// The GradScaler rule on recorded step sequences, against this test's own
// transcription of the rule and against PyTorch's own test case
// (test_grad_scaling_update_scale in PyTorch's test/test_cuda.py: growth 2, backoff 0.25, interval 2, start 4 → 4 → 8 → 2 after
// an overflow).
#include <gtest/gtest.h>

#include <random>

#include "engines/precision/LossScaler.h"

namespace loupe::precision {
namespace {

TEST(LossScaler, PytorchsOwnCase) {
  LossScaler s({4.0, 2.0, 0.25, 2});
  EXPECT_FALSE(s.update(false));
  EXPECT_EQ(s.scale(), 4.0);
  EXPECT_FALSE(s.update(false));
  EXPECT_EQ(s.scale(), 8.0);
  EXPECT_TRUE(s.update(true));
  EXPECT_EQ(s.scale(), 2.0);
  EXPECT_EQ(s.skippedSteps(), 1);
}

// torch's update grows the scale only while the result stays finite.
TEST(LossScaler, NeverGrowsToInfinity) {
  LossScaler s({1e308, 10.0, 0.5, 1});
  EXPECT_FALSE(s.update(false));
  EXPECT_EQ(s.scale(), 1e308);  // 1e309 would be inf
  EXPECT_EQ(s.cleanSteps(), 0);
  EXPECT_TRUE(s.update(true));
  EXPECT_EQ(s.scale(), 5e307);
}

TEST(LossScaler, DefaultsFollowTheRuleOnASeededSequence) {
  // A seeded sequence shaped like a run: overflow bursts early (scale too
  // high), then long clean stretches; checked against the rule as torch's
  // _amp_update_scale_ states it, transcribed here.
  std::vector<bool> infs;
  std::mt19937 rng(5);
  for (int i = 0; i < 20000; ++i) infs.push_back(i < 40 ? (i % 3 == 0) : (rng() % 2500 == 0));
  LossScaler s;
  // The rule, transcribed: scale, clean-step counter.
  double scale = 65536;
  int clean = 0;
  std::int64_t skipped = 0;
  for (bool inf : infs) {
    const bool skip = s.update(inf);
    if (inf) {
      scale /= 2, clean = 0, ++skipped;
    } else if (++clean == 2000) {
      scale *= 2, clean = 0;
    }
    ASSERT_EQ(skip, inf);
    ASSERT_EQ(s.scale(), scale);
    ASSERT_EQ(s.cleanSteps(), clean);
  }
  EXPECT_EQ(s.skippedSteps(), skipped);
  EXPECT_GT(skipped, 10);
  EXPECT_THROW(LossScaler({1.0, 0.5, 0.5, 10}), std::invalid_argument);
}

}  // namespace
}  // namespace loupe::precision
