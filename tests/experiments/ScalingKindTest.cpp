// scaling.compound and scaling.roofline through the runner and the store:
// per-layer records that add up to the totals and chain shape to shape, the
// paper's figures next to ours, networks from JSON files (a bad one fails
// naming the field and records nothing), and a roofline run whose kernels
// were checked against the float64 reference.
#include <gtest/gtest.h>

#include <numeric>
#include <sstream>

#include "experiments/KindRegistry.h"
#include "tests/support/RecordRun.h"
#include "tests/support/TestHelpers.h"

namespace loupe {
namespace {

using testing::recordRun;

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream s(text);
  for (std::string l; std::getline(s, l);) out.push_back(l);
  return out;
}

TEST(ScalingKind, CompoundRecordsLayersThatAddUpAndChain) {
  KindRegistry kinds;
  registerBuiltinKinds(kinds);
  testing::TempDir dir;
  Store store(dir / "s.sqlite");
  const auto run = recordRun(store, kinds, R"({"kind": "scaling.compound", "params": {
      "networks": "efficientnet-b0, compound, snet49", "phi_max": 2, "phi_step": 1}})");
  ASSERT_EQ(run.status, RunStatus::Finished) << run.error;
  ASSERT_EQ(store.getRun(run.run).stepCount, 5);
  const StepRecord b0 = store.readStep(run.run, 0);
  EXPECT_EQ(b0.text("network"), "efficientnet-b0");
  EXPECT_EQ(b0.text("family"), "efficientnet");
  // The paper's Table 2 next to our count: within 3 % (params) and 5 % (FLOPs).
  EXPECT_NEAR(b0.metricOr("params") / 1e6, b0.metricOr("paper_params_m"), 0.03 * 5.3);
  EXPECT_NEAR(b0.metricOr("macs") / 1e9, b0.metricOr("paper_flops_b"), 0.05 * 0.39);
  EXPECT_EQ(b0.metricOr("paper_top1"), 77.1);
  const auto params = b0.values<std::int64_t>("layer_params");
  const auto macs = b0.values<std::int64_t>("layer_macs");
  const auto names = lines(b0.text("layer_names"));
  ASSERT_EQ(names.size(), params.size());
  EXPECT_EQ(names.front(), "stem");
  EXPECT_EQ(names.back(), "classifier");
  EXPECT_EQ(std::accumulate(params.begin(), params.end(), std::int64_t{0}), b0.metricOr("params"));
  EXPECT_EQ(std::accumulate(macs.begin(), macs.end(), std::int64_t{0}), b0.metricOr("macs"));
  // Sequential: each layer reads what the one before wrote.
  const auto shapes = b0.values<std::int64_t>("layer_shapes");
  ASSERT_EQ(shapes.size(), names.size() * 6);
  EXPECT_EQ((std::vector<std::int64_t>(shapes.begin(), shapes.begin() + 3)), (std::vector<std::int64_t>{3, 224, 224}));
  for (std::size_t i = 1; i < names.size(); ++i)
    for (int d = 0; d < 3; ++d) EXPECT_EQ(shapes[i * 6 + d], shapes[(i - 1) * 6 + 3 + d]) << names[i];
  // The compound rule's points: φ = 0 is B0 itself; FLOPs grow with φ.
  const StepRecord phi0 = store.readStep(run.run, 1), phi2 = store.readStep(run.run, 3);
  EXPECT_EQ(phi0.text("family"), "compound");
  EXPECT_EQ(phi0.metricOr("macs"), b0.metricOr("macs"));
  EXPECT_EQ(phi2.metricOr("phi"), 2);
  EXPECT_DOUBLE_EQ(phi2.metricOr("depth"), 1.2 * 1.2);
  EXPECT_GT(phi2.metricOr("macs"), 3 * phi0.metricOr("macs"));
  EXPECT_EQ(store.readStep(run.run, 4).text("network"), "snet49");
}

TEST(ScalingKind, NetworksFromJsonAndBadOnesNameTheField) {
  KindRegistry kinds;
  registerBuiltinKinds(kinds);
  testing::TempDir dir;
  Store store(dir / "s.sqlite");
  testing::writeFile(dir / "tiny.json", R"({"name": "tiny", "input": [3, 64, 64], "layers": [
      {"type": "conv", "out": 16, "kernel": 3, "stride": 2}, {"type": "separable", "out": 32, "kernel": 3},
      {"type": "global_pool"}, {"type": "fc", "out": 10}]})");
  testing::writeFile(dir / "bad.json", R"({"input": [3, 64, 64], "layers": [{"type": "mbconv", "out": 8, "se": 2}]})");
  const auto good =
      recordRun(store, kinds,
                R"({"kind": "scaling.compound", "params": {"networks": ")" + (dir / "tiny.json").string() + R"("}})");
  ASSERT_EQ(good.status, RunStatus::Finished) << good.error;
  const StepRecord tiny = store.readStep(good.run, 0);
  EXPECT_EQ(tiny.text("network"), "tiny");
  EXPECT_EQ(tiny.text("family"), "custom");
  // By hand: conv 32·32·16·27; separable 32·32·(16·9 + 16·32); fc 32·10.
  EXPECT_EQ(tiny.metricOr("macs"), 32 * 32 * 16 * 27 + 32 * 32 * (16 * 9 + 16 * 32) + 32 * 10);
  // φ so large that α^φ builds millions of blocks: refused, naming the parameter.
  const auto huge = recordRun(
      store, kinds, R"({"kind": "scaling.compound", "params": {"networks": "compound", "alpha": 3, "phi_max": 12}})");
  EXPECT_EQ(huge.status, RunStatus::Failed);
  EXPECT_EQ(huge.error.rfind("params.phi_max: at φ = ", 0), 0u) << huge.error;
  const auto odd = recordRun(store, kinds, R"({"kind": "scaling.compound", "params": {"networks": "thundernet",
      "thundernet_resolution": 336}})");
  EXPECT_EQ(odd.error.rfind("params.thundernet_resolution: must be a multiple of 32", 0), 0u) << odd.error;
  for (const std::string& networks : {std::string("efficientnet-b0,") + (dir / "bad.json").string(),
                                      std::string("efficientnet-b9"), std::string("thundernet-snet50")}) {
    const auto bad =
        recordRun(store, kinds, R"({"kind": "scaling.compound", "params": {"networks": ")" + networks + R"("}})");
    EXPECT_EQ(bad.status, RunStatus::Failed) << networks;
    EXPECT_EQ(bad.error.rfind("params.networks: ", 0), 0u) << bad.error;
    EXPECT_EQ(store.getRun(bad.run).stepCount, 0) << networks;  // nothing recorded
  }
  const auto bad =
      recordRun(store, kinds,
                R"({"kind": "scaling.compound", "params": {"networks": ")" + (dir / "bad.json").string() + R"("}})");
  EXPECT_NE(bad.error.find("bad.json.layers[0].se: must lie in [0, 1]"), std::string::npos) << bad.error;
  EXPECT_EQ(store.getRun(good.run).stepCount, 1);  // the earlier run is untouched
}

TEST(ScalingKind, RooflineRecordsCheckedKernelsUnderTheRoof) {
  KindRegistry kinds;
  registerBuiltinKinds(kinds);
  testing::TempDir dir;
  Store store(dir / "s.sqlite");
  const auto run = recordRun(store, kinds, R"({"kind": "scaling.roofline", "params": {"repeats": 2}})");
  ASSERT_EQ(run.status, RunStatus::Finished) << run.error;
  const auto steps = store.stepNumbers(run.run);
  ASSERT_EQ(steps.size(), 1u + 9 * 2);  // the machine, then 9 kernels × (ours, OpenCV)
  const StepRecord machine = store.readStep(run.run, 0);
  const double peak = machine.metricOr("peak_gflops"), bw = machine.metricOr("triad_gbs");
  EXPECT_DOUBLE_EQ(machine.metricOr("ridge"), peak / bw);
  const auto roofI = machine.values<double>("roof_intensity"), roofG = machine.values<double>("roof_gflops");
  ASSERT_EQ(roofI.size(), roofG.size());
  for (std::size_t i = 0; i < roofI.size(); ++i) EXPECT_DOUBLE_EQ(roofG[i], std::min(peak, roofI[i] * bw));
  int depthwise3 = 0;
  for (std::size_t i = 1; i < steps.size(); ++i) {
    const StepRecord k = store.readStep(run.run, steps[i]);
    EXPECT_LT(k.metricOr("max_abs_error", 1), 1e-3) << k.text("kernel") << " " << k.text("impl");
    EXPECT_EQ(k.text("impl"), i % 2 ? "loupe" : "opencv");
    EXPECT_NEAR(k.metricOr("gflops"), k.metricOr("flops") / k.metricOr("seconds") / 1e9, 1e-9 * k.metricOr("gflops"));
    if (k.text("kind") == "depthwise" && k.metricOr("kernel_size") == 3) {
      ++depthwise3;
      EXPECT_EQ(k.metricOr("memory_bound"), 1) << k.text("kernel");
    }
  }
  EXPECT_EQ(depthwise3, 4);  // two 3×3 depthwise shapes, two implementations
}

}  // namespace
}  // namespace loupe
