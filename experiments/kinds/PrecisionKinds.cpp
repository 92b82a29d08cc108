// Engine kinds of the precision topic:
// - `precision.tensor_stats`: every tensor of a file (.npy, .npz,
//   safetensors) or one generated distribution, through fp16, bf16, E4M3 and
//   E5M2. One step per tensor: its name (UTF-8 bytes in `tensor_name`), the
//   exponent histogram of its values, per format the counts and fractions
//   of overflow, underflow, subnormal results and NaN/inf already present,
//   the relative rounding error (max, mean, histogram by binary exponent),
//   and — for 2-D tensors when asked — overflow and underflow per channel
//   (the last axis).
// - `precision.train`: the emulated mixed-precision MLP on scikit-learn's
//   digits in several configurations (fp32, fp16, fp16 with loss scaling,
//   bf16, …) from the same seed; each logged step carries every
//   configuration's loss, accuracy, loss scale, skipped steps and per-layer
//   overflow/underflow counts (metrics prefixed by the configuration), the
//   last step their final train/test loss and accuracy.
#include "experiments/kinds/PrecisionKinds.h"

#include <cmath>
#include <functional>
#include <memory>
#include <random>
#include <sstream>
#include <type_traits>

#include "engines/core/CheckedSize.h"
#include "engines/core/DTypeConvert.h"
#include "engines/core/Error.h"
#include "engines/core/MappedSafetensors.h"
#include "engines/core/TensorFiles.h"
#include "engines/lm/LlamaModel.h"
#include "engines/precision/Format.h"
#include "engines/precision/MixedPrecisionMlp.h"
#include "engines/precision/TensorStats.h"
#include "experiments/RunContext.h"
#include "experiments/kinds/ModelPrompt.h"
#include "experiments/kinds/PrecisionRecords.h"

namespace loupe {

namespace {

using namespace loupe::precision;
namespace rec = loupe::precision_records;
static_assert(rec::kMinExponent == TensorStats::kMinExponent && rec::kExponentBins == TensorStats::kExponentBins &&
                  rec::kMinErrorExponent == TensorStats::kMinErrorExponent &&
                  rec::kErrorBins == TensorStats::kErrorBins,
              "PrecisionRecords.h's histogram bins are the engine's");
static_assert(rec::kLayers == std::extent_v<decltype(StepLog::layers)>, "PrecisionRecords.h's layers are the MLP's");

std::vector<NamedTensor> generated(RunContext& ctx) {
  const auto count = static_cast<std::size_t>(ctx.paramInt("count"));
  const double scale = ctx.paramFloat("scale");
  const std::string source = ctx.paramString("source");
  std::mt19937_64 rng(ctx.seed());
  std::normal_distribution<double> normal;
  std::uniform_real_distribution<double> uniform(-1.0, 1.0);
  const double sigma = ctx.paramFloat("sigma");
  std::vector<float> v(count);
  // In slices of 2^20 values with a cancel poll between: 10^8 lognormal
  // draws take seconds.
  constexpr std::size_t kSlice = std::size_t{1} << 20;
  for (std::size_t begin = 0; begin < count; begin += kSlice) {
    ctx.throwIfCancelled();
    const auto first = v.begin() + static_cast<std::ptrdiff_t>(begin);
    const auto last = v.begin() + static_cast<std::ptrdiff_t>(std::min(count, begin + kSlice));
    if (source == "normal")
      for (auto e = first; e != last; ++e) *e = static_cast<float>(scale * normal(rng));
    if (source == "uniform")
      for (auto e = first; e != last; ++e) *e = static_cast<float>(scale * uniform(rng));
    if (source == "lognormal")  // lognormal magnitudes with a random sign: decades of range, like gradients
      for (auto e = first; e != last; ++e)
        *e = static_cast<float>(scale * std::exp(sigma * normal(rng)) * (uniform(rng) < 0 ? -1 : 1));
  }
  return {{source, Array::fromValues<float>({static_cast<std::int64_t>(count)}, v)}};
}

// One tensor to take through the formats: its name, shape, and its values
// widened to f32 when asked (a checkpoint's weights one at a time, so a
// model larger than memory in f32 still goes through).
struct TensorItem {
  std::string name;
  Shape shape;
  std::function<std::vector<float>()> values;
};

void addTensors(std::vector<TensorItem>& items, const std::vector<NamedTensor>& tensors, const std::string& field) {
  for (const NamedTensor& t : tensors)
    items.push_back({t.name, t.array.shape(), [&t, field] {
                       if (t.array.dtype() == DType::Bool)
                         throw InputError(field, "tensor '" + t.name + "' holds booleans, not numbers");
                       return toFloat32(t.array.view());
                     }});
}

// A checkpoint's weights, by name in file order, and what its layers compute
// on `prompt` (LayerCapture: Q, K, V after RoPE, attention output, MLP
// activations, residual stream) — real activations, outliers included.
std::vector<NamedTensor> captureActivations(const LoadedModel& loaded, const std::string& prompt) {
  const auto& ck = loaded.checkpoint;
  const std::vector<int> ids = loaded.promptIds(prompt, "params.prompt");
  const lm::LlamaConfig& c = ck->config;
  const auto T = static_cast<std::int64_t>(ids.size());
  std::vector<NamedTensor> out;
  lm::LlamaModel model(ck, static_cast<int>(ids.size()));
  model.setCapture([&](const lm::LayerCapture& cap) {
    const std::string p = "activations.layers." + std::to_string(cap.layer) + ".";
    auto add = [&](const std::string& name, const float* data, Shape shape) {
      out.push_back({p + name, Array::copyOf(ArrayView(data, DType::F32, std::move(shape)))});
    };
    add("q", cap.q, {c.heads, T, c.headDim()});
    add("k", cap.k, {c.kvHeads, T, c.headDim()});
    add("v", cap.v, {c.kvHeads, T, c.headDim()});
    add("attention", cap.attention, {T, c.heads * c.headDim()});
    add("mlp", cap.mlp, {T, c.intermediate});
    add("residual", cap.residual, {T, c.hidden});
  });
  model.forward(ids);
  return out;
}

void runTensorStats(RunContext& ctx) {
  std::vector<NamedTensor> tensors;
  std::vector<TensorItem> items;
  LoadedModel loaded;  // source "model": the views below read its mapping
  const std::string source = ctx.paramString("source");
  if (source == "file") {
    const std::string file = ctx.paramString("file");
    if (file.empty()) throw InputError("params.file", "source 'file' needs a .npy, .npz or .safetensors file");
    try {
      tensors = readTensorFile(file);
    } catch (const InputError& e) {
      throw InputError("params.file", e.what());
    }
    if (tensors.empty()) throw InputError("params.file", file + ": holds no tensors");
    addTensors(items, tensors, "params.file");
  } else if (source == "model") {
    loaded = loadModel(ctx.paramString("model"));
    for (const auto& f : loaded.checkpoint->files)
      for (const std::string& name : f->names()) {
        const MappedSafetensors* file = f.get();
        const ArrayView view = file->view(name);
        checkWithinBudget(checkedShapeBytes(view.shape(), 4, "params.model"), "params.model",
                          "tensor " + name + " widened to float32");
        items.push_back({name, view.shape(), [file, name] { return toFloat32(file->view(name)); }});
      }
    tensors = captureActivations(loaded, ctx.paramString("prompt"));
    addTensors(items, tensors, "params.model");
  } else {
    tensors = generated(ctx);
    addTensors(items, tensors, "params.source");
  }
  const bool perChannel = ctx.paramBool("per_channel");
  std::int64_t step = 0;
  for (const TensorItem& t : items) {
    ctx.throwIfCancelled();
    const std::vector<float> values = t.values();
    StepRecord r;
    r.step = step++;
    r.textArray(rec::kTensorName, t.name);
    r.vector(rec::kShape, std::vector<std::int64_t>(t.shape.begin(), t.shape.end()));
    r.metric(rec::kElements, static_cast<double>(values.size()));
    bool first = true;
    for (const char* name : rec::kFormats) {
      const Format f = formatFromName(name);  // the record's names are the engine's
      const TensorStats s = tensorStats(values.data(), values.size(), f);
      const std::string p = name;
      const double n = std::max<double>(1.0, static_cast<double>(s.count));
      if (first) {
        r.vector(rec::kExponentHistogram, s.exponentHistogram);
        r.metric(rec::kNan, static_cast<double>(s.nans)).metric(rec::kInf, static_cast<double>(s.infinities));
        r.metric(rec::kZeros, static_cast<double>(s.zeros));
        first = false;
      }
      // The format's range as log2, for the histogram's shaded bands.
      const Limits lim = limits(f);
      r.metric(rec::log2MaxOf(p), std::log2(lim.max)).metric(rec::log2MinNormalOf(p), std::log2(lim.minNormal));
      r.metric(rec::log2MinSubnormalOf(p), std::log2(lim.minSubnormal));
      // Where the exponent histogram's bins (bin k: |x| ∈ [2^k, 2^(k+1)))
      // stop rounding: below half the smallest subnormal values go to 0, so
      // bins under log2(min subnormal) − 1 underflow; max lies in bin
      // ⌊log2 max⌋ and every bin above overflows.
      r.metric(rec::underflowEdgeOf(p), std::log2(lim.minSubnormal) - 1);
      r.metric(rec::overflowEdgeOf(p), std::floor(std::log2(lim.max)) + 1);
      r.metric(rec::overflowOf(p), static_cast<double>(s.overflow)).metric(rec::overflowFracOf(p), s.overflow / n);
      r.metric(rec::underflowOf(p), static_cast<double>(s.underflow)).metric(rec::underflowFracOf(p), s.underflow / n);
      r.metric(rec::subnormalOf(p), static_cast<double>(s.subnormal)).metric(rec::subnormalFracOf(p), s.subnormal / n);
      r.metric(rec::maxRelErrorOf(p), s.maxRelativeError).metric(rec::meanRelErrorOf(p), s.meanRelativeError());
      r.vector(rec::errorHistogramOf(p), s.errorHistogram);
      if (perChannel && t.shape.size() == 2) {
        const auto rows = static_cast<std::size_t>(t.shape[0]);
        const auto cols = static_cast<std::size_t>(t.shape[1]);
        std::vector<double> over(cols), under(cols);
        const auto channels = perChannelStats(values.data(), rows, cols, f);
        for (std::size_t c = 0; c < cols; ++c) {
          over[c] = static_cast<double>(channels[c].overflow) / static_cast<double>(std::max<std::size_t>(rows, 1));
          under[c] = static_cast<double>(channels[c].underflow) / static_cast<double>(std::max<std::size_t>(rows, 1));
        }
        r.array(rec::channelOverflowFracOf(p), Array::fromValues<double>({static_cast<std::int64_t>(cols)}, over));
        r.array(rec::channelUnderflowFracOf(p), Array::fromValues<double>({static_cast<std::int64_t>(cols)}, under));
      }
    }
    ctx.emitStep(std::move(r));
    ctx.progress(static_cast<double>(step) / static_cast<double>(items.size()), t.name);
  }
}

// "fp32", "fp16", "fp16_scaled", "bf16", "bf16_scaled".
TrainConfig configFromName(const std::string& name) {
  TrainConfig c;
  const auto cut = name.find(rec::kScaledSuffix);
  const std::string format = name.substr(0, cut);
  if (format != "fp32" && format != "fp16" && format != "bf16")
    throw InputError("params.configs", "'" + name + "': expected fp32, fp16, fp16_scaled, bf16 or bf16_scaled");
  if (cut != std::string::npos && name.substr(cut) != rec::kScaledSuffix)
    throw InputError("params.configs", "'" + name + "': expected fp32, fp16, fp16_scaled, bf16 or bf16_scaled");
  c.format = formatFromName(format);
  c.lossScaling = cut != std::string::npos;
  return c;
}

void runTrain(RunContext& ctx) {
  const std::string file = ctx.paramString("digits_file");
  Digits data;
  try {
    data = loadDigits(file.empty() ? defaultDigitsPath() : std::filesystem::path(file));
  } catch (const InputError& e) {
    throw InputError("params.digits_file", e.what());
  }
  std::vector<std::string> names;
  {
    std::stringstream list(ctx.paramString("configs"));
    std::string item;
    while (std::getline(list, item, ','))
      if (!item.empty()) names.push_back(item);
  }
  if (names.empty()) throw InputError("params.configs", "names no configuration");
  for (const auto& n : names) (void)configFromName(n);  // all checked before any trains
  std::vector<std::vector<StepLog>> logs;
  std::vector<TrainResult> results;
  for (std::size_t k = 0; k < names.size(); ++k) {
    TrainConfig c = configFromName(names[k]);
    c.hidden = static_cast<int>(ctx.paramInt("hidden"));
    c.batch = static_cast<int>(ctx.paramInt("batch"));
    c.steps = static_cast<int>(ctx.paramInt("steps"));
    c.learningRate = ctx.paramFloat("learning_rate");
    c.lossWeight = ctx.paramFloat("loss_weight");
    c.scaler.initialScale = ctx.paramFloat("initial_scale");
    c.scaler.growthInterval = static_cast<int>(ctx.paramInt("growth_interval"));
    c.seed = ctx.seed();
    c.logEvery = static_cast<int>(ctx.paramInt("log_every"));
    logs.emplace_back();
    results.push_back(trainMlp(data, c, [&](const StepLog& l) {
      ctx.throwIfCancelled();
      logs.back().push_back(l);
    }));
    ctx.progress(static_cast<double>(k + 1) / static_cast<double>(names.size()), names[k]);
  }
  // One record per logged step, every configuration's figures side by side.
  for (std::size_t i = 0; i < logs.front().size(); ++i) {
    StepRecord r;
    r.step = logs.front()[i].step;
    for (std::size_t k = 0; k < names.size(); ++k) {
      const StepLog& l = logs[k][i];
      const std::string& p = names[k];
      r.metric(rec::configMetric(p, rec::kLoss), l.loss).metric(rec::configMetric(p, rec::kAccuracy), l.accuracy);
      r.metric(rec::configMetric(p, rec::kLossScale), l.scale);
      r.metric(rec::configMetric(p, rec::kSkippedSteps), static_cast<double>(l.skippedSoFar));
      std::int64_t lost = 0, nonzero = 0;
      for (int layer = 0; layer < rec::kLayers; ++layer) {
        const LayerCounts& c = l.layers[layer];
        auto q = [&](const char* what) { return rec::layerMetric(p, layer + 1, what); };
        r.metric(q(rec::kWeightUnderflow), static_cast<double>(c.weightUnderflow));
        r.metric(q(rec::kActivationOverflow), static_cast<double>(c.activationOverflow));
        r.metric(q(rec::kActivationUnderflow), static_cast<double>(c.activationUnderflow));
        r.metric(q(rec::kGradientOverflow), static_cast<double>(c.gradientOverflow));
        r.metric(q(rec::kGradientUnderflow), static_cast<double>(c.gradientUnderflow));
        lost += c.gradientUnderflow, nonzero += c.gradientNonzero;
      }
      r.metric(rec::configMetric(p, rec::kGradientUnderflowFrac),
               nonzero ? static_cast<double>(lost) / static_cast<double>(nonzero) : 0.0);
      if (i + 1 == logs.front().size()) {
        const TrainResult& t = results[k];
        r.metric(rec::configMetric(p, rec::kFinalTrainLoss), t.trainLoss)
            .metric(rec::configMetric(p, rec::kFinalTrainAccuracy), t.trainAccuracy);
        r.metric(rec::configMetric(p, rec::kFinalTestLoss), t.testLoss)
            .metric(rec::configMetric(p, rec::kFinalTestAccuracy), t.testAccuracy);
        r.metric(rec::configMetric(p, rec::kFinalGradientUnderflowFrac), t.gradientUnderflowFraction);
      }
    }
    ctx.emitStep(std::move(r));
  }
}

}  // namespace

void registerPrecisionKinds(KindRegistry& registry) {
  EngineKind k;
  k.name = "precision.tensor_stats";
  k.version = "1.2";  // 1.1: the histogram's band edges per format; 1.2: source "model"
  k.summary =
      "every tensor of a file (or a generated distribution) through fp16, bf16, e4m3, e5m2: what overflows, "
      "underflows, goes subnormal, and the rounding error";
  k.schema = ParamSchema{
      ParamSpec::choice("source", {"file", "model", "normal", "lognormal", "uniform"}, "lognormal",
                        "a tensor file, a model's weights and activations, or seeded values from a distribution"),
      ParamSpec::text("file", "", ".npy, .npz or .safetensors (source 'file')"),
      ParamSpec::text("model", "", "source 'model': a checkpoint folder or shipped model name (empty: loupe-llama-2m)"),
      ParamSpec::text("prompt", "telescope: an optical instrument for making distant objects appear nearer",
                      "source 'model': the text whose activations are captured"),
      ParamSpec::integer("count", 1000000, "generated values").range(1, 100000000),
      ParamSpec::number("scale", 1.0, "generated: standard deviation / half-width / median magnitude")
          .range(1e-30, 1e30),
      ParamSpec::number("sigma", 4.0, "lognormal: spread of ln|x| (4 ≈ ±7 decades at 4σ)").range(0.01, 20),
      ParamSpec::boolean("per_channel", false, "2-D tensors: overflow and underflow per column too"),
  };
  k.run = runTensorStats;
  // No CUDA path: the rounding-error statistics need the CPU pass, which
  // counts the outcomes as it goes, so the GPU's range counts
  // (engines/precision/RangeCounts.h) would only repeat that work.
  registry.add(std::move(k));

  EngineKind t;
  t.name = "precision.train";
  t.version = "1.0";
  t.summary =
      "a small MLP on scikit-learn's digits in fp32, fp16 (with and without loss scaling) and bf16: loss, "
      "accuracy, loss scale, gradients lost to underflow";
  t.schema = ParamSchema{
      ParamSpec::text("configs", "fp32,fp16,fp16_scaled,bf16",
                      "configurations trained from the same seed, comma-separated: fp32, fp16, fp16_scaled, bf16, "
                      "bf16_scaled"),
      ParamSpec::integer("steps", 3000, "SGD steps").range(1, 200000),
      ParamSpec::integer("batch", 32, "images per step").range(1, 1500),
      ParamSpec::integer("hidden", 64, "hidden units").range(1, 1024),
      ParamSpec::number("learning_rate", 0.1, "SGD step").range(1e-6, 10),
      ParamSpec::number("loss_weight", 1.0,
                        "the loss is multiplied by this (a down-weighted or token-averaged loss has small gradients)")
          .range(1e-12, 1e6),
      ParamSpec::number("initial_scale", 65536.0, "GradScaler's initial loss scale").range(1, 1e30),
      ParamSpec::integer("growth_interval", 2000, "clean steps before the scale doubles").range(1, 1000000),
      ParamSpec::integer("log_every", 10, "record every n-th step").range(1, 100000),
      ParamSpec::text("digits_file", "", "digits.csv.gz; empty: Debian python3-sklearn's copy"),
  };
  t.run = runTrain;
  registry.add(std::move(t));
}

}  // namespace loupe
