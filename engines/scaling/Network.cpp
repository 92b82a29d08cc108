#include "engines/scaling/Network.h"

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <stdexcept>

#include "engines/core/BoundedJson.h"
#include "engines/core/Error.h"
#include "engines/core/InputFile.h"

namespace loupe::scaling {

Cost Network::total() const {
  Cost c;
  for (const auto& l : layers) c += l.cost;
  return c;
}

const Layer& Network::layer(const std::string& layerName) const {
  for (const auto& l : layers)
    if (l.name == layerName) return l;
  throw std::out_of_range(name + " has no layer '" + layerName + "'");
}

NetworkBuilder::NetworkBuilder(std::string name, FeatureShape input) : m_current(input) {
  m_net.name = std::move(name);
  m_net.input = input;
}

NetworkBuilder& NetworkBuilder::from(const FeatureShape& shape) {
  m_current = shape;
  return *this;
}

NetworkBuilder& NetworkBuilder::stage(std::string stage) {
  m_stage = std::move(stage);
  return *this;
}

NetworkBuilder& NetworkBuilder::field(std::string where) {
  m_field = std::move(where);
  return *this;
}

NetworkBuilder& NetworkBuilder::add(const std::string& name, std::string type, std::string detail,
                                    const LayerResult& r) {
  Layer l;
  l.name = name.empty() ? type + std::to_string(m_net.layers.size()) : name;
  l.type = std::move(type);
  l.detail = std::move(detail);
  l.stage = m_stage;
  l.in = m_current;
  l.out = r.out;
  l.cost = r.cost;
  m_net.layers.push_back(std::move(l));
  m_current = r.out;
  return *this;
}

namespace {
std::string ks(int kernel, int stride) {
  return "k" + std::to_string(kernel) + " s" + std::to_string(stride);
}
}  // namespace

NetworkBuilder& NetworkBuilder::conv(const std::string& name, const ConvSpec& c) {
  const bool depthwise = c.groups > 1 && c.groups == m_current.channels && c.groups == c.out;
  const std::string type = depthwise ? "depthwise" : c.groups > 1 ? "grouped" : c.kernel == 1 ? "pointwise" : "conv";
  std::string detail = ks(c.kernel, c.stride);
  if (c.groups > 1 && !depthwise) detail += " g" + std::to_string(c.groups);
  return add(name, type, detail, convCost(m_current, c, m_field.empty() ? name.c_str() : m_field.c_str()));
}

NetworkBuilder& NetworkBuilder::depthwise(const std::string& name, int kernel, int stride) {
  return conv(name, {.out = m_current.channels, .kernel = kernel, .stride = stride, .groups = m_current.channels});
}

NetworkBuilder& NetworkBuilder::separable(const std::string& name, std::int64_t out, int kernel, int stride) {
  const char* field = m_field.empty() ? name.c_str() : m_field.c_str();
  const LayerResult dw = convCost(
      m_current, {.out = m_current.channels, .kernel = kernel, .stride = stride, .groups = m_current.channels}, field);
  LayerResult pw = convCost(dw.out, {.out = out}, field);
  pw.cost += dw.cost;
  return add(name, "separable", ks(kernel, stride), pw);
}

NetworkBuilder& NetworkBuilder::mbconv(const std::string& name, const MBConvSpec& m) {
  std::string detail = ks(m.kernel, m.stride) + " e" + std::to_string(m.expand);
  if (m.seRatio > 0) detail += " se" + std::to_string(m.seRatio).substr(0, 4);
  return add(name, "mbconv", detail, mbconvCost(m_current, m, m_field.empty() ? name.c_str() : m_field.c_str()));
}

NetworkBuilder& NetworkBuilder::inception(const std::string& name, const InceptionSpec& s) {
  return add(name, "inception", s.reduction ? "1×1 reduction" : "naive",
             inceptionCost(m_current, s, m_field.empty() ? name.c_str() : m_field.c_str()));
}

NetworkBuilder& NetworkBuilder::shuffleUnit(const std::string& name, const ShuffleUnitSpec& s) {
  return add(name, "shuffle", ks(s.kernel, s.stride),
             shuffleUnitCost(m_current, s, m_field.empty() ? name.c_str() : m_field.c_str()));
}

NetworkBuilder& NetworkBuilder::maxPool(const std::string& name, int kernel, int stride) {
  return add(name, "maxpool", ks(kernel, stride), poolCost(m_current, kernel, stride));
}

NetworkBuilder& NetworkBuilder::avgPool(const std::string& name, int kernel, int stride) {
  return add(name, "avgpool", ks(kernel, stride), poolCost(m_current, kernel, stride));
}

NetworkBuilder& NetworkBuilder::globalPool(const std::string& name) {
  return add(name, "global_pool", "", globalPoolCost(m_current));
}

NetworkBuilder& NetworkBuilder::fullyConnected(const std::string& name, std::int64_t out) {
  return add(name, "fc", "", fullyConnectedCost(m_current, out, m_field.empty() ? name.c_str() : m_field.c_str()));
}

NetworkBuilder& NetworkBuilder::upsample(const std::string& name, int factor) {
  const FeatureShape out{m_current.channels, m_current.height * factor, m_current.width * factor};
  return add(name, "upsample", "×" + std::to_string(factor), {out, {0, 0, out.elements()}});
}

NetworkBuilder& NetworkBuilder::elementwise(const std::string& name, const std::string& type) {
  return add(name, type, "", {m_current, {0, 0, m_current.elements()}});
}

NetworkBuilder& NetworkBuilder::times(std::int64_t n) {
  Layer& l = m_net.layers.back();
  l.repeat = n;
  // Shared weights: applied n times, stored once, so params stay.
  l.cost.macs *= n;
  l.cost.activations *= n;
  l.detail += (l.detail.empty() ? "× " : " × ") + std::to_string(n);
  return *this;
}

namespace {

std::int64_t intField(const nlohmann::json& layer, const char* key, const std::string& where, std::int64_t fallback,
                      bool required = false) {
  if (!layer.contains(key)) {
    if (required) throw InputError(where + "." + key, "is missing");
    return fallback;
  }
  const auto& v = layer.at(key);
  // Kernels, strides and ratios up to 4096, channels up to 2^24: generous
  // for any real network, and far from where int sizes or int64 costs wrap.
  const bool small = std::string(key) == "kernel" || key == std::string("stride") || key == std::string("expand");
  const std::int64_t most = small ? 4096 : std::int64_t{1} << 24;
  if (!v.is_number_integer() || v.get<std::int64_t>() <= 0 || v.get<std::int64_t>() > most)
    throw InputError(where + "." + key,
                     "must be a positive integer up to " + std::to_string(most) + ", not " + jsonExcerpt(v));
  return v.get<std::int64_t>();
}

// The fields each layer type reads; any other is refused, so a typo
// ("strides") is not silently replaced by its default.
const std::map<std::string, std::set<std::string>>& allowedKeys() {
  static const std::map<std::string, std::set<std::string>> keys = {
      {"conv", {"out", "kernel", "stride", "groups", "bias", "batch_norm"}},
      {"pointwise", {"out", "groups", "bias", "batch_norm"}},
      {"depthwise", {"kernel", "stride"}},
      {"separable", {"out", "kernel", "stride"}},
      {"mbconv", {"out", "expand", "kernel", "stride", "se"}},
      {"inception", {"conv1", "reduce3", "conv3", "reduce5", "conv5", "pool_proj", "reduction"}},
      {"shuffle", {"out", "kernel", "stride"}},
      {"maxpool", {"kernel", "stride"}},
      {"avgpool", {"kernel", "stride"}},
      {"global_pool", {}},
      {"fc", {"out"}},
  };
  return keys;
}

}  // namespace

Network networkFromJson(const nlohmann::json& j, const std::string& where) {
  if (!j.is_object()) throw InputError(where, "a network is a JSON object with \"input\" and \"layers\"");
  const auto input = j.value("input", nlohmann::json());
  if (!input.is_array() || input.size() != 3 || !input[0].is_number_integer() || !input[1].is_number_integer() ||
      !input[2].is_number_integer())
    throw InputError(where + ".input", "must be [channels, height, width]");
  const FeatureShape in{input[0].get<std::int64_t>(), input[1].get<std::int64_t>(), input[2].get<std::int64_t>()};
  if (in.channels <= 0 || in.height <= 0 || in.width <= 0 || in.channels > (1 << 24) || in.height > 65536 ||
      in.width > 65536)
    throw InputError(where + ".input", "needs channels in 1 … 2^24 and sides in 1 … 65536, not " + jsonExcerpt(input));
  if (j.contains("name") && !j["name"].is_string()) throw InputError(where + ".name", "must be a string");
  if (!j.contains("layers") || !j["layers"].is_array() || j["layers"].empty())
    throw InputError(where + ".layers", "must be a non-empty list of layers");
  NetworkBuilder b(j.value("name", std::string("network")), in);
  const auto& layers = j["layers"];
  for (std::size_t i = 0; i < layers.size(); ++i) {
    const auto& l = layers[i];
    const std::string at = where + ".layers[" + std::to_string(i) + "]";
    if (!l.is_object() || !l.contains("type") || !l["type"].is_string())
      throw InputError(at, "a layer is an object with a \"type\"");
    try {
      const std::string type = l["type"].get<std::string>();
      const auto allowed = allowedKeys().find(type);
      if (allowed == allowedKeys().end())
        throw InputError(at + ".type", "'" + type +
                                           "' is not one of conv, pointwise, depthwise, separable, mbconv, inception, "
                                           "shuffle, maxpool, avgpool, global_pool, fc");
      for (const auto& [key, value] : l.items())
        if (key != "type" && key != "name" && key != "stage" && !allowed->second.count(key))
          throw InputError(at + "." + key, "is not a field of a " + type + " layer");
      const std::string name = l.value("name", std::string());
      b.field(at);
      if (l.contains("stage")) b.stage(l["stage"].get<std::string>());
      const int kernel = static_cast<int>(intField(l, "kernel", at, 3));
      const int stride = static_cast<int>(intField(l, "stride", at, 1));
      if (type == "conv" || type == "pointwise") {
        ConvSpec c;
        c.out = intField(l, "out", at, 0, true);
        c.kernel = type == "pointwise" ? 1 : kernel;
        c.stride = stride;
        c.groups = intField(l, "groups", at, 1);
        c.bias = l.value("bias", false);
        c.batchNorm = l.value("batch_norm", true);
        b.conv(name, c);
      } else if (type == "depthwise") {
        b.depthwise(name, kernel, stride);
      } else if (type == "separable") {
        b.separable(name, intField(l, "out", at, 0, true), kernel, stride);
      } else if (type == "mbconv") {
        MBConvSpec m;
        m.out = intField(l, "out", at, 0, true);
        m.expand = static_cast<int>(intField(l, "expand", at, 1));
        m.kernel = kernel, m.stride = stride;
        m.seRatio = l.value("se", 0.25);
        if (m.seRatio < 0 || m.seRatio > 1) throw InputError(at + ".se", "must lie in [0, 1]");
        b.mbconv(name, m);
      } else if (type == "inception") {
        InceptionSpec s;
        s.conv1 = intField(l, "conv1", at, 0, true), s.conv3 = intField(l, "conv3", at, 0, true);
        s.conv5 = intField(l, "conv5", at, 0, true);
        s.reduction = l.value("reduction", true);
        if (s.reduction) {
          s.reduce3 = intField(l, "reduce3", at, 0, true), s.reduce5 = intField(l, "reduce5", at, 0, true);
          s.poolProj = intField(l, "pool_proj", at, 0, true);
        }
        b.inception(name, s);
      } else if (type == "shuffle") {
        b.shuffleUnit(name, {intField(l, "out", at, 0, true), stride, kernel});
      } else if (type == "maxpool" || type == "avgpool") {
        type == "maxpool" ? b.maxPool(name, kernel, stride) : b.avgPool(name, kernel, stride);
      } else if (type == "global_pool") {
        b.globalPool(name);
      } else {  // "fc": allowedKeys() let no other type through
        b.fullyConnected(name, intField(l, "out", at, 0, true));
      }
      if (b.current().height <= 0 || b.current().width <= 0)
        throw InputError(at, "leaves no spatial extent (the input is too small for the strides)");
    } catch (const nlohmann::json::exception& e) {
      throw InputError(at, std::string("has a field of the wrong type: ") + e.what());
    }
  }
  b.field({});
  return b.build();
}

Network readNetworkFile(const std::filesystem::path& path) {
  return networkFromJson(parseBoundedJson(readInputFile(path, kMaxJsonBytes), path.string()), path.string());
}

}  // namespace loupe::scaling
