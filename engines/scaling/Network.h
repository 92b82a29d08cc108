// A network as a list of layers with their shapes and costs, built layer by
// layer (NetworkBuilder) or read from JSON. Models with branches that meet
// (ThunderNet's CEM) place a layer on an explicit input with `from`.
//
// JSON: {"name": "...", "input": [channels, height, width], "layers": [
//   {"type": "conv", "out": 32, "kernel": 3, "stride": 2, "groups": 1, "bias": false, "batch_norm": true},
//   {"type": "depthwise", "kernel": 3, "stride": 1},      // groups = channels
//   {"type": "pointwise", "out": 64},                     // 1×1
//   {"type": "separable", "out": 64, "kernel": 3, "stride": 1},  // depthwise + pointwise, one row
//   {"type": "mbconv", "out": 24, "expand": 6, "kernel": 3, "stride": 2, "se": 0.25},
//   {"type": "inception", "conv1": 64, "reduce3": 96, "conv3": 128, "reduce5": 16, "conv5": 32,
//    "pool_proj": 32, "reduction": true},
//   {"type": "shuffle", "out": 116, "stride": 2, "kernel": 3},
//   {"type": "maxpool", "kernel": 3, "stride": 2}, {"type": "avgpool", ...}, {"type": "global_pool"},
//   {"type": "fc", "out": 1000}
// ]}; every layer may carry a "name" and a "stage" (a label the table groups by).
#pragma once

#include <filesystem>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "engines/scaling/LayerCost.h"

namespace loupe::scaling {

struct Layer {
  std::string name;    // "stage3.block2"
  std::string type;    // "conv", "depthwise", "mbconv", …
  std::string detail;  // "k5 s2 e6 se0.25"
  std::string stage;   // "stage3", "CEM", "RPN"
  FeatureShape in, out;
  Cost cost;
  std::int64_t repeat = 1;  // a layer applied this many times (an R-CNN head per RoI); cost is the total
  // A repeated layer reads its input once per application.
  double intensity() const {
    FeatureShape read = in;
    read.channels *= repeat;
    return arithmeticIntensity(read, cost);
  }
};

struct Network {
  std::string name;
  FeatureShape input;
  std::vector<Layer> layers;
  Cost total() const;
  // The first layer whose name is `name`; throws std::out_of_range if none.
  const Layer& layer(const std::string& name) const;
};

class NetworkBuilder {
 public:
  NetworkBuilder(std::string name, FeatureShape input);

  // The next layer reads `shape` instead of the last output (a branch).
  NetworkBuilder& from(const FeatureShape& shape);
  NetworkBuilder& stage(std::string stage);
  // Where errors point while the next layers are added ("net.json.layers[3]").
  NetworkBuilder& field(std::string where);

  NetworkBuilder& conv(const std::string& name, const ConvSpec& c);
  NetworkBuilder& depthwise(const std::string& name, int kernel, int stride = 1);
  NetworkBuilder& separable(const std::string& name, std::int64_t out, int kernel, int stride = 1);
  NetworkBuilder& mbconv(const std::string& name, const MBConvSpec& m);
  NetworkBuilder& inception(const std::string& name, const InceptionSpec& s);
  NetworkBuilder& shuffleUnit(const std::string& name, const ShuffleUnitSpec& s);
  NetworkBuilder& maxPool(const std::string& name, int kernel, int stride);
  NetworkBuilder& avgPool(const std::string& name, int kernel, int stride);
  NetworkBuilder& globalPool(const std::string& name);
  NetworkBuilder& fullyConnected(const std::string& name, std::int64_t out);
  // Nearest-neighbour upsampling by `factor` (no MACs; writes its output).
  NetworkBuilder& upsample(const std::string& name, int factor);
  // An element-wise sum or product with other maps of the current shape (no MACs).
  NetworkBuilder& elementwise(const std::string& name, const std::string& type);
  // Repeats the last layer `times` times (its cost multiplied).
  NetworkBuilder& times(std::int64_t times);

  const FeatureShape& current() const { return m_current; }
  Network build() const { return m_net; }

 private:
  NetworkBuilder& add(const std::string& name, std::string type, std::string detail, const LayerResult& r);

  Network m_net;
  FeatureShape m_current;
  std::string m_stage;
  std::string m_field;  // "layers[3]" for errors
};

// Throws InputError naming the file (if any) and the field: "net.json:
// layers[4].kernel: …".
Network networkFromJson(const nlohmann::json& j, const std::string& where = "network");
Network readNetworkFile(const std::filesystem::path& path);

}  // namespace loupe::scaling
