// `attention.tiles`: one tiled FlashAttention forward on seeded random Q/K/V,
// stepped tile by tile for head 0 so replay animates the kernel. Each step
// records the tile just processed (state, running-max range, rescale, FLOPs,
// bytes) and the grid of tile states so far (0 pending, 1 computed,
// 2 partly masked, 3 skipped, 4 the current tile) and the running row-max
// upper bound per tile; the last step adds the error against float64 naive
// attention and the naive fp32 error FlashAttention's rule compares with.
#include "experiments/kinds/AttentionKinds.h"

#include <cmath>
#include <fstream>
#include <optional>
#include <random>
#include <string>

#include "engines/attention/FlashAttention.h"
#include "engines/attention/LinearAttention.h"
#include "engines/attention/SparsePatterns.h"
#include "engines/core/Timer.h"
#include "experiments/RunContext.h"

namespace loupe {

namespace {

using namespace loupe::attention;

void runTiles(RunContext& ctx) {
  const int n = static_cast<int>(ctx.paramInt("n"));
  const int d = static_cast<int>(ctx.paramInt("d"));
  const AttentionShape shape{static_cast<int>(ctx.paramInt("heads")), n, n, d, d};
  std::mt19937 rng(static_cast<std::uint32_t>(ctx.seed()));
  std::normal_distribution<float> g(0.0f, static_cast<float>(ctx.paramFloat("input_scale")));
  std::vector<float> q(static_cast<std::size_t>(shape.heads) * n * d), k(q.size()), v(q.size());
  for (auto* x : {&q, &k, &v})
    for (auto& e : *x) e = g(rng);

  FlashOptions opt;
  opt.blockQ = static_cast<int>(ctx.paramInt("block_q"));
  opt.blockK = static_cast<int>(ctx.paramInt("block_k"));
  opt.causal = ctx.paramBool("causal");
  const std::string pattern = ctx.paramString("pattern");
  const int width = static_cast<int>(ctx.paramInt("pattern_width"));
  KeepFn keep = pattern == "local"     ? localPattern(width)
                : pattern == "strided" ? stridedPattern(width)
                : pattern == "fixed"   ? fixedPattern(width, std::max(1, width / 8))
                                       : KeepFn();
  std::vector<std::uint8_t> layout;
  if (keep) {
    layout = blockLayout(keep, n, n, opt.blockQ, opt.blockK);
    opt.blockMask = &layout;
    opt.keep = &keep;
  }
  TileTrace trace;
  const Stopwatch clock;
  const auto flash = flashAttention(q.data(), k.data(), v.data(), shape, opt, &trace);
  const double flashMs = clock.milliseconds();

  // Errors against float64 (and the naive fp32 baseline).
  std::vector<double> q64(q.begin(), q.end()), k64(k.begin(), k.end()), v64(v.begin(), v.end());
  const double scale = defaultScale(d);
  const auto ref = naiveAttention(q64.data(), k64.data(), v64.data(), shape, scale, opt.causal, keep);
  const auto naive32 = naiveAttention(q.data(), k.data(), v.data(), shape, scale, opt.causal, keep);
  double flashErr = 0, naiveErr = 0;
  for (std::size_t i = 0; i < ref.out.size(); ++i) {
    flashErr = std::max(flashErr, std::fabs(flash.out[i] - ref.out[i]));
    naiveErr = std::max(naiveErr, std::fabs(naive32.out[i] - ref.out[i]));
  }

  Array states(DType::F32, {trace.qBlocks, trace.kBlocks});
  Array maxima(DType::F32, {trace.qBlocks, trace.kBlocks});
  std::fill(maxima.data<float>(), maxima.data<float>() + maxima.numel(), NAN);
  std::int64_t flops = 0, bytes = 0, skipped = 0, step = 0, prevIndex = -1;
  const std::int64_t perHead = static_cast<std::int64_t>(trace.qBlocks) * trace.kBlocks;
  for (const TileEvent& e : trace.events) {
    if (e.head != 0) break;  // head 0 is stepped; the others ran alongside
    ctx.throwIfCancelled();
    const std::int64_t index = static_cast<std::int64_t>(e.qBlock) * trace.kBlocks + e.kBlock;
    if (prevIndex >= 0 && states.data<float>()[prevIndex] == 4.0f) {
      const auto& prev = trace.events[static_cast<std::size_t>(step - 1)];
      states.data<float>()[prevIndex] = prev.state == TileState::Skipped   ? 3.0f
                                        : prev.state == TileState::Partial ? 2.0f
                                                                           : 1.0f;
    }
    states.data<float>()[index] = 4.0f;
    if (e.state != TileState::Skipped) maxima.data<float>()[index] = e.maxAfterHi;
    prevIndex = index;
    flops += e.flops;
    bytes += e.bytesRead;
    skipped += e.state == TileState::Skipped;
    StepRecord r;
    r.step = step;
    r.metric("q_block", e.qBlock)
        .metric("k_block", e.kBlock)
        .metric("state", static_cast<double>(e.state))
        .metric("rescale", e.rescale)
        .metric("running_max_hi", e.state == TileState::Skipped ? NAN : e.maxAfterHi)
        .metric("flops_so_far", static_cast<double>(flops))
        .metric("bytes_so_far", static_cast<double>(bytes))
        .metric("tiles_skipped", static_cast<double>(skipped));
    r.array("tile_states", states).array("tile_running_max", maxima);
    if (step + 1 == perHead) {
      r.metric("max_error_vs_fp64", flashErr).metric("naive_fp32_error", naiveErr).metric("forward_ms", flashMs);
      // The attention map the kernel never stores: head 0, the first 256 queries × keys.
      const int window = std::min(n, 256);
      r.array("attention_map",
              Array::fromValues<float>(
                  {window, window}, std::span<const float>(attentionProbabilities(
                                        q.data(), k.data(), shape, scale, opt.causal, keep, 0, 0, window, 0, window))));
    }
    ctx.emitStep(std::move(r));
    ctx.progress(static_cast<double>(step + 1) / static_cast<double>(perHead), "tile " + std::to_string(step + 1));
    ++step;
  }
}

// Peak resident memory since the last reset, in MB (Linux: VmHWM, reset by
// writing 5 to /proc/self/clear_refs).
double peakMegabytesSinceReset(bool reset) {
  if (reset) std::ofstream("/proc/self/clear_refs") << "5";
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  }
  return NAN;
}

double currentMegabytes() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  }
  return NAN;
}

// `attention.scaling`: each method at each N, one step per point: time,
// GFLOP/s (4·N²·d), peak memory above the inputs, and the error against the
// float64 naive reference where that is affordable (N ≤ error_up_to).
void runScaling(RunContext& ctx) {
  const int d = static_cast<int>(ctx.paramInt("d"));
  const bool causal = ctx.paramBool("causal");
  const std::int64_t errorUpTo = ctx.paramInt("error_up_to");
  const auto lengths = ctx.params().at("lengths").get<std::vector<int>>();
  const std::vector<std::string> methods = {"naive", "tiled", "linear"};
  std::int64_t step = 0;
  const std::int64_t total = static_cast<std::int64_t>(lengths.size() * methods.size());
  for (int n : lengths) {
    const AttentionShape shape{1, n, n, d, d};
    std::mt19937 rng(static_cast<std::uint32_t>(ctx.seed()) + static_cast<std::uint32_t>(n));
    std::normal_distribution<float> g;
    std::vector<float> q(static_cast<std::size_t>(n) * d), k(q.size()), v(q.size());
    for (auto* x : {&q, &k, &v})
      for (auto& e : *x) e = g(rng);
    std::optional<AttentionResult<double>> ref;
    if (n <= errorUpTo) {
      std::vector<double> q64(q.begin(), q.end()), k64(k.begin(), k.end()), v64(v.begin(), v.end());
      ref = naiveAttention(q64.data(), k64.data(), v64.data(), shape, defaultScale(d), causal);
    }
    for (std::size_t mi = 0; mi < methods.size(); ++mi) {
      ctx.throwIfCancelled();
      const std::string& method = methods[mi];
      const double before = currentMegabytes();
      peakMegabytesSinceReset(true);
      const Stopwatch clock;
      std::vector<float> out;
      if (method == "naive") {
        out = naiveAttention(q.data(), k.data(), v.data(), shape, defaultScale(d), causal).out;
      } else if (method == "tiled") {
        FlashOptions opt;
        opt.causal = causal;
        out = flashAttention(q.data(), k.data(), v.data(), shape, opt).out;
      } else {
        out = linearAttention(q.data(), k.data(), v.data(), shape, FeatureMap::EluPlusOne, causal);
      }
      const double seconds = clock.seconds();
      const double peak = peakMegabytesSinceReset(false) - before;
      StepRecord r;
      r.step = step++;
      const double flops = 4.0 * n * static_cast<double>(n) * d * (causal ? 0.5 : 1.0);
      r.metric("n", n)
          .metric("method", static_cast<double>(mi))
          .metric("time_ms", seconds * 1e3)
          .metric(method + "_time_ms", seconds * 1e3)
          .metric("gflops", flops / seconds / 1e9)
          .metric(method + "_peak_mb", std::max(0.0, peak));
      // Linear attention is a different function: its error against softmax
      // attention measures the approximation, not rounding.
      if (ref && method != "linear") {
        double worst = 0;
        for (std::size_t i = 0; i < out.size(); ++i) worst = std::max(worst, std::fabs(out[i] - ref->out[i]));
        r.metric(method + "_max_error", worst);
      }
      ctx.emitStep(std::move(r));
      ctx.progress(static_cast<double>(step) / static_cast<double>(total), method + " N=" + std::to_string(n));
    }
  }
}

}  // namespace

void registerAttentionKinds(KindRegistry& registry) {
  EngineKind k;
  k.name = "attention.tiles";
  k.version = "1.0";
  k.summary = "tiled FlashAttention forward on random Q/K/V, stepped tile by tile, with its error vs float64";
  k.schema = ParamSchema{
      ParamSpec::integer("n", 512, "sequence length").range(16, 16384),
      ParamSpec::integer("d", 64, "head width").range(8, 256).pow2(),
      ParamSpec::integer("heads", 1, "heads (head 0 is stepped)").range(1, 64),
      ParamSpec::integer("block_q", 64, "query rows per tile").range(16, 256).pow2(),
      ParamSpec::integer("block_k", 64, "key rows per tile").range(16, 256).pow2(),
      ParamSpec::boolean("causal", true, "causal mask (tiles above the diagonal are skipped)"),
      ParamSpec::choice("pattern", {"none", "local", "strided", "fixed"}, "none",
                        "sparse pattern (block layout skips tiles)"),
      ParamSpec::integer("pattern_width", 64, "window / stride / block of the pattern").range(1, 4096),
      ParamSpec::number("input_scale", 1.0, "standard deviation of Q, K, V (large values provoke big scores)")
          .range(1e-3, 1e3),
  };
  k.run = runTiles;
  registry.add(std::move(k));

  EngineKind sweep;
  sweep.name = "attention.scaling";
  sweep.version = "1.0";
  sweep.summary = "naive vs tiled vs linear attention over N: time, GFLOP/s, peak memory, error vs float64";
  sweep.schema = ParamSchema{
      ParamSpec::intList("lengths", {256, 512, 1024, 2048}, "sequence lengths N").range(16, 65536).length(1, 16),
      ParamSpec::integer("d", 64, "head width").range(8, 256).pow2(),
      ParamSpec::boolean("causal", false, "causal mask"),
      ParamSpec::integer("error_up_to", 1024, "largest N whose error is checked against float64").range(0, 16384),
  };
  sweep.run = runScaling;
  registry.add(std::move(sweep));
}

}  // namespace loupe
