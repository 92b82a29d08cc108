// Engine kinds of the scaling topic:
// - `scaling.compound`: one step per network, in the order asked: its name
//   and family (text), totals (params, macs, activations), its coefficients
//   (phi, width, depth, resolution), for EfficientNet B0–B7 the paper's
//   Table 2 row (paper_params_m, paper_flops_b, paper_top1), and per layer
//   its name, type, detail, stage (newline-separated text), input and output
//   shapes, params, MACs, activations and arithmetic intensity.
// - `scaling.roofline`: step 0 is the machine (peak GFLOP/s, SGEMM ceiling,
//   triad and copy GB/s, ridge, and the roof sampled for plotting); then one
//   step per kernel and implementation (ours, OpenCV DNN): the problem, its
//   median time, GFLOP/s, GB/s, intensity, what the roof allows there, and
//   the largest difference from the float64 reference.
#include "experiments/kinds/ScalingKinds.h"

#include <cmath>
#include <sstream>

#include "engines/core/Error.h"
#include "engines/scaling/EfficientNet.h"
#include "engines/scaling/Roofline.h"
#include "engines/scaling/ThunderNet.h"
#include "experiments/RunContext.h"
#include "experiments/kinds/ScalingRecords.h"

namespace loupe {

namespace {

using namespace loupe::scaling;
namespace rec = loupe::scaling_records;

struct Entry {
  Network network;
  std::string family;
  StepRecord extra;  // coefficients and paper figures
};

std::vector<Entry> networksOf(RunContext& ctx) {
  std::vector<Entry> out;
  const double alpha = ctx.paramFloat("alpha"), beta = ctx.paramFloat("beta"), gamma = ctx.paramFloat("gamma");
  const int rois = static_cast<int>(ctx.paramInt("rois"));
  auto efficientNetEntry = [&](int b) {
    Entry e{efficientNetB(b), rec::kFamilyEfficientNet, {}};
    const EfficientNetCoefficients c = releasedCoefficients(b);
    const EfficientNetPaperRow paper = paperRow(b);
    e.extra.metric(rec::kVariant, b).metric(rec::kPhi, b);
    e.extra.metric(rec::kWidthCoefficient, c.width).metric(rec::kDepthCoefficient, c.depth);
    e.extra.metric(rec::kPaperParamsM, paper.paramsM).metric(rec::kPaperFlopsB, paper.flopsB);
    e.extra.metric(rec::kPaperTop1, paper.top1);
    out.push_back(std::move(e));
  };
  auto thunderNetEntry = [&](int v) {
    try {
      out.push_back(
          {thunderNet(v, static_cast<int>(ctx.paramInt("thundernet_resolution")), rois), rec::kFamilyThunderNet, {}});
    } catch (const InputError& e) {
      throw InputError("params.thundernet_resolution", e.problem());
    }
  };

  std::stringstream list(ctx.paramString("networks"));
  std::string item;
  while (std::getline(list, item, ',')) {
    item.erase(0, item.find_first_not_of(' '));
    item.erase(item.find_last_not_of(' ') + 1);
    if (item.empty()) continue;
    if (item == "efficientnet") {
      for (int b = 0; b < 8; ++b) efficientNetEntry(b);
    } else if (item.rfind("efficientnet-b", 0) == 0 && item.size() == 15 && item[14] >= '0' && item[14] <= '7') {
      efficientNetEntry(item[14] - '0');
    } else if (item == "compound") {
      const double step = ctx.paramFloat("phi_step"), max = ctx.paramFloat("phi_max");
      for (int i = 0; i * step <= max + 1e-9; ++i) {
        const double phi = i * step;
        const EfficientNetCoefficients c = compoundCoefficients(phi, alpha, beta, gamma);
        std::ostringstream name;
        name << "compound φ=" << phi;
        Network n;
        try {
          n = efficientNet(c, name.str());
        } catch (const InputError& e) {
          throw InputError("params.phi_max",
                           "at φ = " + name.str().substr(name.str().find('=') + 1) + ": " + e.problem());
        }
        Entry e{std::move(n), rec::kFamilyCompound, {}};
        e.extra.metric(rec::kPhi, phi).metric(rec::kWidthCoefficient, c.width).metric(rec::kDepthCoefficient, c.depth);
        out.push_back(std::move(e));
      }
    } else if (item == "thundernet") {
      for (int v : {49, 146, 535}) thunderNetEntry(v);
    } else if (item.rfind("thundernet-snet", 0) == 0) {
      const std::string v = item.substr(15);
      if (v != "49" && v != "146" && v != "535")
        throw InputError("params.networks", "'" + item + "': ThunderNet comes with snet49, snet146 or snet535");
      thunderNetEntry(std::stoi(v));
    } else if (item == "snet49" || item == "snet146" || item == "snet535") {
      out.push_back({snetClassifier(std::stoi(item.substr(4))), rec::kFamilySnet, {}});
    } else if (item.size() > 5 && item.substr(item.size() - 5) == ".json") {
      try {
        out.push_back({readNetworkFile(item), rec::kFamilyCustom, {}});
      } catch (const InputError& e) {
        throw InputError("params.networks", e.what());
      }
    } else {
      throw InputError(
          "params.networks",
          "'" + item +
              "' is not efficientnet, efficientnet-b0…b7, compound, thundernet, thundernet-snet49/146/535, "
              "snet49/146/535 or a .json network file");
    }
  }
  if (out.empty()) throw InputError("params.networks", "names no network");
  return out;
}

void runCompound(RunContext& ctx) {
  std::vector<Entry> entries = networksOf(ctx);  // every name checked before anything is recorded
  std::int64_t step = 0;
  for (Entry& e : entries) {
    ctx.throwIfCancelled();
    const Network& n = e.network;
    StepRecord r = std::move(e.extra);
    r.step = step++;
    r.textArray(rec::kNetwork, n.name).textArray(rec::kFamily, e.family);
    const Cost total = n.total();
    r.metric(rec::kParams, static_cast<double>(total.params)).metric(rec::kMacs, static_cast<double>(total.macs));
    r.metric(rec::kActivations, static_cast<double>(total.activations));
    r.metric(rec::kResolution, static_cast<double>(n.input.height))
        .metric(rec::kLayers, static_cast<double>(n.layers.size()));
    std::string names, types, details, stages;
    std::vector<std::int64_t> params, macs, activations, shapes;
    std::vector<double> intensity;
    for (const Layer& l : n.layers) {
      names += l.name + rec::kLineEnd, types += l.type + rec::kLineEnd;
      details += l.detail + rec::kLineEnd, stages += l.stage + rec::kLineEnd;
      params.push_back(l.cost.params), macs.push_back(l.cost.macs), activations.push_back(l.cost.activations);
      intensity.push_back(l.intensity());
      for (const FeatureShape* s : {&l.in, &l.out}) shapes.insert(shapes.end(), {s->channels, s->height, s->width});
    }
    r.textArray(rec::kLayerNames, names).textArray(rec::kLayerTypes, types);
    r.textArray(rec::kLayerDetails, details).textArray(rec::kLayerStages, stages);
    r.vector(rec::kLayerParams, params).vector(rec::kLayerMacs, macs);
    r.vector(rec::kLayerActivations, activations).vector(rec::kLayerIntensity, intensity);
    // (layers, 2, 3): input and output as channels, height, width.
    r.array(rec::kLayerShapes,
            Array::fromValues<std::int64_t>({static_cast<std::int64_t>(n.layers.size()), 2, 3}, shapes));
    ctx.emitStep(std::move(r));
    ctx.progress(static_cast<double>(step) / static_cast<double>(entries.size()), n.name);
  }
}

void runRoofline(RunContext& ctx) {
  const std::vector<ConvProblem> sweep = kernelSweep(ctx.paramString("sweep"));
  const int repeats = static_cast<int>(ctx.paramInt("repeats"));
  const bool check = ctx.paramBool("check");
  std::vector<ConvImpl> impls{ConvImpl::Loupe};
  if (ctx.paramBool("opencv")) impls.push_back(ConvImpl::OpenCv);
  ctx.progress(0, "measuring peaks");
  const MachinePeaks m = measurePeaks();
  StepRecord machine;
  machine.step = 0;
  machine.metric(rec::kPeakGflops, m.peakGflops)
      .metric(rec::kFmaGflops, m.fmaGflops)
      .metric(rec::kSgemmGflops, m.sgemmGflops);
  machine.metric(rec::kTriadGbs, m.triadGBs).metric(rec::kCopyGbs, m.copyGBs).metric(rec::kRidge, m.ridge());
  machine.metric(rec::kThreads, m.threads);
  machine.textArray(rec::kIsa, m.isa);
  // The roof sampled from 1/16 to 1024 FLOP/B, with the ridge itself, for plotting.
  std::vector<double> roofI, roofG;
  for (double i = 1.0 / 16; i <= 1024; i *= std::sqrt(2.0)) roofI.push_back(i);
  roofI.push_back(m.ridge());
  std::sort(roofI.begin(), roofI.end());
  for (double i : roofI) roofG.push_back(attainableGflops(m, i));
  machine.vector(rec::kRoofIntensity, roofI).vector(rec::kRoofGflops, roofG);
  ctx.emitStep(std::move(machine));
  std::int64_t step = 1;
  const double total = static_cast<double>(sweep.size() * impls.size());
  for (const ConvProblem& p : sweep)
    for (ConvImpl impl : impls) {
      ctx.throwIfCancelled();
      const KernelPoint k = measureKernel(p, impl, repeats, check);
      StepRecord r;
      r.step = step++;
      r.textArray(rec::kKernel, p.label()).textArray(rec::kConvKind, convKindName(p.kind));
      r.textArray(rec::kImpl, convImplName(impl));
      r.metric(rec::kChannels, p.channels).metric(rec::kHeight, p.height).metric(rec::kWidth, p.width);
      r.metric(rec::kOut, p.out).metric(rec::kKernelSize, p.kernel).metric(rec::kStride, p.stride);
      r.metric(rec::kFlops, p.flops()).metric(rec::kBytes, p.minimumBytes()).metric(rec::kIntensity, p.intensity());
      r.metric(rec::kSeconds, k.seconds).metric(rec::kGflops, k.gflops).metric(rec::kGbs, k.gbs);
      const double roof = attainableGflops(m, p.intensity());
      r.metric(rec::kAttainableGflops, roof).metric(rec::kRoofFraction, k.gflops / roof);
      r.metric(rec::kMemoryBound, p.intensity() < m.ridge() ? 1 : 0);
      if (check) r.metric(rec::kMaxAbsError, k.maxAbsError);
      ctx.emitStep(std::move(r));
      ctx.progress(static_cast<double>(step - 1) / total, p.label() + " (" + convImplName(impl) + ")");
    }
}

}  // namespace

void registerScalingKinds(KindRegistry& registry) {
  EngineKind c;
  c.name = "scaling.compound";
  c.version = "1.0";
  c.summary =
      "parameters, multiply-adds, activations and intensity per layer: EfficientNet B0–B7 and the compound rule, "
      "ThunderNet (SNet49/146/535 + CEM + RPN at 320×320), networks from JSON";
  c.schema = ParamSchema{
      ParamSpec::text("networks", "efficientnet,compound,thundernet",
                      "comma-separated: efficientnet (B0–B7), efficientnet-b0…b7, compound (the α^φ rule), "
                      "thundernet, thundernet-snet49/146/535, snet49/146/535 (classifiers at 224), or a .json file"),
      ParamSpec::number("phi_max", 7.0, "compound: the largest φ").range(0, 12),
      ParamSpec::number("phi_step", 0.5, "compound: φ step").range(0.05, 4),
      ParamSpec::number("alpha", kAlpha, "compound: depth base α").range(1, 3),
      ParamSpec::number("beta", kBeta, "compound: width base β").range(1, 3),
      ParamSpec::number("gamma", kGamma, "compound: resolution base γ").range(1, 3),
      ParamSpec::integer("thundernet_resolution", 320, "ThunderNet's input side").range(64, 2048),
      ParamSpec::integer("rois", 200, "ThunderNet: proposals the R-CNN subnet runs on").range(1, 10000),
  };
  c.run = runCompound;
  registry.add(std::move(c));

  EngineKind r;
  r.name = "scaling.roofline";
  r.version = "1.0";
  r.summary =
      "standard, depthwise and pointwise convolutions timed on this machine (ours: im2col + OpenBLAS; peer: OpenCV "
      "DNN) and placed on its measured roofline";
  r.schema = ParamSchema{
      ParamSpec::choice("sweep", {"quick", "full"}, "quick", "layer shapes from EfficientNet-B0 and SNet"),
      ParamSpec::integer("repeats", 10, "timed runs per kernel (the median is kept)").range(1, 1000),
      ParamSpec::boolean("opencv", true, "time OpenCV DNN's convolution on the same problems"),
      ParamSpec::boolean("check", true, "compare every output with the float64 reference"),
  };
  r.run = runRoofline;
  registry.add(std::move(r));
}

}  // namespace loupe
