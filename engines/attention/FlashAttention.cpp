#include "engines/attention/FlashAttention.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <mutex>
#include <stdexcept>
#include <string>

#include "engines/attention/TileKernels.h"
#include "engines/core/Cancellation.h"
#include "engines/core/CpuFeatures.h"
#include "engines/core/DTypeConvert.h"
#include "engines/core/ThreadPool.h"

namespace loupe::attention {

namespace {

constexpr float kNegInf = -std::numeric_limits<float>::infinity();

int roundUp(int x, int multiple) {
  return (x + multiple - 1) / multiple * multiple;
}

// Per-thread buffers, all O(blockQ·blockK + block·d): nothing grows with n.
struct Workspace {
  int ldk = 0;              // blockK rounded up to the micro tile's 16 columns
  int ldv = 0;              // dv rounded up to 8 lanes
  std::vector<float> qs;    // blockQ × d, the query block times the scale
  std::vector<float> s;     // blockQ × ldk scores, then probabilities
  std::vector<float> vP;    // blockK × ldv, the value block (only when dv is not a multiple of 8)
  std::vector<float> o;     // blockQ × ldv partial output
  std::vector<float> m, l;  // per row

  Workspace(const AttentionShape& sh, const FlashOptions& opt)
      : ldk(roundUp(opt.blockK, kernels::kCols)), ldv(roundUp(sh.dv, kernels::kLanes)) {
    qs.resize(static_cast<std::size_t>(opt.blockQ) * sh.d);
    s.resize(static_cast<std::size_t>(opt.blockQ) * ldk);
    if (ldv != sh.dv) vP.assign(static_cast<std::size_t>(opt.blockK) * ldv, 0.0f);
    o.resize(static_cast<std::size_t>(opt.blockQ) * ldv);
    m.resize(opt.blockQ);
    l.resize(opt.blockQ);
  }
};

// One query block of one head, all its key blocks. Compiled twice below —
// for AVX2 with FMA and for baseline x86-64 — and picked once at run time,
// so the binary stays portable. (GCC's target_clones("avx2") would not
// enable FMA, which halves the micro-kernels' throughput.)
[[gnu::always_inline]] inline void queryBlockBody(const float* q, const float* kPacked, const float* v,
                                                  const AttentionShape& sh, const FlashOptions& opt, float scale, int h,
                                                  int qb, Workspace& w, float* out, float* lse,
                                                  std::vector<TileEvent>* events) {
  const int i0 = qb * opt.blockQ, i1 = std::min(sh.n, i0 + opt.blockQ), rows = i1 - i0;
  const int kBlocks = (sh.m + opt.blockK - 1) / opt.blockK;
  const float* qh = q + (static_cast<std::size_t>(h) * sh.n + i0) * sh.d;
  const int kvh = kvHeadOf(sh, h);  // grouped-query attention: this head's K/V head
  const float* vh = v + static_cast<std::size_t>(kvh) * kvRowsBetweenHeads(sh) * sh.dv;
  const int ldk = w.ldk, ldv = w.ldv;
  for (std::size_t i = 0; i < static_cast<std::size_t>(rows) * sh.d; ++i) w.qs[i] = qh[i] * scale;
  std::fill(w.o.begin(), w.o.begin() + static_cast<std::size_t>(rows) * ldv, 0.0f);
  std::fill(w.m.begin(), w.m.begin() + rows, kNegInf);
  std::fill(w.l.begin(), w.l.begin() + rows, 0.0f);

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

    // S = (Q·scale)·Kᵀ on the micro-kernel, Kᵀ of this block packed beforehand.
    const int colsPadded = roundUp(cols, kernels::kCols);
    const float* kT = kPacked + (static_cast<std::size_t>(kvh) * kBlocks + kb) * sh.d * ldk;
    kernels::scoresTile(w.qs.data(), rows, sh.d, kT, ldk, colsPadded, w.s.data(), ldk);

    // Online softmax, row by row: mask, new max, P = e^(S − m'), rescale O.
    const bool elementMask = partial || opt.keep;
    for (int r = 0; r < rows; ++r) {
      float* sr = &w.s[static_cast<std::size_t>(r) * ldk];
      if (elementMask) {
        for (int c = 0; c < cols; ++c) {
          const int j = j0 + c;
          if ((partial && !causallyVisible(i0 + r, j, sh.n, sh.m)) || (opt.keep && !(*opt.keep)(h, i0 + r, j)))
            sr[c] = kNegInf;
        }
      }
      std::fill(sr + cols, sr + colsPadded, kNegInf);  // padding columns: e^−inf = 0
      const float rowMax = kernels::rowMax(sr, colsPadded);
      if (rowMax == kNegInf) {  // this row sees nothing in this tile: it adds nothing to O
        std::fill_n(sr, cols, 0.0f);
        continue;
      }
      const float mOld = w.m[r], mNew = std::max(mOld, rowMax);
      const float alpha = mOld == kNegInf ? 0.0f : std::exp(mOld - mNew);  // rescale of what was accumulated
      const float rowSum = kernels::expShiftedRow(sr, colsPadded, mNew);
      if (alpha != 1.0f) {
        float* orow = &w.o[static_cast<std::size_t>(r) * ldv];
        for (int e = 0; e < sh.dv; ++e) orow[e] *= alpha;
        if (mOld != kNegInf) smallestRescale = std::min(smallestRescale, alpha);
      }
      w.l[r] = alpha * w.l[r] + rowSum;
      w.m[r] = mNew;
    }

    // O += P·V on the micro-kernel; V read in place when its rows are whole vectors.
    const float* vBlock = vh + static_cast<std::size_t>(j0) * sh.dv;
    if (ldv != sh.dv) {
      for (int c = 0; c < cols; ++c)
        std::copy_n(vBlock + static_cast<std::size_t>(c) * sh.dv, sh.dv, &w.vP[static_cast<std::size_t>(c) * ldv]);
      vBlock = w.vP.data();
    }
    kernels::pvTile(w.s.data(), ldk, rows, cols, vBlock, ldv, ldv, w.o.data(), ldv);

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
  for (int r = 0; r < rows; ++r) {
    float* o = out + (static_cast<std::size_t>(h) * sh.n + i0 + r) * sh.dv;
    const float inv = w.l[r] > 0 ? 1.0f / w.l[r] : 0.0f;  // a fully masked row stays 0
    for (int e = 0; e < sh.dv; ++e) o[e] = w.o[static_cast<std::size_t>(r) * ldv + e] * inv;
    lse[static_cast<std::size_t>(h) * sh.n + i0 + r] = w.l[r] > 0 ? w.m[r] + std::log(w.l[r]) : kNegInf;
  }
}

#define LOUPE_QUERY_BLOCK_ARGS                                                                             \
  const float *q, const float *kPacked, const float *v, const AttentionShape &sh, const FlashOptions &opt, \
      float scale, int h, int qb, Workspace &w, float *out, float *lse, std::vector<TileEvent>*events
using QueryBlockFn = void (*)(LOUPE_QUERY_BLOCK_ARGS);

[[gnu::target("avx2,fma")]] void queryBlockAvx2Fma(LOUPE_QUERY_BLOCK_ARGS) {
  queryBlockBody(q, kPacked, v, sh, opt, scale, h, qb, w, out, lse, events);
}
void queryBlockBaseline(LOUPE_QUERY_BLOCK_ARGS) {
  queryBlockBody(q, kPacked, v, sh, opt, scale, h, qb, w, out, lse, events);
}
#undef LOUPE_QUERY_BLOCK_ARGS

// Kᵀ of every key block, packed once and shared by all query blocks:
// [K/V head][key block][d][ldk], columns past the last key zero. The same
// size as K (rounded up to 16 keys), so memory stays O(n·d).
std::vector<float> packKeysTransposed(const float* k, const AttentionShape& sh, int blockK) {
  const int ldk = roundUp(blockK, kernels::kCols);
  const int kBlocks = (sh.m + blockK - 1) / blockK;
  const int kvHeads = kvHeadCount(sh);
  std::vector<float> packed(static_cast<std::size_t>(kvHeads) * kBlocks * sh.d * ldk, 0.0f);
  ThreadPool::shared().parallelFor(
      0, static_cast<std::int64_t>(kvHeads) * kBlocks, 1, [&](std::int64_t b0, std::int64_t b1) {
        for (std::int64_t b = b0; b < b1; ++b) {
          const std::int64_t h = b / kBlocks, kb = b % kBlocks;
          const int j0 = static_cast<int>(kb) * blockK;
          const int cols = std::min(sh.m, j0 + blockK) - j0;
          float* dst = &packed[static_cast<std::size_t>(b) * sh.d * ldk];
          const float* src = k + (static_cast<std::size_t>(h) * kvRowsBetweenHeads(sh) + j0) * sh.d;
          for (int c = 0; c < cols; ++c)
            for (int e = 0; e < sh.d; ++e)
              dst[static_cast<std::size_t>(e) * ldk + c] = src[static_cast<std::size_t>(c) * sh.d + e];
        }
      });
  return packed;
}

QueryBlockFn pickQueryBlock() {
  if (cpuHasAvx2Fma()) return queryBlockAvx2Fma;
  return queryBlockBaseline;
}

}  // namespace

AttentionResult<float> flashAttention(const float* q, const float* k, const float* v, const AttentionShape& shape,
                                      const FlashOptions& options, TileTrace* trace) {
  checkKvLayout(shape, "flashAttention");
  AttentionResult<float> r;
  r.out.assign(static_cast<std::size_t>(shape.heads) * shape.n * shape.dv, 0.0f);
  r.lse.assign(static_cast<std::size_t>(shape.heads) * shape.n, 0.0f);
  const float scale = static_cast<float>(options.scale > 0 ? options.scale : defaultScale(shape.d));
  const int qBlocks = (shape.n + options.blockQ - 1) / options.blockQ;
  const int kBlocks = (shape.m + options.blockK - 1) / options.blockK;
  const std::int64_t jobs = static_cast<std::int64_t>(shape.heads) * qBlocks;
  // Per job events, concatenated in job order afterwards so the trace order is deterministic.
  std::vector<std::vector<TileEvent>> perJob(trace ? static_cast<std::size_t>(jobs) : 0);
  static const QueryBlockFn best = pickQueryBlock();
  const QueryBlockFn queryBlock = options.portable ? queryBlockBaseline : best;
  const std::vector<float> kPacked = packKeysTransposed(k, shape, options.blockK);
  ThreadPool::shared().parallelFor(0, jobs, 1, [&](std::int64_t j0, std::int64_t j1) {
    Workspace w(shape, options);
    for (std::int64_t job = j0; job < j1; ++job) {
      pollCancel();  // one query block against every key: up to ~0.1 s at N = 16384, d = 256
      const int h = static_cast<int>(job / qBlocks), qb = static_cast<int>(job % qBlocks);
      queryBlock(q, kPacked.data(), v, shape, options, scale, h, qb, w, r.out.data(), r.lse.data(),
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

AttentionResult<float> flashAttention(const std::uint16_t* q, const std::uint16_t* k, const std::uint16_t* v,
                                      DType type, const AttentionShape& shape, const FlashOptions& options,
                                      TileTrace* trace) {
  checkKvLayout(shape, "flashAttention (16-bit inputs)", true);
  if (type != DType::F16 && type != DType::BF16)
    throw std::invalid_argument("flashAttention: 16-bit inputs must be f16 or bf16, not " +
                                std::string(dtypeName(type)));
  float (*decode)(std::uint16_t) = type == DType::F16 ? halfBitsToFloat : bfloat16BitsToFloat;
  auto widen = [&](const std::uint16_t* x, std::size_t count) {
    std::vector<float> out(count);
    ThreadPool::shared().parallelFor(0, static_cast<std::int64_t>(count), 1 << 16, [&](std::int64_t a, std::int64_t b) {
      for (std::int64_t i = a; i < b; ++i) out[static_cast<std::size_t>(i)] = decode(x[i]);
    });
    return out;
  };
  const std::size_t rowsQ = static_cast<std::size_t>(shape.heads) * shape.n;
  const std::size_t rowsK = static_cast<std::size_t>(shape.heads) * shape.m;
  const auto q32 = widen(q, rowsQ * shape.d), k32 = widen(k, rowsK * shape.d), v32 = widen(v, rowsK * shape.dv);
  auto result = flashAttention(q32.data(), k32.data(), v32.data(), shape, options, trace);
  if (trace) {
    for (auto& e : trace->events) e.bytesRead /= 2;  // every byte counted was a 4-byte float read as 2
  }
  return result;
}

}  // namespace loupe::attention
