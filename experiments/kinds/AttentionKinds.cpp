// `attention.tiles`: one tiled FlashAttention forward on seeded random Q/K/V,
// stepped tile by tile for head 0 so replay animates the kernel. Each step
// records the tile just processed (state, running-max range, rescale, FLOPs,
// bytes) and the grid of tile states so far (0 pending, 1 computed,
// 2 partly masked, 3 skipped, 4 the current tile) and the running row-max
// upper bound per tile; the last step adds the error against float64 naive
// attention and the naive fp32 error FlashAttention's rule compares with.
#include "experiments/kinds/AttentionKinds.h"

#include <cmath>
#include <memory>
#include <optional>
#include <random>
#include <string>

#include "engines/attention/FlashAttention.h"
#include "engines/attention/FlashAttentionCuda.h"
#include "engines/attention/LinearAttention.h"
#include "engines/attention/SparsePatterns.h"
#include "engines/core/CheckedSize.h"
#include "engines/core/DTypeConvert.h"
#include "engines/core/Error.h"
#include "engines/core/NpyRead.h"
#include "engines/core/PeakMemory.h"
#include "engines/core/Timer.h"
#include "engines/lm/LlamaModel.h"
#include "experiments/DeviceChoice.h"
#include "experiments/RunContext.h"
#include "experiments/kinds/AttentionRecords.h"
#include "experiments/kinds/ModelPrompt.h"

namespace loupe {

namespace {

using namespace loupe::attention;
using namespace loupe::attention_records;

static_assert(static_cast<int>(TileState::Computed) == kStateComputed &&
                  static_cast<int>(TileState::Partial) == kStatePartial &&
                  static_cast<int>(TileState::Skipped) == kStateSkipped,
              "AttentionRecords.h's state values are the engine's TileState");

// Q, K, V as the kernel will see them: f32 values, plus their 16-bit
// patterns when the run asks for f16/bf16 inputs (the f32 values are then
// exactly what those patterns hold).
struct Inputs {
  AttentionShape shape;
  std::vector<float> q, k, v;
  std::vector<float> original;  // Q, K, V before rounding to 16 bits (empty for f32 runs)
  std::vector<std::uint16_t> qBits, kBits, vBits;
  std::int64_t overflowed = 0;      // finite inputs that became ±inf in f16
  std::vector<std::string> tokens;  // a model's prompt, token by token (empty otherwise)
};

// Q, K, V of one head of one layer of a model on a prompt: what the model's
// own forward pass computes (after RoPE; K and V of the head's K/V group).
void modelInputs(RunContext& ctx, Inputs& in) {
  const LoadedModel loaded = loadModel(ctx.paramString("model"));
  const auto& ck = loaded.checkpoint;
  const lm::LlamaConfig& c = ck->config;
  const int layer = static_cast<int>(ctx.paramInt("layer")), head = static_cast<int>(ctx.paramInt("head"));
  if (layer >= c.layers)
    throw InputError("params.layer",
                     std::to_string(layer) + " is not below the model's " + std::to_string(c.layers) + " layers");
  if (head >= c.heads)
    throw InputError("params.head", std::to_string(head) + " is not below the model's " + std::to_string(c.heads) +
                                        " attention heads");
  const std::vector<int> ids = loaded.promptIds(ctx.paramString("prompt"), "params.prompt");
  in.tokens = loaded.texts(ids);
  const int T = static_cast<int>(ids.size()), hd = c.headDim(), kvHead = head / (c.heads / c.kvHeads);
  lm::LlamaModel model(ck, T);
  model.setCapture([&](const lm::LayerCapture& cap) {
    if (cap.layer != layer) return;
    const std::size_t q0 = static_cast<std::size_t>(head) * T * hd, k0 = static_cast<std::size_t>(kvHead) * T * hd;
    in.q.assign(cap.q + q0, cap.q + q0 + static_cast<std::size_t>(T) * hd);
    in.k.assign(cap.k + k0, cap.k + k0 + static_cast<std::size_t>(T) * hd);
    in.v.assign(cap.v + k0, cap.v + k0 + static_cast<std::size_t>(T) * hd);
  });
  model.forward(ids);
  in.shape = AttentionShape{1, T, T, hd, hd};
}

// One .npy operand as heads × rows × width f32 (2-D files are one head).
std::vector<float> loadOperand(const std::string& field, const std::string& file, Shape& shape) {
  Array a;
  try {
    a = readNpy(file);
  } catch (const InputError& e) {
    throw InputError("params." + field, e.what());
  }
  if (a.ndim() == 2) a = Array::copyOf(ArrayView(a.view().data(), a.dtype(), {1, a.shape()[0], a.shape()[1]}));
  if (a.ndim() != 3)
    throw InputError("params." + field,
                     file + ": expected (rows, width) or (heads, rows, width), got shape " + shapeToString(a.shape()));
  if (a.dtype() != DType::F32 && a.dtype() != DType::F64 && a.dtype() != DType::F16)
    throw InputError("params." + field,
                     file + ": expected float16, float32 or float64 values, got " + std::string(dtypeName(a.dtype())));
  shape = a.shape();
  return toFloat32(a.view());
}

Inputs makeInputs(RunContext& ctx) {
  Inputs in;
  const std::string qFile = ctx.paramString("q_npy"), kFile = ctx.paramString("k_npy"),
                    vFile = ctx.paramString("v_npy");
  if (!ctx.paramString("model").empty()) {
    if (!qFile.empty() || !kFile.empty() || !vFile.empty())
      throw InputError("params.model", "a model and .npy files cannot both give Q, K and V");
    modelInputs(ctx, in);
  } else if (qFile.empty() && kFile.empty() && vFile.empty()) {
    const int n = static_cast<int>(ctx.paramInt("n")), d = static_cast<int>(ctx.paramInt("d"));
    const int heads = static_cast<int>(ctx.paramInt("heads"));
    // Q, K, V in float32 and float64 (the reference's copies), the three
    // outputs (kernel, float32 and float64 references) and a 16-bit run's
    // original values: refused before any of it is allocated.
    const std::uint64_t perValue = 3 * (4 + 8) + (4 + 4 + 8) + 3 * 4;
    checkWithinBudget(
        static_cast<std::uint64_t>(heads) * n * d * perValue, heads > 1 ? "params.heads" : "params.n",
        "attention.tiles at n=" + std::to_string(n) + ", d=" + std::to_string(d) + ", heads=" + std::to_string(heads));
    in.shape = AttentionShape{heads, n, n, d, d};
    std::mt19937 rng(static_cast<std::uint32_t>(ctx.seed()));
    std::normal_distribution<float> g(0.0f, static_cast<float>(ctx.paramFloat("input_scale")));
    in.q.resize(static_cast<std::size_t>(in.shape.heads) * n * d);
    in.k.resize(in.q.size());
    in.v.resize(in.q.size());
    for (auto* x : {&in.q, &in.k, &in.v})
      for (auto& e : *x) e = g(rng);
  } else {
    for (const auto& [field, file] : {std::pair{"q_npy", qFile}, {"k_npy", kFile}, {"v_npy", vFile}})
      if (file.empty())
        throw InputError(std::string("params.") + field, "Q, K and V files go together: this one is empty");
    Shape qs, ks, vs;
    in.q = loadOperand("q_npy", qFile, qs);
    in.k = loadOperand("k_npy", kFile, ks);
    in.v = loadOperand("v_npy", vFile, vs);
    if (ks[0] != qs[0] || ks[2] != qs[2])
      throw InputError("params.k_npy", kFile + ": shape " + shapeToString(ks) + " does not fit Q's " +
                                           shapeToString(qs) + " (same heads and width needed)");
    if (vs[0] != ks[0] || vs[1] != ks[1])
      throw InputError("params.v_npy", vFile + ": shape " + shapeToString(vs) + " does not fit K's " +
                                           shapeToString(ks) + " (same heads and rows needed)");
    for (const auto& [field, extent] :
         {std::pair{"q_npy", qs[1]}, {"k_npy", ks[1]}, {"q_npy", qs[2]}, {"v_npy", vs[2]}})
      if (extent < 1 || extent > 65536)
        throw InputError(std::string("params.") + field, "every extent must be between 1 and 65536");
    in.shape = AttentionShape{static_cast<int>(qs[0]), static_cast<int>(qs[1]), static_cast<int>(ks[1]),
                              static_cast<int>(qs[2]), static_cast<int>(vs[2])};
  }
  const std::string dtype = ctx.paramString("input_dtype");
  if (dtype != "f32") {
    const bool half = dtype == "f16";
    in.original = in.q;
    in.original.insert(in.original.end(), in.k.begin(), in.k.end());
    in.original.insert(in.original.end(), in.v.begin(), in.v.end());
    auto round = [&](std::vector<float>& x, std::vector<std::uint16_t>& bits) {
      bits.resize(x.size());
      for (std::size_t i = 0; i < x.size(); ++i) {
        bits[i] = half ? floatToHalfBits(x[i]) : floatToBfloat16Bits(x[i]);
        const float held = half ? halfBitsToFloat(bits[i]) : bfloat16BitsToFloat(bits[i]);
        in.overflowed += std::isfinite(x[i]) && !std::isfinite(held);
        x[i] = held;
      }
    };
    round(in.q, in.qBits);
    round(in.k, in.kBits);
    round(in.v, in.vBits);
  }
  return in;
}

// The largest |a − b|; a NaN anywhere makes it infinite (std::max would
// drop it and report a broken output as exact).
template <class A, class B>
double maxAbsDifference(const std::vector<A>& a, const std::vector<B>& b) {
  double worst = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const double e = std::fabs(static_cast<double>(a[i]) - static_cast<double>(b[i]));
    worst = std::isnan(e) ? INFINITY : std::max(worst, e);
  }
  return worst;
}

void runTiles(RunContext& ctx) {
  Inputs in = makeInputs(ctx);
  const AttentionShape shape = in.shape;
  const int n = shape.n, d = shape.d;
  const std::vector<float>&q = in.q, &k = in.k, &v = in.v;

  FlashOptions opt;
  opt.blockQ = static_cast<int>(ctx.paramInt("block_q"));
  opt.blockK = static_cast<int>(ctx.paramInt("block_k"));
  opt.causal = ctx.paramBool("causal");
  const std::string pattern = ctx.paramString("pattern");
  const int width = static_cast<int>(ctx.paramInt("pattern_width"));
  const int qBlocks = (n + opt.blockQ - 1) / opt.blockQ, kBlocks = (shape.m + opt.blockK - 1) / opt.blockK;
  // pattern "blocks": the edited tile layout, parsed once; whole tiles, so
  // the block mask alone drives the kernel (no element test inside).
  std::vector<std::uint8_t> layout;
  if (pattern == "blocks")
    layout = parseBlockLayout(ctx.paramString("block_layout"), qBlocks, kBlocks, "params.block_layout",
                              " for n=" + std::to_string(n) + ", m=" + std::to_string(shape.m) + ", block_q=" +
                                  std::to_string(opt.blockQ) + ", block_k=" + std::to_string(opt.blockK));
  KeepFn keep = pattern == "local"     ? localPattern(width)
                : pattern == "strided" ? stridedPattern(width)
                : pattern == "fixed"   ? fixedPattern(width, std::max(1, width / 8))
                : pattern == "blocks"  ? blockSparsePattern(layout, opt.blockQ, opt.blockK, kBlocks)
                                       : KeepFn();
  if (pattern == "blocks") {
    opt.blockMask = &layout;
  } else if (keep) {
    layout = blockLayout(keep, n, shape.m, opt.blockQ, opt.blockK);
    opt.blockMask = &layout;
    opt.keep = &keep;
  }
  TileTrace trace;
  const Stopwatch clock;
  const DType inputType = dtypeFromName(ctx.paramString("input_dtype")).value_or(DType::F32);
  // On a CUDA run the GPU kernel (its trace from device counters); the CPU
  // when there is none or the kernel cannot take this run (DeviceChoice.h).
  DeviceChoice device(ctx);
  const auto flash = device.run(
      [&] {
        return inputType == DType::F32 ? flashAttentionCuda(q.data(), k.data(), v.data(), shape, opt, &trace)
                                       : flashAttentionCuda(in.qBits.data(), in.kBits.data(), in.vBits.data(),
                                                            inputType, shape, opt, &trace);
      },
      [&] {
        return inputType == DType::F32
                   ? flashAttention(q.data(), k.data(), v.data(), shape, opt, &trace)
                   : flashAttention(in.qBits.data(), in.kBits.data(), in.vBits.data(), inputType, shape, opt, &trace);
      });
  const double flashMs = clock.milliseconds();

  // Errors against float64 (and the naive fp32 baseline).
  std::vector<double> q64(q.begin(), q.end()), k64(k.begin(), k.end()), v64(v.begin(), v.end());
  const double scale = defaultScale(d);
  const auto ref = naiveAttention(q64.data(), k64.data(), v64.data(), shape, scale, opt.causal, keep);
  const auto naive32 = naiveAttention(q.data(), k.data(), v.data(), shape, scale, opt.causal, keep);
  const double flashErr = maxAbsDifference(flash.out, ref.out);
  const double naiveErr = maxAbsDifference(naive32.out, ref.out);
  // What rounding the inputs to 16 bits costs, before any arithmetic: float64
  // attention of the original values against that of the rounded ones.
  double roundingErr = 0;
  if (!in.original.empty()) {
    const std::size_t nq = q.size(), nk = k.size();
    const std::vector<double> oq(in.original.begin(), in.original.begin() + nq),
        ok(in.original.begin() + nq, in.original.begin() + nq + nk),
        ov(in.original.begin() + nq + nk, in.original.end());
    roundingErr =
        maxAbsDifference(naiveAttention(oq.data(), ok.data(), ov.data(), shape, scale, opt.causal, keep).out, ref.out);
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
    if (prevIndex >= 0 && tileCellOf(states.data<float>()[prevIndex]) == TileCell::Current) {
      const auto& prev = trace.events[static_cast<std::size_t>(step - 1)];
      states.data<float>()[prevIndex] = tileCellCode(tileCellOfState(static_cast<int>(prev.state)));
    }
    states.data<float>()[index] = tileCellCode(TileCell::Current);
    if (e.state != TileState::Skipped) maxima.data<float>()[index] = e.maxAfterHi;
    prevIndex = index;
    flops += e.flops;
    bytes += e.bytesRead;
    skipped += e.state == TileState::Skipped;
    StepRecord r;
    r.step = step;
    r.metric(kQBlock, e.qBlock)
        .metric(kKBlock, e.kBlock)
        .metric(kState, static_cast<double>(e.state))
        .metric(kRescale, e.rescale)
        .metric(kRunningMax, e.state == TileState::Skipped ? NAN : e.maxAfterHi)
        .metric(kFlopsSoFar, static_cast<double>(flops))
        .metric(kBytesSoFar, static_cast<double>(bytes))
        .metric(kTilesSkipped, static_cast<double>(skipped));
    r.array(kTileStates, states).array(kTileRunningMax, maxima);
    if (step == 0) {
      device.annotate(r);
      if (!in.tokens.empty()) {
        recordTexts(r, kTokenPieces, kTokenPieceLengths, in.tokens);
        r.metric(kLayer, static_cast<double>(ctx.paramInt("layer")))
            .metric(kHead, static_cast<double>(ctx.paramInt("head")));
      }
    }
    if (step + 1 == perHead) {
      r.metric(kMaxError, flashErr).metric(kNaiveError, naiveErr).metric(kForwardMs, flashMs);
      // The kernel's own output, head 0: n × dv, exportable as .npy.
      r.array(kOutput,
              Array::fromValues<float>(
                  {n, shape.dv}, std::span<const float>(flash.out.data(), static_cast<std::size_t>(n) * shape.dv)));
      if (!in.original.empty())
        r.metric(kInputRoundingError, roundingErr).metric(kInputsOverflowed, static_cast<double>(in.overflowed));
      // The attention map the kernel never stores: head 0, the first 256 queries × keys.
      const int rowsShown = std::min(n, 256), colsShown = std::min(shape.m, 256);
      r.array(kAttentionMap,
              Array::fromValues<float>({rowsShown, colsShown}, std::span<const float>(attentionProbabilities(
                                                                   q.data(), k.data(), shape, scale, opt.causal, keep,
                                                                   0, 0, rowsShown, 0, colsShown))));
    }
    ctx.emitStep(std::move(r));
    ctx.progress(static_cast<double>(step + 1) / static_cast<double>(perHead), "tile " + std::to_string(step + 1));
    ++step;
  }
}

// `attention.scaling`: each method at each N, one step per point: time,
// GFLOP/s (4·N²·d), peak memory above the inputs, and the error against the
// float64 naive reference where that is affordable (N ≤ error_up_to).
void runScaling(RunContext& ctx) {
  const int d = static_cast<int>(ctx.paramInt("d"));
  const bool causal = ctx.paramBool("causal");
  const std::int64_t errorUpTo = ctx.paramInt("error_up_to");
  const auto lengths = ctx.params().at("lengths").get<std::vector<int>>();
  const std::vector<std::string> methods(kScalingMethods.begin(), kScalingMethods.end());
  std::int64_t step = 0, done = 0;  // steps recorded; (length, method) pairs done, skipped ones too
  const std::int64_t total = static_cast<std::int64_t>(lengths.size() * methods.size());
  for (int n : lengths) {
    const AttentionShape shape{1, n, n, d, d};
    std::mt19937 rng(static_cast<std::uint32_t>(ctx.seed()) + static_cast<std::uint32_t>(n));
    std::normal_distribution<float> g;
    std::vector<float> q(static_cast<std::size_t>(n) * d), k(q.size()), v(q.size());
    for (auto* x : {&q, &k, &v}) {
      ctx.throwIfCancelled();  // up to 2^24 draws each
      for (auto& e : *x) e = g(rng);
    }
    std::optional<AttentionResult<double>> ref;
    if (n <= errorUpTo) {
      std::vector<double> q64(q.begin(), q.end()), k64(k.begin(), k.end()), v64(v.begin(), v.end());
      ref = naiveAttention(q64.data(), k64.data(), v64.data(), shape, defaultScale(d), causal);
    }
    for (std::size_t mi = 0; mi < methods.size(); ++mi) {
      ctx.throwIfCancelled();
      const std::string& method = methods[mi];
      // Process-wide (engines/core/PeakMemory.h): the high-water mark restarts for
      // the whole process, so that the next reading is this method's peak.
      resetPeakResident(HeapTrim::Yes);
      const double before = residentMegabytes();
      const Stopwatch clock;
      std::vector<float> out;
      if (method == "naive") {
        // Skipped where its n × n matrix would not fit comfortably (> 4 GiB).
        if (static_cast<double>(n) * n * 4 > 4.0 * (1u << 30)) {
          ctx.progress(static_cast<double>(++done) / static_cast<double>(total),
                       "naive skipped at N=" + std::to_string(n) + ": its N×N matrix exceeds 4 GiB");
          continue;
        }
        out = standardAttention(q.data(), k.data(), v.data(), shape, defaultScale(d), causal).out;
      } else if (method == "tiled") {
        FlashOptions opt;
        opt.causal = causal;
        out = flashAttention(q.data(), k.data(), v.data(), shape, opt).out;
      } else {
        out = linearAttention(q.data(), k.data(), v.data(), shape, FeatureMap::EluPlusOne, causal);
      }
      const double seconds = clock.seconds();
      const double peak = peakResidentMegabytes() - before;
      StepRecord r;
      r.step = step++;
      const double flops = 4.0 * n * static_cast<double>(n) * d * (causal ? 0.5 : 1.0);
      r.metric(kN, n)
          .metric(kMethod, static_cast<double>(mi))
          .metric("time_ms", seconds * 1e3)
          .metric(timeMsOf(method), seconds * 1e3)
          .metric("gflops", flops / seconds / 1e9)
          .metric(peakMbOf(method), std::max(0.0, peak));
      // Linear attention is a different function: its error against softmax
      // attention measures the approximation, not rounding.
      if (ref && method != "linear") r.metric(maxErrorOf(method), maxAbsDifference(out, ref->out));
      ctx.emitStep(std::move(r));
      ctx.progress(static_cast<double>(++done) / static_cast<double>(total), method + " N=" + std::to_string(n));
    }
  }
}

}  // namespace

void registerAttentionKinds(KindRegistry& registry) {
  EngineKind k;
  k.name = "attention.tiles";
  k.version = "1.2";  // 1.2: Q/K/V from a model; the kernel's output O recorded
  k.summary =
      "tiled FlashAttention forward on random, file or a model's Q/K/V, stepped tile by tile, with its error "
      "vs float64";
  k.schema = ParamSchema{
      ParamSpec::integer("n", 512, "sequence length").range(16, 16384),
      ParamSpec::integer("d", 64, "head width").range(8, 256).pow2(),
      ParamSpec::integer("heads", 1, "heads (head 0 is stepped)").range(1, 64),
      ParamSpec::integer("block_q", 64, "query rows per tile").range(16, 256).pow2(),
      ParamSpec::integer("block_k", 64, "key rows per tile").range(16, 256).pow2(),
      ParamSpec::boolean("causal", true, "causal mask (tiles above the diagonal are skipped)"),
      ParamSpec::choice("pattern", {"none", "local", "strided", "fixed", "blocks"}, "none",
                        "sparse pattern (block layout skips tiles); blocks: the tiles of block_layout"),
      ParamSpec::integer("pattern_width", 64, "window / stride / block of the pattern").range(1, 4096),
      ParamSpec::text("block_layout", "",
                      "pattern blocks: one row of 0/1 per query block, '/' between rows (1 = tile kept)"),
      ParamSpec::number("input_scale", 1.0, "standard deviation of Q, K, V (large values provoke big scores)")
          .range(1e-3, 1e5),
      ParamSpec::choice("input_dtype", {"f32", "f16", "bf16"}, "f32",
                        "element type the kernel reads (f16/bf16: rounded to nearest even, f32 accumulation)"),
      ParamSpec::text("model", "",
                      "a checkpoint folder or shipped model name: Q, K, V of `head` in `layer` on `prompt` "
                      "(replaces n, d, heads and the random inputs)"),
      ParamSpec::integer("layer", 0, "the model's layer").range(0, 1023),
      ParamSpec::integer("head", 0, "the model's attention head").range(0, 1023),
      ParamSpec::text("prompt", "telescope: an optical instrument for making distant objects appear nearer",
                      "the text the model reads"),
      ParamSpec::text("q_npy", "",
                      ".npy of real Q, (n, d) or (heads, n, d); replaces n, d, heads and the random inputs"),
      ParamSpec::text("k_npy", "", ".npy of K, (m, d) or (heads, m, d)"),
      ParamSpec::text("v_npy", "", ".npy of V, (m, dv) or (heads, m, dv)"),
  };
  k.run = runTiles;
  k.supportsCuda = true;  // d = 64 or 128, 64 × 64 tiles, no sparse pattern; else the CPU, saying why
  registry.add(std::move(k));

  EngineKind sweep;
  sweep.name = "attention.scaling";
  sweep.version = "1.1";
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
