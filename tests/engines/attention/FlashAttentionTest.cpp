// Tiled FlashAttention against the float64 naive reference (FlashAttention's
// rule: max error ≤ 2× the naive fp32 implementation's) and against torch
// 1.13's _scaled_dot_product_attention; the tile trace against closed forms.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>

#include "engines/attention/FlashAttention.h"
#include "engines/attention/FlashAttentionCuda.h"
#include "engines/attention/IoModel.h"
#include "engines/core/DTypeConvert.h"
#include "engines/core/Device.h"
#include "tests/support/TestHelpers.h"

namespace loupe::attention {
namespace {

struct Inputs {
  AttentionShape shape;
  std::vector<float> q, k, v;
  std::vector<double> q64, k64, v64;
};

Inputs randomInputs(AttentionShape s, std::uint32_t seed, float spread = 1.0f) {
  Inputs in{s, {}, {}, {}, {}, {}, {}};
  std::mt19937 rng(seed);
  std::normal_distribution<float> g(0.0f, spread);
  auto fill = [&](std::vector<float>& x, std::vector<double>& x64, std::size_t n) {
    x.resize(n);
    for (auto& e : x) e = g(rng);
    x64.assign(x.begin(), x.end());
  };
  fill(in.q, in.q64, static_cast<std::size_t>(s.heads) * s.n * s.d);
  fill(in.k, in.k64, static_cast<std::size_t>(s.heads) * s.m * s.d);
  fill(in.v, in.v64, static_cast<std::size_t>(s.heads) * s.m * s.dv);
  return in;
}

double maxError(const std::vector<float>& x, const std::vector<double>& ref) {
  double worst = 0;
  for (std::size_t i = 0; i < x.size(); ++i) worst = std::max(worst, std::fabs(x[i] - ref[i]));
  return worst;
}

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
    double worst = 0;
    for (std::size_t i = 0; i < flash.out.size(); ++i)
      worst = std::max(worst, std::fabs(double{flash.out[i]} - torchOut[i]));
    EXPECT_LE(worst, 1e-5) << (causal ? "causal" : "full");
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

// The GPU kernel against the float64 naive reference of the same (rounded)
// inputs, and its tile trace against the CPU's: f32 within FlashAttention's
// rule (≤ 2× the naive fp32 error, plus 1e-6); f16 and bf16, whose P is
// rounded to the input type before P·V, within 2⁻¹¹ and 2⁻⁸ of the largest
// |v| (4 at these spreads). Skips with the reason where there is no device.
TEST(FlashAttention, CudaMatchesTheReferenceAndTheCpuTrace) {
  const struct {
    AttentionShape shape;
    bool causal;
  } cases[] = {{{2, 200, 200, 64, 64}, false},
               {{2, 200, 200, 64, 64}, true},
               {{1, 130, 300, 128, 128}, true},
               {{3, 64, 64, 128, 128}, false}};
  for (const auto& c : cases) {
    const AttentionShape& s = c.shape;
    const Inputs in = randomInputs(s, 5);
    FlashOptions opt;
    opt.causal = c.causal;
    if (deviceReport().cudaDevices.empty()) {
      EXPECT_THROW(flashAttentionCuda(in.q.data(), in.k.data(), in.v.data(), s, opt), CudaUnavailable);
      GTEST_SKIP() << "no CUDA device: " << deviceReport().noCudaReason;
    }
    const double scale = defaultScale(s.d);
    for (DType type : {DType::F32, DType::F16, DType::BF16}) {
      std::vector<std::uint16_t> qb, kb, vb;
      std::vector<float> q = in.q, k = in.k, v = in.v;
      auto encode = [&](std::vector<float>& x, std::vector<std::uint16_t>& bits) {
        bits.resize(x.size());
        for (std::size_t i = 0; i < x.size(); ++i) {
          bits[i] = type == DType::F16 ? floatToHalfBits(x[i]) : floatToBfloat16Bits(x[i]);
          x[i] = type == DType::F16 ? halfBitsToFloat(bits[i]) : bfloat16BitsToFloat(bits[i]);
        }
      };
      if (type != DType::F32) encode(q, qb), encode(k, kb), encode(v, vb);
      const std::vector<double> q64(q.begin(), q.end()), k64(k.begin(), k.end()), v64(v.begin(), v.end());
      const auto ref = naiveAttention(q64.data(), k64.data(), v64.data(), s, scale, c.causal);
      const auto naive32 = naiveAttention(q.data(), k.data(), v.data(), s, scale, c.causal);
      TileTrace gpuTrace, cpuTrace;
      AttentionResult<float> gpu;
      try {
        gpu = type == DType::F32 ? flashAttentionCuda(q.data(), k.data(), v.data(), s, opt, &gpuTrace)
                                 : flashAttentionCuda(qb.data(), kb.data(), vb.data(), type, s, opt, &gpuTrace);
      } catch (const CudaUnavailable& e) {
        // GPUs with 99 KiB of shared memory per block (sm_86/89/120) cannot
        // take the d = 128 tiles: that case falls back, saying so; anything else fails.
        ASSERT_NE(std::string(e.what()).find("shared memory"), std::string::npos) << e.what();
        std::printf("%s d=%d: %s (falls back to the CPU)\n", std::string(dtypeName(type)).c_str(), s.d, e.what());
        continue;
      }
      (void)flashAttention(q.data(), k.data(), v.data(), s, opt, &cpuTrace);
      const std::string what = std::string(dtypeName(type)) + " d=" + std::to_string(s.d) + (c.causal ? " causal" : "");
      const double err = maxError(gpu.out, ref.out);
      const double allowed = type == DType::F32   ? 2 * maxError(naive32.out, ref.out) + 1e-6
                             : type == DType::F16 ? 4 * std::ldexp(1.0, -11)
                                                  : 4 * std::ldexp(1.0, -8);
      EXPECT_LE(err, allowed) << what;
      EXPECT_LE(maxError(gpu.lse, ref.lse), 1e-4) << what;
      ASSERT_EQ(gpuTrace.events.size(), cpuTrace.events.size()) << what;
      for (std::size_t e = 0; e < cpuTrace.events.size(); ++e) {
        const TileEvent &g = gpuTrace.events[e], &r = cpuTrace.events[e];
        ASSERT_EQ(g.state, r.state) << what << " tile " << e;
        EXPECT_EQ(g.flops, r.flops) << what << " tile " << e;
        if (r.state != TileState::Skipped) {
          EXPECT_NEAR(g.rescale, r.rescale, 1e-4) << what << " tile " << e;
        }
      }
    }
  }
}

}  // namespace
}  // namespace loupe::attention
