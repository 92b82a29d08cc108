// Tiled FlashAttention against the float64 naive reference (FlashAttention's
// rule: max error ≤ 2× the naive fp32 implementation's) and against torch
// 1.13's _scaled_dot_product_attention; the tile trace against closed forms.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>

#include "engines/attention/FlashAttention.h"
#include "engines/attention/IoModel.h"
#include "engines/core/DTypeConvert.h"
#include "tests/engines/attention/AttentionTestInputs.h"
#include "tests/support/TestHelpers.h"

namespace loupe::attention {
namespace {

struct Case {
  AttentionShape shape;
  int blockQ, blockK;
  bool causal;
};

class FlashVsNaive : public ::testing::TestWithParam<Case> {};

TEST_P(FlashVsNaive, ErrorAtMostTwiceNaiveFp32AndBelow1e5) {
  const Case c = GetParam();
  const Inputs in = randomInputs(c.shape, 17u + static_cast<std::uint32_t>(c.shape.n));
  const double scale = defaultScale(c.shape.d);
  const auto ref = naiveAttention(in.q64.data(), in.k64.data(), in.v64.data(), c.shape, scale, c.causal);
  const auto naive32 = naiveAttention(in.q.data(), in.k.data(), in.v.data(), c.shape, scale, c.causal);
  FlashOptions opt;
  opt.blockQ = c.blockQ;
  opt.blockK = c.blockK;
  opt.causal = c.causal;
  const double naiveErr = maxError(naive32.out, ref.out);
  // Both builds of the tile loop: the one this CPU picks, and the portable one.
  for (bool portable : {false, true}) {
    opt.portable = portable;
    const auto build = flashAttention(in.q.data(), in.k.data(), in.v.data(), c.shape, opt);
    const double err = maxError(build.out, ref.out);
    std::printf("max |error| vs float64: tiled (%s) %.3g, naive fp32 %.3g\n", portable ? "portable" : "best", err,
                naiveErr);
    EXPECT_LE(err, 1e-5) << (portable ? "portable" : "best");
    // FlashAttention's own rule (tests/test_flash_attn.py).
    EXPECT_LE(err, 2 * naiveErr) << "naive fp32 error " << naiveErr << (portable ? " portable" : " best");
  }
  opt.portable = false;
  const auto flash = flashAttention(in.q.data(), in.k.data(), in.v.data(), c.shape, opt);
  // The materialising baseline the scaling sweep runs is attention too.
  EXPECT_LE(maxError(standardAttention(in.q.data(), in.k.data(), in.v.data(), c.shape, scale, c.causal).out, ref.out),
            1e-5);
  for (std::size_t i = 0; i < ref.lse.size(); ++i) {
    if (std::isinf(ref.lse[i])) {
      EXPECT_TRUE(std::isinf(flash.lse[i]) && flash.lse[i] < 0) << i;
    } else {
      EXPECT_NEAR(flash.lse[i], ref.lse[i], 1e-5) << i;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, FlashVsNaive,
                         ::testing::Values(Case{{2, 128, 128, 64, 64}, 64, 64, false},
                                           Case{{2, 128, 128, 64, 64}, 64, 64, true},
                                           Case{{1, 100, 100, 32, 48}, 32, 16, true},  // N not a multiple of the blocks
                                           Case{{3, 77, 131, 16, 16}, 16, 32, true},   // more keys than queries
                                           Case{{1, 50, 20, 8, 8}, 16, 16, true},      // first 30 rows see nothing
                                           Case{{2, 257, 257, 64, 32}, 64, 128, false},
                                           // widths that are no multiple of the kernel's 8 lanes, odd block sizes
                                           Case{{2, 70, 90, 20, 12}, 13, 27, true},
                                           Case{{1, 65, 65, 7, 5}, 7, 5, false}));

// f16/bf16 inputs, f32 accumulation: against float64 attention of the very
// values the 16-bit inputs hold (so the error is the kernel's, not the
// inputs' rounding), and bytes counted at 2 per element against the IO model.
TEST(FlashAttention, HalfAndBfloat16InputsAccumulateInFloat32) {
  const AttentionShape s{2, 150, 150, 64, 64};
  for (DType type : {DType::F16, DType::BF16}) {
    const Inputs in = randomInputs(s, 99);
    auto encode = [&](const std::vector<float>& x, std::vector<std::uint16_t>& bits, std::vector<float>& held) {
      bits.resize(x.size());
      held.resize(x.size());
      for (std::size_t i = 0; i < x.size(); ++i) {
        bits[i] = type == DType::F16 ? floatToHalfBits(x[i]) : floatToBfloat16Bits(x[i]);
        held[i] = type == DType::F16 ? halfBitsToFloat(bits[i]) : bfloat16BitsToFloat(bits[i]);
      }
    };
    std::vector<std::uint16_t> qb, kb, vb;
    std::vector<float> q, k, v;
    encode(in.q, qb, q);
    encode(in.k, kb, k);
    encode(in.v, vb, v);
    ASSERT_NE(q, in.q) << "the 16-bit inputs must differ from the f32 ones for this test to mean anything";
    const std::vector<double> q64(q.begin(), q.end()), k64(k.begin(), k.end()), v64(v.begin(), v.end());
    const double scale = defaultScale(s.d);
    const auto ref = naiveAttention(q64.data(), k64.data(), v64.data(), s, scale, false);
    const auto naive32 = naiveAttention(q.data(), k.data(), v.data(), s, scale, false);
    TileTrace trace;
    FlashOptions opt;
    const auto flash = flashAttention(qb.data(), kb.data(), vb.data(), type, s, opt, &trace);
    const double err = maxError(flash.out, ref.out), naiveErr = maxError(naive32.out, ref.out);
    EXPECT_LE(err, 1e-5) << dtypeName(type);
    EXPECT_LE(err, 2 * naiveErr) << dtypeName(type);
    std::int64_t bytes = 0;
    for (const auto& e : trace.events) bytes += e.bytesRead;
    EXPECT_EQ(bytes * 2, tiledReadBytes(s, opt.blockQ, opt.blockK)) << dtypeName(type);
  }
  const std::vector<std::uint16_t> one(64 * 64);
  EXPECT_THROW(
      flashAttention(one.data(), one.data(), one.data(), DType::U16, AttentionShape{1, 64, 64, 64, 64}, FlashOptions{}),
      std::invalid_argument);
}

TEST(FlashAttention, MatchesTorchScaledDotProductAttention) {
  testing::TempDir dir;
  for (bool causal : {false, true}) {
    const AttentionShape s{4, 200, 200, 64, 64};
    const Inputs in = randomInputs(s, causal ? 5 : 6);
    FlashOptions opt;
    opt.causal = causal;
    const auto flash = flashAttention(in.q.data(), in.k.data(), in.v.data(), s, opt);
    auto save = [&](const std::string& name, const std::vector<float>& x) {
      testing::writeFile(dir / name, std::string(reinterpret_cast<const char*>(x.data()), x.size() * 4));
    };
    save("q", in.q);
    save("k", in.k);
    save("v", in.v);
    const auto r = testing::runPython(
        "import sys, numpy as np, torch\n"
        "h, n, d, causal = 4, 200, 64, sys.argv[2] == '1'\n"
        "load = lambda name: torch.from_numpy(np.fromfile(sys.argv[1] + '/' + name, np.float32).reshape(h, n, d))\n"
        "o, _ = torch.nn.functional._scaled_dot_product_attention(load('q'), load('k'), load('v'), None, 0.0, False, "
        "causal)\n"
        "o.numpy().astype(np.float32).tofile(sys.argv[1] + '/torch')\n",
        {dir.path().string(), causal ? "1" : "0"});
    ASSERT_EQ(r.exitCode, 0) << r.err;
    const std::string bytes = testing::readFile(dir / "torch");
    ASSERT_EQ(bytes.size(), flash.out.size() * 4);
    const float* torchOut = reinterpret_cast<const float*>(bytes.data());
    EXPECT_LE(maxAbsError(flash.out, std::span<const float>(torchOut, flash.out.size())), tolerance::kFloat32Kernel)
        << (causal ? "causal" : "full");
  }
}

TEST(FlashAttention, CausalTraceCountsMatchTheClosedForm) {
  for (auto [n, bq, bk] : {std::tuple{256, 64, 64}, std::tuple{250, 32, 64}, std::tuple{300, 64, 16}}) {
    const AttentionShape s{2, n, n, 16, 16};
    const Inputs in = randomInputs(s, 3);
    FlashOptions opt;
    opt.blockQ = bq;
    opt.blockK = bk;
    opt.causal = true;
    TileTrace trace;
    flashAttention(in.q.data(), in.k.data(), in.v.data(), s, opt, &trace);
    // Closed form: query block i (rows i·bq … min(n, (i+1)·bq) − 1) needs key
    // blocks 0 … ⌈min(n, (i+1)·bq)/bk⌉ − 1; of those, the ones past key
    // i·bq are cut by the diagonal.
    const int qBlocks = (n + bq - 1) / bq, kBlocks = (n + bk - 1) / bk;
    std::int64_t computed = 0, partial = 0;
    for (int i = 0; i < qBlocks; ++i) {
      const int lastRow = std::min(n, (i + 1) * bq) - 1;
      const int needed = lastRow / bk + 1;
      computed += needed;
      for (int j = 0; j < needed; ++j) partial += (j + 1) * bk - 1 > i * bq;  // some key beyond the first row's reach
    }
    std::int64_t gotComputed = 0, gotPartial = 0, gotSkipped = 0;
    for (const auto& e : trace.events) {
      gotComputed += e.state != TileState::Skipped;
      gotPartial += e.state == TileState::Partial;
      gotSkipped += e.state == TileState::Skipped;
    }
    EXPECT_EQ(gotComputed, 2 * computed) << n << " " << bq << " " << bk;
    EXPECT_EQ(gotPartial, 2 * partial);
    EXPECT_EQ(gotSkipped, 2 * (static_cast<std::int64_t>(qBlocks) * kBlocks - computed));
    // FLOPs of computed tiles add up to 4·rows·cols·d over the visible-or-cut area.
    std::int64_t flops = 0;
    for (const auto& e : trace.events) flops += e.flops;
    std::int64_t expected = 0;
    for (int i = 0; i < qBlocks; ++i) {
      const int rows = std::min(n, (i + 1) * bq) - i * bq;
      const int lastRow = i * bq + rows - 1;
      for (int j = 0; j <= lastRow / bk; ++j) expected += 4LL * rows * (std::min(n, (j + 1) * bk) - j * bk) * 16;
    }
    EXPECT_EQ(flops, 2 * expected);
  }
}

TEST(FlashAttention, RescalesHappenAndAreRecorded) {
  // Increasing keys along the sequence make later blocks raise the running max.
  AttentionShape s{1, 64, 256, 8, 8};
  Inputs in = randomInputs(s, 9);
  for (int j = 0; j < 256; ++j)
    for (int c = 0; c < 8; ++c) in.k[static_cast<std::size_t>(j) * 8 + c] = 0.02f * j;
  for (auto& x : in.q) x = std::fabs(x);
  FlashOptions opt;
  opt.blockQ = 64;
  opt.blockK = 64;
  TileTrace trace;
  flashAttention(in.q.data(), in.k.data(), in.v.data(), s, opt, &trace);
  ASSERT_EQ(trace.events.size(), 4u);
  EXPECT_EQ(trace.events[0].rescale, 1.0f);  // nothing to rescale yet
  for (int t = 1; t < 4; ++t) {
    EXPECT_LT(trace.events[t].rescale, 1.0f) << t;
    EXPECT_GT(trace.events[t].maxAfterHi, trace.events[t].maxBeforeHi) << t;
  }
}

}  // namespace
}  // namespace loupe::attention

namespace loupe::attention {
namespace {

// Rows of the shown attention map are the softmax the naive reference uses:
// P·V over the full row equals the naive output.
TEST(AttentionProbabilities, RowsReproduceTheNaiveOutput) {
  const AttentionShape s{1, 40, 40, 8, 8};
  const Inputs in = randomInputs(s, 12);
  const auto p = attentionProbabilities(in.q.data(), in.k.data(), s, defaultScale(8), true, nullptr, 0, 0, 40, 0, 40);
  const auto ref = naiveAttention(in.q64.data(), in.k64.data(), in.v64.data(), s, defaultScale(8), true);
  for (int i = 0; i < 40; ++i) {
    double rowSum = 0;
    for (int j = 0; j < 40; ++j) rowSum += p[i * 40 + j];
    EXPECT_NEAR(rowSum, 1.0, 1e-5);
    for (int c = 0; c < 8; ++c) {
      double o = 0;
      for (int j = 0; j < 40; ++j) o += p[i * 40 + j] * in.v64[j * 8 + c];
      EXPECT_NEAR(o, ref.out[i * 8 + c], 1e-5);
    }
    for (int j = i + 1; j < 40; ++j) EXPECT_EQ(p[i * 40 + j], 0.0f);  // causal
  }
}

}  // namespace
}  // namespace loupe::attention

namespace loupe::attention {
namespace {

// Grouped-query attention read in place from a KV cache: 8 query heads on
// 2 K/V heads stored with room for 100 rows, of which m = 70 are used. The
// reference is the float64 loop on K and V expanded to one head per query
// head and packed densely — the layout the kernel does not need.
TEST(FlashAttention, GroupedKvHeadsReadInPlaceFromAStridedCache) {
  const int heads = 8, kvHeads = 2, n = 9, m = 70, cap = 100, d = 32;
  std::mt19937 rng(3);
  std::normal_distribution<float> g(0.0f, 1.0f);
  std::vector<float> q(static_cast<std::size_t>(heads) * n * d), k(static_cast<std::size_t>(kvHeads) * cap * d),
      v(k.size());
  for (float& x : q) x = g(rng);
  for (float& x : k) x = g(rng);
  for (float& x : v) x = g(rng);
  std::vector<double> q64(q.begin(), q.end()), kDense(static_cast<std::size_t>(heads) * m * d), vDense(kDense.size());
  for (int h = 0; h < heads; ++h)
    for (int j = 0; j < m; ++j)
      for (int e = 0; e < d; ++e) {
        const std::size_t src = (static_cast<std::size_t>(h / (heads / kvHeads)) * cap + j) * d + e;
        kDense[(static_cast<std::size_t>(h) * m + j) * d + e] = k[src];
        vDense[(static_cast<std::size_t>(h) * m + j) * d + e] = v[src];
      }
  AttentionShape dense{heads, n, m, d, d};
  AttentionShape grouped = dense;
  grouped.kvHeads = kvHeads;
  grouped.kvRowStride = cap;
  for (bool causal : {false, true}) {
    const auto ref = naiveAttention(q64.data(), kDense.data(), vDense.data(), dense, defaultScale(d), causal);
    FlashOptions opt;
    opt.causal = causal;
    opt.blockQ = 4;
    opt.blockK = 16;
    for (bool portable : {false, true}) {
      opt.portable = portable;
      const auto flash = flashAttention(q.data(), k.data(), v.data(), grouped, opt);
      EXPECT_LE(maxError(flash.out, ref.out), 1e-5) << "causal " << causal << " portable " << portable;
    }
    // The float32 reference reads the same layout too.
    const auto naive = naiveAttention(q.data(), k.data(), v.data(), grouped, defaultScale(d), causal);
    EXPECT_LE(maxError(naive.out, ref.out), 1e-5);
  }
  AttentionShape bad = grouped;
  bad.kvHeads = 3;
  EXPECT_THROW(flashAttention(q.data(), k.data(), v.data(), bad, FlashOptions{}), std::invalid_argument);
  bad = grouped;
  bad.kvRowStride = 50;
  EXPECT_THROW(flashAttention(q.data(), k.data(), v.data(), bad, FlashOptions{}), std::invalid_argument);
  EXPECT_THROW(standardAttention(q.data(), k.data(), v.data(), grouped, 0.1, false), std::invalid_argument);
}

}  // namespace
}  // namespace loupe::attention
