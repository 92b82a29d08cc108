#include "engines/scaling/LayerCost.h"

#include <algorithm>
#include <string>

#include "engines/core/Error.h"

namespace loupe::scaling {

namespace {

void require(bool ok, const char* field, const std::string& problem) {
  if (!ok) throw InputError(field, problem);
}

void requireShape(const FeatureShape& in, const char* field) {
  require(in.channels > 0 && in.height > 0 && in.width > 0, field,
          "input shape " + std::to_string(in.channels) + "×" + std::to_string(in.height) + "×" +
              std::to_string(in.width) + " has a non-positive side");
}

// a·b, refusing what int64 cannot hold.
std::int64_t times(std::int64_t a, std::int64_t b, const char* field) {
  std::int64_t r = 0;
  if (__builtin_mul_overflow(a, b, &r))
    throw InputError(field, "costs more than 2^63 (" + std::to_string(a) + " × " + std::to_string(b) + ")");
  return r;
}

}  // namespace

Cost& Cost::operator+=(const Cost& o) {
  if (__builtin_add_overflow(params, o.params, &params) || __builtin_add_overflow(macs, o.macs, &macs) ||
      __builtin_add_overflow(activations, o.activations, &activations))
    throw InputError("network", "its total cost passes 2^63");
  return *this;
}

FeatureShape convOutput(const FeatureShape& in, int kernel, int stride) {
  const std::int64_t pad = (kernel - 1) / 2;
  return {in.channels, (in.height + 2 * pad - kernel) / stride + 1, (in.width + 2 * pad - kernel) / stride + 1};
}

LayerResult convCost(const FeatureShape& in, const ConvSpec& c, const char* field) {
  requireShape(in, field);
  require(c.out > 0, field, "out channels must be positive, not " + std::to_string(c.out));
  require(c.kernel > 0 && c.stride > 0, field, "kernel and stride must be positive");
  require(c.groups > 0 && in.channels % c.groups == 0 && c.out % c.groups == 0, field,
          "groups " + std::to_string(c.groups) + " must divide the input (" + std::to_string(in.channels) +
              ") and output (" + std::to_string(c.out) + ") channels");
  FeatureShape out = convOutput(in, c.kernel, c.stride);
  out.channels = c.out;
  require(out.height > 0 && out.width > 0, field, "kernel " + std::to_string(c.kernel) + " is larger than the input");
  const std::int64_t perOutput = times(in.channels / c.groups, times(c.kernel, c.kernel, field), field);
  Cost cost;
  cost.params = times(c.out, perOutput, field) + (c.bias ? c.out : 0) + (c.batchNorm ? 2 * c.out : 0);
  cost.activations = times(out.channels, times(out.height, out.width, field), field);
  cost.macs = times(cost.activations, perOutput, field);
  return {out, cost};
}

LayerResult mbconvCost(const FeatureShape& in, const MBConvSpec& m, const char* field) {
  requireShape(in, field);
  require(m.expand >= 1, field, "expand ratio must be at least 1");
  LayerResult r{in, {}};
  const std::int64_t expanded = in.channels * m.expand;
  if (m.expand != 1) {
    const LayerResult e = convCost(r.out, {.out = expanded}, field);
    r = {e.out, r.cost += e.cost};
  }
  const LayerResult dw =
      convCost(r.out, {.out = expanded, .kernel = m.kernel, .stride = m.stride, .groups = expanded}, field);
  r = {dw.out, r.cost += dw.cost};
  if (m.seRatio > 0) {
    // Squeeze on the pooled 1×1 map, excite back, scale (the scale is not a MAC).
    const std::int64_t squeezed = std::max<std::int64_t>(1, static_cast<std::int64_t>(in.channels * m.seRatio));
    const FeatureShape pooled{expanded, 1, 1};
    const LayerResult reduce = convCost(pooled, {.out = squeezed, .bias = true, .batchNorm = false}, field);
    const LayerResult excite = convCost(reduce.out, {.out = expanded, .bias = true, .batchNorm = false}, field);
    r.cost += reduce.cost;
    r.cost += excite.cost;
    r.cost.activations += expanded + dw.out.elements();  // the pooled vector and the scaled map
  }
  const LayerResult project = convCost(r.out, {.out = m.out}, field);
  r = {project.out, r.cost += project.cost};
  return r;
}

LayerResult inceptionCost(const FeatureShape& in, const InceptionSpec& s, const char* field) {
  requireShape(in, field);
  Cost cost;
  auto branch = [&](std::int64_t reduce, std::int64_t out, int k) {
    FeatureShape x = in;
    if (s.reduction) {
      const LayerResult r = convCost(x, {.out = reduce, .bias = true, .batchNorm = false}, field);
      cost += r.cost;
      x = r.out;
    }
    const LayerResult c = convCost(x, {.out = out, .kernel = k, .bias = true, .batchNorm = false}, field);
    cost += c.cost;
  };
  const LayerResult one = convCost(in, {.out = s.conv1, .bias = true, .batchNorm = false}, field);
  cost += one.cost;
  branch(s.reduce3, s.conv3, 3);
  branch(s.reduce5, s.conv5, 5);
  // 3×3 max pool at stride 1, then (with reduction) a 1×1 projection.
  cost += poolCost(in, 3, 1).cost;
  std::int64_t poolChannels = in.channels;
  if (s.reduction) {
    cost += convCost(in, {.out = s.poolProj, .bias = true, .batchNorm = false}, field).cost;
    poolChannels = s.poolProj;
  }
  FeatureShape out{s.conv1 + s.conv3 + s.conv5 + poolChannels, in.height, in.width};
  cost.activations += out.elements();  // the concatenation
  return {out, cost};
}

LayerResult shuffleUnitCost(const FeatureShape& in, const ShuffleUnitSpec& s, const char* field) {
  requireShape(in, field);
  require(s.stride == 1 || s.stride == 2, field, "a shuffle unit's stride is 1 or 2");
  require(s.out > 0 && s.out % 2 == 0, field, "a shuffle unit's output channels must be even");
  require(s.stride == 2 || in.channels == s.out, field, "a stride-1 shuffle unit keeps its channels");
  const std::int64_t half = s.out / 2;
  Cost cost;
  auto dwThenPw = [&](FeatureShape x) {  // depthwise k×k then 1×1
    const LayerResult dw =
        convCost(x, {.out = x.channels, .kernel = s.kernel, .stride = s.stride, .groups = x.channels}, field);
    const LayerResult pw = convCost(dw.out, {.out = half}, field);
    cost += dw.cost;
    cost += pw.cost;
    return pw.out;
  };
  // The transformed branch: 1×1, depthwise, 1×1 on half the channels (stride
  // 1) or on all of them (stride 2).
  const FeatureShape branchIn{s.stride == 1 ? half : in.channels, in.height, in.width};
  const LayerResult first = convCost(branchIn, {.out = half}, field);
  cost += first.cost;
  const FeatureShape out2 = dwThenPw(first.out);
  if (s.stride == 2) (void)dwThenPw(in);  // the shortcut branch: depthwise then 1×1
  FeatureShape out{s.out, out2.height, out2.width};
  cost.activations += out.elements();  // concatenated and shuffled
  return {out, cost};
}

LayerResult fullyConnectedCost(const FeatureShape& in, std::int64_t out, const char* field) {
  requireShape(in, field);
  require(out > 0, field, "out features must be positive");
  Cost cost;
  cost.macs = times(in.elements(), out, field);
  cost.params = cost.macs + out;
  cost.activations = out;
  return {{out, 1, 1}, cost};
}

LayerResult poolCost(const FeatureShape& in, int kernel, int stride) {
  if (kernel < 1 || stride < 1) throw InputError("pool", "kernel and stride must be positive");
  FeatureShape out = convOutput(in, kernel, stride);
  return {out, {0, 0, out.elements()}};
}

LayerResult globalPoolCost(const FeatureShape& in) {
  return {{in.channels, 1, 1}, {0, 0, in.channels}};
}

double arithmeticIntensity(const FeatureShape& in, const Cost& c) {
  const double bytes = 4.0 * static_cast<double>(in.elements() + c.params + c.activations);
  return bytes > 0 ? 2.0 * static_cast<double>(c.macs) / bytes : 0.0;
}

}  // namespace loupe::scaling
