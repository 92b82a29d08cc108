// The FlashAttention kernel on the GPU against the float64 naive reference of
// the same (rounded) inputs, and its tile trace against the CPU's. Part of
// test_cuda, which links no OpenCV, Qt or SQLite so that scripts/gpu-bundle.sh
// can carry it to a GPU machine.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <string>

#include "engines/attention/Attention.h"
#include "engines/attention/FlashAttention.h"
#include "engines/attention/FlashAttentionCuda.h"
#include "engines/core/DTypeConvert.h"
#include "engines/core/Device.h"
#include "tests/engines/attention/AttentionTestInputs.h"

namespace loupe::attention {
namespace {

// The GPU kernel against the float64 naive reference of the same (rounded)
// inputs, and its tile trace against the CPU's: f32 within FlashAttention's
// rule (≤ 2× the naive fp32 error, plus 1e-6); f16 and bf16, whose P is
// rounded to the input type before P·V, within 2⁻¹⁰ and 2⁻⁸ of the largest
// |v| (twice the rounding's bound). Skips with the reason where there is no
// device.
TEST(FlashAttention, CudaMatchesTheReferenceAndTheCpuTrace) {
  const struct {
    AttentionShape shape;
    bool causal;
  } cases[] = {{{2, 200, 200, 64, 64}, false},
               {{2, 200, 200, 64, 64}, true},
               {{1, 130, 300, 128, 128}, true},
               {{3, 64, 64, 128, 128}, false},
               // Many 64-row tiles with a partial last one, as the benchmark's shapes have.
               {{2, 1000, 1000, 64, 64}, true},
               {{1, 777, 777, 128, 128}, false}};
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
      double largestV = 0;
      for (float x : v) largestV = std::max(largestV, double{std::fabs(x)});
      const double allowed = type == DType::F32   ? 2 * maxError(naive32.out, ref.out) + 1e-6
                             : type == DType::F16 ? largestV * std::ldexp(1.0, -10)
                                                  : largestV * std::ldexp(1.0, -8);
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
