// Inputs for the selective-scan tests, shared by the CPU tests and the
// GPU-against-CPU tests (tests/cuda): Mamba's own selective_scan_ref cases
// (shared data, oracles/mamba_selective_scan_ref_cases.json), seeded random
// cases, and Mamba's closeness rule.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "engines/ssm/SelectiveScan.h"
#include "tests/support/RandomFill.h"

namespace loupe::ssm {

// Mamba's rule: |ours − ref| ≤ atol + rtol·|ref| everywhere (the first five
// misses are reported).
inline void expectClose(const std::vector<float>& ours, const std::vector<float>& ref, double rtol, double atol,
                        const std::string& what) {
  ASSERT_EQ(ours.size(), ref.size()) << what;
  int bad = 0;
  for (std::size_t i = 0; i < ref.size(); ++i) {
    if (std::fabs(ours[i] - ref[i]) > atol + rtol * std::fabs(ref[i]) && ++bad <= 5)
      ADD_FAILURE() << what << " [" << i << "]: ours " << ours[i] << ", reference " << ref[i];
  }
}

// One case of Mamba's selective_scan_ref: the inputs and what it returned.
struct MambaCase {
  std::string name;
  ScanShape shape;
  std::vector<float> u, delta, A, B, C, D, z, bias, out, lastState;
  bool softplus = false;
  ScanInputs<float> inputs() const {
    ScanInputs<float> x{u.data(), delta.data(), A.data(), B.data(), C.data()};
    if (!D.empty()) x.D = D.data();
    if (!z.empty()) x.z = z.data();
    if (!bias.empty()) x.deltaBias = bias.data();
    x.deltaSoftplus = softplus;
    return x;
  }
};

// The shared data folder: $LOUPE_SHARED_DATA when set (a GPU bundle carries
// its own copy), else the one this build was configured with.
inline std::filesystem::path sharedDataDir() {
  if (const char* dir = std::getenv("LOUPE_SHARED_DATA"); dir && *dir) return dir;
  return LOUPE_SHARED_DATA;
}

inline std::vector<float> flatJson(const nlohmann::json& j) {
  std::vector<float> out;
  if (j.is_number()) {
    out.push_back(j.get<float>());
  } else {
    for (const auto& e : j) {
      const auto part = flatJson(e);
      out.insert(out.end(), part.begin(), part.end());
    }
  }
  return out;
}

// Throws when the file is missing or malformed (the test then fails, naming it).
inline std::vector<MambaCase> mambaReferenceCases() {
  const auto path = sharedDataDir() / "oracles" / "mamba_selective_scan_ref_cases.json";
  std::ifstream in(path);
  if (!in) throw std::runtime_error(path.string() + ": cannot open");
  const nlohmann::json file = nlohmann::json::parse(in);  // named: the loop below refers into it
  std::vector<MambaCase> cases;
  for (const auto& c : file.at("cases")) {
    MambaCase m;
    m.name = c.at("name");
    m.u = flatJson(c["u"]), m.delta = flatJson(c["delta"]), m.A = flatJson(c["A"]);
    m.B = flatJson(c["B"]), m.C = flatJson(c["C"]);
    m.shape.batch = static_cast<int>(c["u"].size());
    m.shape.dim = static_cast<int>(c["u"][0].size());
    m.shape.length = static_cast<int>(c["u"][0][0].size());
    m.shape.state = static_cast<int>(c["A"][0].size());
    m.shape.varyingB = c["B"][0][0].is_array();  // [batch][N][L] rather than [dim][N]
    m.shape.varyingC = c["C"][0][0].is_array();
    if (!c["D"].is_null()) m.D = flatJson(c["D"]);
    if (!c["z"].is_null()) m.z = flatJson(c["z"]);
    if (!c["delta_bias"].is_null()) m.bias = flatJson(c["delta_bias"]);
    m.softplus = c["delta_softplus"].get<bool>();
    m.out = flatJson(c["out"]), m.lastState = flatJson(c["last_state"]);
    cases.push_back(std::move(m));
  }
  return cases;
}

struct Random {
  ScanShape shape;
  std::vector<float> u, delta, A, B, C, D, z, bias;
};

inline Random randomCase(ScanShape s, std::uint32_t seed) {
  Random r{s, {}, {}, {}, {}, {}, {}, {}, {}};
  testing::NormalDraws<float> g(seed);
  std::mt19937& rng = g.engine();
  std::uniform_real_distribution<float> uni(-4.6f, -2.3f);  // log Δ in [log 0.01, log 0.1]
  const std::size_t bdl = static_cast<std::size_t>(s.batch) * s.dim * s.length;
  auto fill = [&](std::vector<float>& v, std::size_t n) { g.fill(v, n); };
  fill(r.u, bdl);
  fill(r.z, bdl);
  r.delta.resize(bdl);
  for (auto& e : r.delta) e = std::exp(uni(rng));  // Δ log-uniform in [0.01, 0.1] (Mamba's init range)
  r.A.resize(static_cast<std::size_t>(s.dim) * s.state);
  for (int d = 0; d < s.dim; ++d)
    for (int n = 0; n < s.state; ++n) r.A[static_cast<std::size_t>(d) * s.state + n] = -(n + 1.0f);  // S4D-real
  fill(r.B,
       s.varyingB ? static_cast<std::size_t>(s.batch) * s.state * s.length : static_cast<std::size_t>(s.dim) * s.state);
  fill(r.C,
       s.varyingC ? static_cast<std::size_t>(s.batch) * s.state * s.length : static_cast<std::size_t>(s.dim) * s.state);
  fill(r.D, static_cast<std::size_t>(s.dim));
  fill(r.bias, static_cast<std::size_t>(s.dim));
  for (auto& b : r.bias) b = -2.0f + 0.5f * b;
  return r;
}

template <class T, class S>
std::vector<T> as(const std::vector<S>& v) {
  return std::vector<T>(v.begin(), v.end());
}

}  // namespace loupe::ssm
