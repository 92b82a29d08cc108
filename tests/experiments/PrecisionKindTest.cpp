// precision.tensor_stats through the runner and the store: an .npz numpy
// writes, one step per tensor, counts equal to the definitions counted here
// directly (|x| ≥ 65520 overflows fp16, non-zero |x| < 2^−25 underflows to 0),
// per-channel fractions; a bad file fails naming params.file and records nothing.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "experiments/KindRegistry.h"
#include "tests/support/RecordRun.h"
#include "tests/support/TestHelpers.h"

namespace loupe {
namespace {

using testing::recordRun;

TEST(PrecisionKind, TensorStatsOfAnNpzPerTensorAndChannel) {
  KindRegistry kinds;
  registerBuiltinKinds(kinds);
  testing::TempDir dir;
  Store store(dir / "p.sqlite");
  const auto r = testing::runPython(
      "import numpy as np, sys\n"
      "rng = np.random.default_rng(4)\n"
      "g = (rng.standard_normal((500, 6)) * 10.0 ** rng.uniform(-10, 6, (500, 6))).astype(np.float32)\n"
      "g[:, 5] *= 1e6\n"
      "w = rng.standard_normal(1000).astype(np.float32)\n"
      "np.savez(sys.argv[1], grads=g, weights=w)\n"
      "g.tofile(sys.argv[2])\n",
      {(dir / "t.npz").string(), (dir / "g.bin").string()});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  const std::string raw = testing::readFile(dir / "g.bin");
  std::vector<float> g(raw.size() / 4);
  std::memcpy(g.data(), raw.data(), raw.size());
  const auto run = recordRun(store, kinds,
                             R"({"kind": "precision.tensor_stats", "params": {"source": "file", "per_channel": true,
                                 "file": ")" +
                                 (dir / "t.npz").string() + R"("}})");
  ASSERT_EQ(run.status, RunStatus::Finished) << run.error;
  ASSERT_EQ(store.getRun(run.run).stepCount, 2);
  const StepRecord grads = store.readStep(run.run, 0);
  const Array* name = grads.findArray("tensor_name");
  ASSERT_NE(name, nullptr);
  EXPECT_EQ(
      std::string(reinterpret_cast<const char*>(name->data<std::uint8_t>()), static_cast<std::size_t>(name->numel())),
      "grads");
  std::int64_t over = 0, under = 0, overLast = 0;
  for (std::size_t i = 0; i < g.size(); ++i) {
    const float a = std::fabs(g[i]);
    over += a >= 65520.0f;
    under += a > 0 && a <= std::ldexp(1.0f, -25);  // half the smallest subnormal rounds to even: 0
    if (i % 6 == 5) overLast += a >= 65520.0f;
  }
  EXPECT_EQ(*grads.findMetric("fp16_overflow"), over);
  EXPECT_EQ(*grads.findMetric("fp16_underflow"), under);
  EXPECT_EQ(*grads.findMetric("bf16_overflow"), 0);
  EXPECT_GT(*grads.findMetric("e4m3_overflow"), over);  // 448 is a lower ceiling
  const Array* channel = grads.findArray("fp16_channel_overflow_frac");
  ASSERT_NE(channel, nullptr);
  ASSERT_EQ(channel->numel(), 6);
  EXPECT_DOUBLE_EQ(channel->data<double>()[5], overLast / 500.0);
  EXPECT_EQ(*store.readStep(run.run, 1).findMetric("fp16_overflow"), 0);

  const auto bad = recordRun(store, kinds,
                             R"({"kind": "precision.tensor_stats", "params": {"source": "file", "file": ")" +
                                 (dir / "missing.safetensors").string() + R"("}})");
  EXPECT_EQ(bad.status, RunStatus::Failed);
  EXPECT_NE(bad.error.find("params.file"), std::string::npos) << bad.error;
  EXPECT_NE(bad.error.find("missing.safetensors"), std::string::npos) << bad.error;
  EXPECT_EQ(store.getRun(bad.run).stepCount, 0);
}

}  // namespace
}  // namespace loupe
