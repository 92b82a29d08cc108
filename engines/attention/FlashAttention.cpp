#include "engines/attention/FlashAttention.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <mutex>

#include "engines/core/ThreadPool.h"

namespace loupe::attention {

namespace {

constexpr float kNegInf = -std::numeric_limits<float>::infinity();

// e^x for a row of x ≤ 0 (scores minus the running max), written so the
// compiler vectorises it (std::exp is a scalar call and was the largest cost
// of a tile): x = k·ln2 + r with |r| ≤ ln2/2 (Cody–Waite split of ln2),
// e^r by its Taylor series to r⁷/7! (relative error < 1e-8, below float
// rounding), 2^k from the exponent bits. −inf (masked) gives exactly 0.
inline __attribute__((always_inline)) void expRow(float* x, int n) {
  for (int i = 0; i < n; ++i) {
    const float original = x[i];
    const float v = std::max(original, -87.0f);  // e^−87 ≈ 1.6e-38: still a normal float
    const float k = (v * 1.44269504088896341f + 12582912.0f) - 12582912.0f;  // round to nearest (1.5·2^23 trick)
    const float r = (v - k * 0.693145751953125f) - k * 1.428606765330187e-6f;
    float p = 1.0f / 5040;
    p = p * r + 1.0f / 720;
    p = p * r + 1.0f / 120;
    p = p * r + 1.0f / 24;
    p = p * r + 1.0f / 6;
    p = p * r + 0.5f;
    p = p * r + 1.0f;
    p = p * r + 1.0f;
    const std::int32_t bits = (static_cast<std::int32_t>(k) + 127) << 23;
    float twoK;
    std::memcpy(&twoK, &bits, sizeof twoK);
    x[i] = original == -std::numeric_limits<float>::infinity() ? 0.0f : p * twoK;
  }
}

struct Workspace {
  std::vector<float> s;     // blockQ × blockK scores, then probabilities
  std::vector<float> kT;    // d × blockK, the key block transposed
  std::vector<float> o;     // blockQ × dv partial output
  std::vector<float> m, l;  // per row
};

// One query block of one head, all its key blocks. Built for AVX-512, AVX2
// and baseline x86-64; the loader picks the best the CPU has (GCC function
// multi-versioning), so the binary stays portable.
__attribute__((target_clones("avx512f", "avx2", "default"))) void queryBlock(
    const float* q, const float* k, const float* v, const AttentionShape& sh, const FlashOptions& opt, float scale,
    int h, int qb, Workspace& w, float* out, float* lse, std::vector<TileEvent>* events) {
  const int i0 = qb * opt.blockQ, i1 = std::min(sh.n, i0 + opt.blockQ), rows = i1 - i0;
  const int kBlocks = (sh.m + opt.blockK - 1) / opt.blockK;
  const float* qh = q + (static_cast<std::size_t>(h) * sh.n + i0) * sh.d;
  const float* kh = k + static_cast<std::size_t>(h) * sh.m * sh.d;
  const float* vh = v + static_cast<std::size_t>(h) * sh.m * sh.dv;
  std::fill(w.o.begin(), w.o.begin() + static_cast<std::size_t>(rows) * sh.dv, 0.0f);
  std::fill(w.m.begin(), w.m.begin() + rows, kNegInf);
  std::fill(w.l.begin(), w.l.begin() + rows, 0.0f);
  const int qBlocks = (sh.n + opt.blockQ - 1) / opt.blockQ;

  for (int kb = 0; kb < kBlocks; ++kb) {
    const int j0 = kb * opt.blockK, j1 = std::min(sh.m, j0 + opt.blockK), cols = j1 - j0;
    TileEvent ev;
    ev.head = h;
    ev.qBlock = qb;
    ev.kBlock = kb;
    // Causal: the tile is empty when its first key is beyond the last query's reach.
    const bool causalEmpty = opt.causal && !causallyVisible(i1 - 1, j0, sh.n, sh.m);
    const bool maskEmpty = opt.blockMask && !(*opt.blockMask)[static_cast<std::size_t>(qb) * kBlocks + kb];
    if (causalEmpty || maskEmpty) {
      ev.state = TileState::Skipped;
      if (events) events->push_back(ev);
      continue;
    }
    const bool partial = opt.causal && !causallyVisible(i0, j1 - 1, sh.n, sh.m);
    ev.state = partial ? TileState::Partial : TileState::Computed;
    if (events) {
      ev.maxBeforeLo = *std::min_element(w.m.begin(), w.m.begin() + rows);
      ev.maxBeforeHi = *std::max_element(w.m.begin(), w.m.begin() + rows);
    }
    float smallestRescale = 1.0f;
    // Kᵀ of this block (d × cols) so that a row of scores is built by
    // axpy over contiguous columns — a loop the compiler vectorises without
    // reassociating a dot product.
    for (int c = 0; c < cols; ++c) {
      const float* kr = kh + static_cast<std::size_t>(j0 + c) * sh.d;
      for (int e = 0; e < sh.d; ++e) w.kT[static_cast<std::size_t>(e) * opt.blockK + c] = kr[e];
    }
    for (int r = 0; r < rows; ++r) {
      const float* qr = qh + static_cast<std::size_t>(r) * sh.d;
      float* sr = &w.s[static_cast<std::size_t>(r) * opt.blockK];
      std::fill(sr, sr + cols, 0.0f);
      for (int e = 0; e < sh.d; ++e) {
        const float qe = qr[e] * scale;
        const float* kt = &w.kT[static_cast<std::size_t>(e) * opt.blockK];
        for (int c = 0; c < cols; ++c) sr[c] += qe * kt[c];
      }
      float rowMax = kNegInf;
      for (int c = 0; c < cols; ++c) {
        const int j = j0 + c;
        if ((partial && !causallyVisible(i0 + r, j, sh.n, sh.m)) || (opt.keep && !(*opt.keep)(h, i0 + r, j))) {
          sr[c] = kNegInf;
          continue;
        }
        rowMax = std::max(rowMax, sr[c]);
      }
      if (rowMax == kNegInf) continue;  // this row sees nothing in this tile
      const float mOld = w.m[r], mNew = std::max(mOld, rowMax);
      const float alpha = mOld == kNegInf ? 0.0f : std::exp(mOld - mNew);  // rescale of what was accumulated
      for (int c = 0; c < cols; ++c) sr[c] -= mNew;                        // −inf stays −inf
      expRow(sr, cols);
      float rowSum = 0;
      for (int c = 0; c < cols; ++c) rowSum += sr[c];
      float* orow = &w.o[static_cast<std::size_t>(r) * sh.dv];
      if (alpha != 1.0f) {
        for (int e = 0; e < sh.dv; ++e) orow[e] *= alpha;
        if (mOld != kNegInf) smallestRescale = std::min(smallestRescale, alpha);
      }
      for (int c = 0; c < cols; ++c) {
        const float p = sr[c];
        if (p == 0.0f) continue;
        const float* vr = vh + static_cast<std::size_t>(j0 + c) * sh.dv;
        for (int e = 0; e < sh.dv; ++e) orow[e] += p * vr[e];
      }
      w.l[r] = alpha * w.l[r] + rowSum;
      w.m[r] = mNew;
    }
    if (events) {
      ev.maxAfterLo = *std::min_element(w.m.begin(), w.m.begin() + rows);
      ev.maxAfterHi = *std::max_element(w.m.begin(), w.m.begin() + rows);
      ev.rescale = smallestRescale;
      ev.flops = 2LL * rows * cols * sh.d + 2LL * rows * cols * sh.dv;
      ev.bytesRead = static_cast<std::int64_t>(cols) * (sh.d + sh.dv) * 4 +
                     (kb == 0 ? static_cast<std::int64_t>(rows) * sh.d * 4 : 0);
      events->push_back(ev);
    }
  }
  (void)qBlocks;
  for (int r = 0; r < rows; ++r) {
    float* o = out + (static_cast<std::size_t>(h) * sh.n + i0 + r) * sh.dv;
    const float inv = w.l[r] > 0 ? 1.0f / w.l[r] : 0.0f;  // a fully masked row stays 0
    for (int e = 0; e < sh.dv; ++e) o[e] = w.o[static_cast<std::size_t>(r) * sh.dv + e] * inv;
    lse[static_cast<std::size_t>(h) * sh.n + i0 + r] = w.l[r] > 0 ? w.m[r] + std::log(w.l[r]) : kNegInf;
  }
}

}  // namespace

AttentionResult<float> flashAttention(const float* q, const float* k, const float* v, const AttentionShape& shape,
                                      const FlashOptions& options, TileTrace* trace) {
  AttentionResult<float> r;
  r.out.assign(static_cast<std::size_t>(shape.heads) * shape.n * shape.dv, 0.0f);
  r.lse.assign(static_cast<std::size_t>(shape.heads) * shape.n, 0.0f);
  const float scale = static_cast<float>(options.scale > 0 ? options.scale : defaultScale(shape.d));
  const int qBlocks = (shape.n + options.blockQ - 1) / options.blockQ;
  const int kBlocks = (shape.m + options.blockK - 1) / options.blockK;
  const std::int64_t jobs = static_cast<std::int64_t>(shape.heads) * qBlocks;
  // Per job events, concatenated in job order afterwards so the trace order is deterministic.
  std::vector<std::vector<TileEvent>> perJob(trace ? static_cast<std::size_t>(jobs) : 0);
  ThreadPool::shared().parallelFor(0, jobs, 1, [&](std::int64_t j0, std::int64_t j1) {
    Workspace w;
    w.s.resize(static_cast<std::size_t>(options.blockQ) * options.blockK);
    w.kT.resize(static_cast<std::size_t>(shape.d) * options.blockK);
    w.o.resize(static_cast<std::size_t>(options.blockQ) * shape.dv);
    w.m.resize(options.blockQ);
    w.l.resize(options.blockQ);
    for (std::int64_t job = j0; job < j1; ++job) {
      const int h = static_cast<int>(job / qBlocks), qb = static_cast<int>(job % qBlocks);
      queryBlock(q, k, v, shape, options, scale, h, qb, w, r.out.data(), r.lse.data(),
                 trace ? &perJob[static_cast<std::size_t>(job)] : nullptr);
    }
  });
  if (trace) {
    trace->qBlocks = qBlocks;
    trace->kBlocks = kBlocks;
    trace->events.clear();
    for (auto& events : perJob) trace->events.insert(trace->events.end(), events.begin(), events.end());
  }
  return r;
}

}  // namespace loupe::attention
