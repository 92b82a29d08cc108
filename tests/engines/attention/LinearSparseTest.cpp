// Linear attention against masked un-normalised attention computed naively
// in float64; sparse patterns through the tiled kernel against dense
// attention with the same mask; the tile trace's bytes against the IO model.
#include <gtest/gtest.h>

#include <cmath>

#include "engines/attention/FlashAttention.h"
#include "engines/attention/IoModel.h"
#include "engines/attention/LinearAttention.h"
#include "engines/attention/SparsePatterns.h"
#include "engines/core/NumericCompare.h"
#include "tests/support/RandomFill.h"

namespace loupe::attention {
namespace {

std::vector<float> randomVector(std::size_t n, std::uint32_t seed) {
  return testing::normalVector<float>(n, seed);
}

// O_i = Σ_{j visible} (φ(q_i)·φ(k_j)) v_j / Σ_{j visible} φ(q_i)·φ(k_j), in float64.
std::vector<double> maskedUnnormalised(const std::vector<float>& q, const std::vector<float>& k,
                                       const std::vector<float>& v, const AttentionShape& s, FeatureMap map,
                                       bool causal) {
  std::vector<double> out(static_cast<std::size_t>(s.heads) * s.n * s.dv, 0.0);
  for (int h = 0; h < s.heads; ++h)
    for (int i = 0; i < s.n; ++i) {
      double den = 0;
      std::vector<double> num(s.dv, 0.0);
      for (int j = 0; j < s.m; ++j) {
        if (causal && j > i) continue;
        double a = 0;
        for (int c = 0; c < s.d; ++c) {
          a += featureMap(map, q[(static_cast<std::size_t>(h) * s.n + i) * s.d + c]) *
               featureMap(map, k[(static_cast<std::size_t>(h) * s.m + j) * s.d + c]);
        }
        den += a;
        for (int c = 0; c < s.dv; ++c) num[c] += a * v[(static_cast<std::size_t>(h) * s.m + j) * s.dv + c];
      }
      for (int c = 0; c < s.dv; ++c)
        out[(static_cast<std::size_t>(h) * s.n + i) * s.dv + c] = den > 0 ? num[c] / den : 0;
    }
  return out;
}

TEST(LinearAttention, EqualsMaskedUnnormalisedAttention) {
  const AttentionShape s{2, 97, 97, 16, 24};
  const auto q = randomVector(2 * 97 * 16, 1), k = randomVector(2 * 97 * 16, 2), v = randomVector(2 * 97 * 24, 3);
  for (FeatureMap map : {FeatureMap::EluPlusOne, FeatureMap::Relu}) {
    for (bool causal : {false, true}) {
      const auto ref = maskedUnnormalised(q, k, v, s, map, causal);
      for (int chunk : {1, 7, 32, 97}) {
        const auto got = linearAttention(q.data(), k.data(), v.data(), s, map, causal, chunk);
        EXPECT_LE(maxAbsError(got, ref), tolerance::kFloat32Kernel)
            << "map " << static_cast<int>(map) << " causal " << causal << " chunk " << chunk;
      }
    }
  }
}

struct Pattern {
  const char* name;
  KeepFn keep;
};

TEST(SparseAttention, ThroughTilesEqualsDenseWithTheSameMask) {
  const int n = 200, bq = 32, bk = 32;
  const AttentionShape s{2, n, n, 32, 32};
  const auto q = randomVector(2 * n * 32, 4), k = randomVector(2 * n * 32, 5), v = randomVector(2 * n * 32, 6);
  std::vector<double> q64(q.begin(), q.end()), k64(k.begin(), k.end()), v64(v.begin(), v.end());
  const int kBlocks = (n + bk - 1) / bk;
  std::vector<std::uint8_t> layout(static_cast<std::size_t>(kBlocks) * kBlocks, 0);
  for (int b = 0; b < kBlocks; ++b) {
    layout[static_cast<std::size_t>(b) * kBlocks + b] = 1;  // diagonal
    layout[static_cast<std::size_t>(b) * kBlocks] = 1;      // first column ("global" block)
  }
  const std::vector<Pattern> patterns = {{"local", localPattern(24)},
                                         {"strided", stridedPattern(8)},
                                         {"fixed", fixedPattern(32, 4)},
                                         {"block-sparse", blockSparsePattern(layout, bq, bk, kBlocks)}};
  for (const auto& p : patterns) {
    const auto dense = naiveAttention(q64.data(), k64.data(), v64.data(), s, defaultScale(32), false, p.keep);
    const auto tiles = blockLayout(p.keep, n, n, bq, bk);
    FlashOptions opt;
    opt.blockQ = bq;
    opt.blockK = bk;
    opt.blockMask = &tiles;
    opt.keep = &p.keep;
    TileTrace trace;
    const auto sparse = flashAttention(q.data(), k.data(), v.data(), s, opt, &trace);
    EXPECT_LE(maxAbsError(sparse.out, dense.out), tolerance::kFloat32Kernel) << p.name;
    std::int64_t empty = 0, skipped = 0;
    for (auto t : tiles) empty += t == 0;
    for (const auto& e : trace.events) skipped += e.state == TileState::Skipped;
    EXPECT_EQ(skipped, 2 * empty) << p.name;  // two heads
    EXPECT_GT(empty, 0) << p.name;
  }
}

TEST(IoModel, TraceBytesAgreeWithTheModel) {
  for (auto [n, bq, bk] : {std::tuple{256, 64, 64}, std::tuple{300, 64, 32}, std::tuple{129, 16, 128}}) {
    const AttentionShape s{3, n, n, 32, 48};
    const auto q = randomVector(3 * n * 32, 7), k = randomVector(3 * n * 32, 8), v = randomVector(3 * n * 48, 9);
    FlashOptions opt;
    opt.blockQ = bq;
    opt.blockK = bk;
    TileTrace trace;
    flashAttention(q.data(), k.data(), v.data(), s, opt, &trace);
    std::int64_t counted = 0;
    for (const auto& e : trace.events) counted += e.bytesRead;
    EXPECT_EQ(counted, tiledReadBytes(s, bq, bk)) << n;
  }
  // The paper's point: at N = 4096, d = 64, 100 KB of SRAM, tiled moves far less.
  const AttentionShape big{1, 4096, 4096, 64, 64};
  const BlockSizes b = flashBlockSizes(100 * 1024, 64);
  EXPECT_EQ(b.blockK, 100);
  EXPECT_EQ(b.blockQ, 64);
  EXPECT_LT(tiledReadBytes(big, b.blockQ, b.blockK) * 2, naiveIoBytes(big));
}

}  // namespace
}  // namespace loupe::attention
