// Tensor statistics against numpy (fp16: astype(float16)) and torch (bf16)
// run by the test on a tensor it writes: every count, both histograms bin by
// bin (integer bins from frexp, so exact), the maximum and mean relative
// error; the threaded path against the reference loop; per-channel stats
// against numpy column by column.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>
#include <random>

#include "engines/core/DTypeConvert.h"
#include "engines/core/TensorFiles.h"
#include "engines/precision/TensorStats.h"
#include "tests/support/TestHelpers.h"

namespace loupe::precision {
namespace {

// numpy's statistics of x in a format whose rounding gave q (Python, shared by the scripts below).
const std::string kStatsPy = R"(
import json, sys
import numpy as np, torch
def stats(q, x, min_normal):
    x64 = x.astype(np.float64); q64 = q.astype(np.float64)
    finite = np.isfinite(x64); nonzero = finite & (x64 != 0)
    e = np.frexp(x64[nonzero])[1] - 1
    over = nonzero & ~np.isfinite(q64)
    under = nonzero & np.isfinite(q64) & (q64 == 0)
    kept = nonzero & np.isfinite(q64) & (q64 != 0)
    rel = np.abs(q64[kept] - x64[kept]) / np.abs(x64[kept])
    changed = rel[rel > 0]
    re = np.clip(np.frexp(changed)[1] - 1 + 64, 0, 64)
    return dict(count=int(x.size), zeros=int(np.sum(finite & (x64 == 0))), nans=int(np.isnan(x64).sum()),
                infinities=int(np.isinf(x64).sum()), overflow=int(over.sum()), underflow=int(under.sum()),
                subnormal=int(np.sum(kept & (np.abs(q64) < min_normal))), normal=int(np.sum(kept & (np.abs(q64) >= min_normal))),
                exponent=np.bincount(e + 149, minlength=277).tolist(), rounded=int(changed.size),
                exact=int(rel.size - changed.size), max_rel=float(rel.max()), mean_rel=float(rel.mean()),
                error=np.bincount(re, minlength=65).tolist())
)";

const std::string kOracle = R"(
rng = np.random.default_rng(11)
n = 400_000
mag = 10.0 ** rng.uniform(-12, 8, n)
x = (mag * rng.choice([-1.0, 1.0], n)).astype(np.float32)
x[:1000] = 0.0
x[1000:1010] = np.nan
x[1010:1020] = np.inf
x[1020:1030] = -np.inf
x[1030:1040] = 65520.0
x[1040:1050] = 65519.0
# float32 subnormals, fp16's rounding ties and thresholds, both signs
edges = [1e-40, 3e-45, 1.1754942e-38, 2.0**-25, 2.0**-25 * (1 + 2.0**-23), 2.0**-24, 2.0**-24 * 1.5,
         2047 / 2048 * 2.0**-14, 2.0**-14 * (1 - 2.0**-24), 2.0**-14, 65504.0, 65519.996, 3.0e38]
x[1050:1050 + 2 * len(edges)] = np.array(edges + [-e for e in edges], dtype=np.float32)
rng.shuffle(x)
x.tofile(sys.argv[1])
cols = 7
with np.errstate(over='ignore', invalid='ignore'):
    h = x.astype(np.float16)
b = torch.from_numpy(x).bfloat16().float().numpy()
out = dict(fp16=stats(h, x, 2.0**-14), bf16=stats(b, x, 2.0**-126))
xc = x[: (n // cols) * cols].reshape(-1, cols)
with np.errstate(over='ignore', invalid='ignore'):
    hc = xc.astype(np.float16)
out['columns'] = [stats(hc[:, c], xc[:, c], 2.0**-14) for c in range(cols)]
json.dump(out, open(sys.argv[2], 'w'))
)";

// The fast paths compute the relative error in float32 from the exact
// difference: within 2⁻²⁴ of float64's, so their maximum and mean are held
// to that; the reference loop to float64 rounding.
void expectStats(const TensorStats& s, const nlohmann::json& j, const std::string& what, bool float32Error = false) {
  EXPECT_EQ(s.count, j["count"].get<std::int64_t>()) << what;
  EXPECT_EQ(s.zeros, j["zeros"].get<std::int64_t>()) << what;
  EXPECT_EQ(s.nans, j["nans"].get<std::int64_t>()) << what;
  EXPECT_EQ(s.infinities, j["infinities"].get<std::int64_t>()) << what;
  EXPECT_EQ(s.overflow, j["overflow"].get<std::int64_t>()) << what;
  EXPECT_EQ(s.underflow, j["underflow"].get<std::int64_t>()) << what;
  EXPECT_EQ(s.subnormal, j["subnormal"].get<std::int64_t>()) << what;
  EXPECT_EQ(s.normal, j["normal"].get<std::int64_t>()) << what;
  EXPECT_EQ(s.rounded, j["rounded"].get<std::int64_t>()) << what;
  EXPECT_EQ(s.exact, j["exact"].get<std::int64_t>()) << what;
  EXPECT_EQ(s.exponentHistogram, j["exponent"].get<std::vector<std::int64_t>>()) << what;
  EXPECT_EQ(s.errorHistogram, j["error"].get<std::vector<std::int64_t>>()) << what;
  const double tolerance = float32Error ? std::ldexp(1.0, -24) : 1e-12;
  EXPECT_NEAR(s.maxRelativeError, j["max_rel"].get<double>(), tolerance * j["max_rel"].get<double>()) << what;
  EXPECT_NEAR(s.meanRelativeError(), j["mean_rel"].get<double>(), tolerance * j["mean_rel"].get<double>()) << what;
}

TEST(TensorStats, MatchNumpyAndTorchOnAWrittenTensor) {
  testing::TempDir dir;
  const auto r = testing::runPython(kStatsPy + kOracle, {(dir / "x.bin").string(), (dir / "stats.json").string()});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  const std::vector<float> x = testing::readValues<float>(dir / "x.bin");
  const auto oracle = nlohmann::json::parse(testing::readFile(dir / "stats.json"));
  // Every fp16 path this CPU has: AVX-512, AVX2 (F16C) and portable.
  int paths = 0;
  for (const auto& [isa, name] : {std::pair{StatsIsa::Avx512, "avx512"}, std::pair{StatsIsa::Avx2, "avx2"},
                                  std::pair{StatsIsa::Portable, "portable"}}) {
    if (!statsIsaAvailable(isa)) continue;
    ++paths;
    const TensorStats h = tensorStats(x.data(), x.size(), Format::F16, isa);
    expectStats(h, oracle["fp16"], std::string("fp16 ") + name, isa != StatsIsa::Portable);
    EXPECT_EQ(h.overflow, [&] {  // the 10 values of 65520 at least, and every |x| ≥ 65520
      std::int64_t n = 0;
      for (float v : x) n += std::isfinite(v) && std::fabs(v) >= 65520.0f;
      return n;
    }());
  }
  EXPECT_GE(paths, 1);
  if (!statsIsaAvailable(StatsIsa::Avx512)) std::printf("this CPU has no AVX-512: that fp16 path went untested\n");
  expectStats(tensorStats(x.data(), x.size(), Format::BF16), oracle["bf16"], "bf16");
  // The reference loop agrees with the threaded path (and so with numpy).
  expectStats(tensorStatsReference(x.data(), x.size(), Format::F16), oracle["fp16"], "fp16 reference");
  const std::size_t cols = 7, rows = x.size() / cols;
  const auto perChannel = perChannelStats(x.data(), rows, cols, Format::F16);
  ASSERT_EQ(perChannel.size(), cols);
  for (std::size_t c = 0; c < cols; ++c)
    expectStats(perChannel[c], oracle["columns"][c], "column " + std::to_string(c));
}

// Each fast path against the reference loop on lengths that leave every
// possible tail, over random bit patterns (NaN, inf, float32 subnormals,
// everything fp16 can do with them) and over values near fp16's thresholds.
TEST(TensorStats, FastPathsEqualTheReferenceOnEveryTail) {
  if (!statsIsaAvailable(StatsIsa::Avx2)) GTEST_SKIP() << "this CPU has no AVX2 + F16C: no fp16 fast path to test";
  std::mt19937 rng(3);
  std::vector<float> bits(70000), near(70000);
  for (auto& v : bits) {
    const std::uint32_t b = rng();
    std::memcpy(&v, &b, 4);
  }
  std::uniform_real_distribution<float> log2Magnitude(-27.0f, 17.0f);
  for (auto& v : near) v = std::exp2(log2Magnitude(rng)) * (rng() & 1 ? -1.0f : 1.0f);
  for (const auto* data : {&bits, &near})
    for (std::size_t n : {0u, 1u, 7u, 8u, 15u, 17u, 31u, 1000u, 65537u, 70000u}) {
      const TensorStats ref = tensorStatsReference(data->data(), n, Format::F16);
      for (StatsIsa isa : {StatsIsa::Avx512, StatsIsa::Avx2}) {
        if (!statsIsaAvailable(isa)) continue;
        const TensorStats fast = tensorStats(data->data(), n, Format::F16, isa);
        const std::string what = "n = " + std::to_string(n) + (isa == StatsIsa::Avx512 ? " avx512" : " avx2");
        EXPECT_EQ(fast.count, ref.count) << what;
        EXPECT_EQ(fast.nans, ref.nans) << what;
        EXPECT_EQ(fast.infinities, ref.infinities) << what;
        EXPECT_EQ(fast.zeros, ref.zeros) << what;
        EXPECT_EQ(fast.overflow, ref.overflow) << what;
        EXPECT_EQ(fast.underflow, ref.underflow) << what;
        EXPECT_EQ(fast.subnormal, ref.subnormal) << what;
        EXPECT_EQ(fast.normal, ref.normal) << what;
        EXPECT_EQ(fast.rounded, ref.rounded) << what;
        EXPECT_EQ(fast.exact, ref.exact) << what;
        EXPECT_EQ(fast.exponentHistogram, ref.exponentHistogram) << what;
        EXPECT_EQ(fast.errorHistogram, ref.errorHistogram) << what;
        EXPECT_NEAR(fast.maxRelativeError, ref.maxRelativeError, std::ldexp(ref.maxRelativeError, -24)) << what;
        EXPECT_NEAR(fast.sumRelativeError, ref.sumRelativeError, std::ldexp(ref.sumRelativeError, -24)) << what;
      }
    }
}

TEST(TensorStats, RefusesAnInstructionSetTheCpuLacks) {
  const float x[1] = {1.0f};
  for (StatsIsa isa : {StatsIsa::Avx512, StatsIsa::Avx2})
    if (!statsIsaAvailable(isa)) {
      EXPECT_THROW(tensorStats(x, 1, Format::F16, isa), std::invalid_argument);
    }
  EXPECT_TRUE(statsIsaAvailable(StatsIsa::Portable));
  EXPECT_EQ(tensorStats(x, 1, Format::F16, StatsIsa::Portable).normal, 1);
}

// Done 2 end to end: a safetensors file written here by hand from the
// published layout (8-byte length, JSON header, buffer) holding f32, f64 and
// bf16 tensors numpy and torch made, and the numpy ones as .npy and .npz;
// each tensor read back, converted to float32 as the kind does, and its fp16
// statistics equal numpy's.
const std::string kSafetensors = R"(
import struct
rng = np.random.default_rng(5)
tensors = {'grads': (rng.standard_normal(30000) * 10.0 ** rng.uniform(-12, 2, 30000)).astype(np.float32),
           'moments': rng.standard_normal((100, 50)) * 1e5,
           'acts': torch.from_numpy((rng.standard_normal(5000) * 3e4).astype(np.float32)).bfloat16()}
header, buffer = {}, b''
for name, t in tensors.items():
    raw = t.view(torch.int16).numpy().tobytes() if isinstance(t, torch.Tensor) else t.tobytes()
    dtype = 'BF16' if isinstance(t, torch.Tensor) else {'float32': 'F32', 'float64': 'F64'}[str(t.dtype)]
    header[name] = {'dtype': dtype, 'shape': list(t.shape), 'data_offsets': [len(buffer), len(buffer) + len(raw)]}
    buffer += raw
h = json.dumps(header).encode()
open(sys.argv[1], 'wb').write(struct.pack('<Q', len(h)) + h + buffer)
np.save(sys.argv[3], tensors['grads'])
np.savez(sys.argv[4], grads=tensors['grads'], moments=tensors['moments'])
out = {}
for name, t in tensors.items():
    x = (t.float().numpy() if isinstance(t, torch.Tensor) else t).astype(np.float32).ravel()
    with np.errstate(over='ignore', invalid='ignore'):
        out[name] = stats(x.astype(np.float16), x, 2.0**-14)
json.dump(out, open(sys.argv[2], 'w'))
)";

TEST(TensorStats, SafetensorsFileEndToEndMatchesNumpy) {
  testing::TempDir dir;
  const auto r =
      testing::runPython(kStatsPy + kSafetensors, {(dir / "m.safetensors").string(), (dir / "stats.json").string(),
                                                   (dir / "grads.npy").string(), (dir / "m.npz").string()});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  const auto oracle = nlohmann::json::parse(testing::readFile(dir / "stats.json"));
  // The same tensors through .safetensors, .npy and .npz.
  std::size_t checked = 0;
  for (const char* file : {"m.safetensors", "grads.npy", "m.npz"})
    for (const auto& t : readTensorFile(dir / file)) {
      const std::vector<float> x = toFloat32(t.array.view());
      expectStats(tensorStats(x.data(), x.size(), Format::F16), oracle.at(t.name), std::string(file) + " " + t.name,
                  true);
      ++checked;
    }
  EXPECT_EQ(checked, 3u + 1u + 2u);
}

}  // namespace
}  // namespace loupe::precision
