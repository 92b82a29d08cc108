// Medusa-1 residual heads: the gradient against torch autograd in float64,
// the SGEMM path against the reference, upstream's file layout both ways
// through torch, and AdamW lowering the loss on a learnable task.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <random>

#include "engines/core/Error.h"
#include "engines/specdec/ResidualHeads.h"
#include "tests/support/TestHelpers.h"

namespace loupe::specdec {
namespace {

std::vector<float> normal(std::size_t n, float sigma, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> g(0.0f, sigma);
  std::vector<float> v(n);
  for (float& x : v) x = g(rng);
  return v;
}

// Heads with every parameter non-zero (the initialisation's zeros would hide W's gradient terms).
ResidualHeads randomHeads(int count, int H, int V, unsigned seed) {
  ResidualHeads heads(count, H, V, normal(static_cast<std::size_t>(V) * H, 0.5f, seed));
  for (int k = 0; k < count; ++k) {
    heads.head(k).w = normal(static_cast<std::size_t>(H) * H, 0.4f, seed + 10 + k);
    heads.head(k).b = normal(static_cast<std::size_t>(H), 0.3f, seed + 20 + k);
    heads.head(k).proj = normal(static_cast<std::size_t>(V) * H, 0.5f, seed + 30 + k);
  }
  return heads;
}

// torch: the head as Medusa's modules compute it, autograd in float64.
const char* kAutograd = R"(
import json, sys, torch
d = json.load(open(sys.argv[1]))
H, V = d["H"], d["V"]
W = torch.tensor(d["w"], dtype=torch.float64).view(H, H).requires_grad_()
b = torch.tensor(d["b"], dtype=torch.float64).requires_grad_()
P = torch.tensor(d["proj"], dtype=torch.float64).view(V, H).requires_grad_()
h = torch.tensor(d["h"], dtype=torch.float64).view(-1, H)
y = torch.tensor(d["y"])
z = h + torch.nn.functional.silu(h @ W.T + b)
loss = torch.nn.functional.cross_entropy(z @ P.T, y, ignore_index=-1)
loss.backward()
json.dump({"loss": loss.item(), "w": W.grad.flatten().tolist(), "b": b.grad.tolist(), "proj": P.grad.flatten().tolist()},
          open(sys.argv[2], "w"))
)";

TEST(ResidualHeads, GradientEqualsTorchAutogradInFloat64) {
  const int H = 8, V = 11, T = 6;
  const ResidualHeads heads = randomHeads(2, H, V, 3);
  const std::vector<float> h = normal(static_cast<std::size_t>(T) * H, 1.0f, 4);
  const std::vector<int> y{3, 0, -1, 10, 7, 3};
  testing::TempDir dir;
  const auto& hd = heads.head(1);
  testing::writeFile(
      dir / "in.json",
      nlohmann::json{{"H", H}, {"V", V}, {"w", hd.w}, {"b", hd.b}, {"proj", hd.proj}, {"h", h}, {"y", y}}.dump());
  const auto r = testing::runPython(kAutograd, {(dir / "in.json").string(), (dir / "out.json").string()});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  const auto ref = nlohmann::json::parse(testing::readFile(dir / "out.json"));
  const HeadGradient g = heads.lossAndGradient(1, h.data(), T, y.data());
  EXPECT_EQ(g.rows, 5);
  EXPECT_NEAR(g.loss, ref["loss"].get<double>(), 1e-9);
  auto check = [](const std::vector<double>& ours, const std::vector<double>& theirs, const char* what) {
    ASSERT_EQ(ours.size(), theirs.size()) << what;
    for (std::size_t i = 0; i < ours.size(); ++i) ASSERT_NEAR(ours[i], theirs[i], 1e-9) << what << " " << i;
  };
  check(g.w, ref["w"].get<std::vector<double>>(), "W");
  check(g.b, ref["b"].get<std::vector<double>>(), "b");
  check(g.proj, ref["proj"].get<std::vector<double>>(), "P");
}

TEST(ResidualHeads, SgemmPathEqualsTheReference) {
  const int H = 48, V = 70, T = 33;
  const ResidualHeads heads = randomHeads(1, H, V, 5);
  const std::vector<float> h = normal(static_cast<std::size_t>(T) * H, 1.0f, 6);
  std::vector<int> y(T);
  for (int t = 0; t < T; ++t) y[static_cast<std::size_t>(t)] = t % 5 == 4 ? -1 : (t * 13) % V;
  const HeadGradient ref = heads.lossAndGradient(0, h.data(), T, y.data());
  const HeadGradient fast = heads.lossAndGradientFast(0, h.data(), T, y.data());
  EXPECT_EQ(fast.rows, ref.rows);
  EXPECT_EQ(fast.top1, ref.top1);
  EXPECT_NEAR(fast.loss, ref.loss, 1e-5 * ref.loss);
  auto worst = [](const std::vector<double>& a, const std::vector<double>& b) {
    double e = 0, scale = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
      e = std::max(e, std::abs(a[i] - b[i]));
      scale = std::max(scale, std::abs(b[i]));
    }
    return e / scale;
  };
  EXPECT_LT(worst(fast.w, ref.w), 1e-4);
  EXPECT_LT(worst(fast.b, ref.b), 1e-4);
  EXPECT_LT(worst(fast.proj, ref.proj), 1e-4);
  // forward() gives the logits the loss was computed on.
  std::vector<float> logits(static_cast<std::size_t>(T) * V);
  heads.forward(0, h.data(), T, logits.data());
  double loss = 0;
  for (int t = 0; t < T; ++t) {
    if (y[static_cast<std::size_t>(t)] < 0) continue;
    const float* row = &logits[static_cast<std::size_t>(t) * V];
    const double top = *std::max_element(row, row + V);
    double sum = 0;
    for (int v = 0; v < V; ++v) sum += std::exp(row[v] - top);
    loss -= row[y[static_cast<std::size_t>(t)]] - top - std::log(sum);
  }
  EXPECT_NEAR(loss / ref.rows, ref.loss, 1e-5 * ref.loss);
}

// Upstream's layout both ways: torch writes Medusa's modules' state (ResBlock
// linear + bias, then the projection), we read it and compute the same
// logits; we write ours, torch reads it and computes ours.
const char* kUpstream = R"(
import json, struct, sys, numpy as np, torch
mode, path, H, V = sys.argv[1], sys.argv[2], 12, 17
def save(path, tensors):
    header, blobs, off = {}, [], 0
    for k, t in tensors.items():
        b = t.detach().numpy().astype(np.float32).tobytes()
        header[k] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [off, off + len(b)]}; blobs.append(b); off += len(b)
    text = json.dumps(header).encode(); text += b" " * (-len(text) % 8)
    open(path, "wb").write(struct.pack("<Q", len(text)) + text + b"".join(blobs))
def load(path):
    data = open(path, "rb").read(); n = struct.unpack("<Q", data[:8])[0]; hdr = json.loads(data[8:8 + n])
    return {k: torch.from_numpy(np.frombuffer(data[8 + n + v["data_offsets"][0]: 8 + n + v["data_offsets"][1]],
            dtype=np.float32).reshape(v["shape"]).copy()) for k, v in hdr.items() if k != "__metadata__"}
torch.manual_seed(0)
h = torch.randn(5, H)
if mode == "write":
    heads = torch.nn.ModuleList([torch.nn.Sequential(torch.nn.Module(), torch.nn.Linear(H, V, bias=False)) for _ in range(3)])
    for m in heads:
        m[0].linear = torch.nn.Linear(H, H)
    save(path, {k: v for k, v in heads.state_dict().items()})
    tensors = load(path)
else:
    tensors = load(path)
out = []
for k in range(3):
    W, b, P = (tensors[f"{k}.0.linear.weight"].double(), tensors[f"{k}.0.linear.bias"].double(), tensors[f"{k}.1.weight"].double())
    hh = h.double()
    out.append(((hh + torch.nn.functional.silu(hh @ W.T + b)) @ P.T).flatten().tolist())
print(json.dumps({"h": h.flatten().tolist(), "logits": out}))
)";

TEST(ResidualHeads, UpstreamLayoutRoundTripsThroughTorch) {
  testing::TempDir dir;
  auto compare = [&](const ResidualHeads& heads, const nlohmann::json& ref) {
    const std::vector<float> h = ref["h"].get<std::vector<float>>();
    ASSERT_EQ(heads.count(), 3);
    for (int k = 0; k < 3; ++k) {
      std::vector<float> logits(5u * 17u);
      heads.forward(k, h.data(), 5, logits.data());
      const auto theirs = ref["logits"][k].get<std::vector<double>>();
      for (std::size_t i = 0; i < logits.size(); ++i) ASSERT_NEAR(logits[i], theirs[i], 1e-5) << k << " " << i;
    }
  };
  // Theirs → ours.
  auto r = testing::runPython(kUpstream, {"write", (dir / "theirs.safetensors").string()});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  const ResidualHeads theirs = ResidualHeads::read(dir / "theirs.safetensors");
  EXPECT_EQ(theirs.hidden(), 12);
  EXPECT_EQ(theirs.vocab(), 17);
  compare(theirs, nlohmann::json::parse(r.out));
  // Ours → theirs.
  const ResidualHeads ours = randomHeads(3, 12, 17, 9);
  ours.write(dir / "ours.safetensors");
  r = testing::runPython(kUpstream, {"read", (dir / "ours.safetensors").string()});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  compare(ours, nlohmann::json::parse(r.out));
  // A missing file is refused as an input error.
  try {
    ResidualHeads::read(dir / "missing.safetensors");
    FAIL() << "a missing file must be refused";
  } catch (const InputError&) {
  }
}

// AdamW on a learnable task: the target is a fixed function of the hidden
// state's largest coordinate; the loss falls and top-1 accuracy rises.
TEST(ResidualHeads, AdamWLowersTheLoss) {
  const int H = 16, V = 16, T = 256;
  ResidualHeads heads(1, H, V, normal(static_cast<std::size_t>(V) * H, 0.1f, 7));
  HeadOptimizer opt(heads, 0.01);
  const std::vector<float> h = normal(static_cast<std::size_t>(T) * H, 1.0f, 8);
  std::vector<int> y(T);
  for (int t = 0; t < T; ++t) {
    const float* row = &h[static_cast<std::size_t>(t) * H];
    y[static_cast<std::size_t>(t)] = static_cast<int>((std::max_element(row, row + H) - row) * 5 % V);
  }
  const HeadGradient first = heads.lossAndGradientFast(0, h.data(), T, y.data());
  HeadGradient g = first;
  for (int step = 0; step < 300; ++step) {
    opt.step(heads, 0, g);
    g = heads.lossAndGradientFast(0, h.data(), T, y.data());
  }
  EXPECT_LT(g.loss, 0.5 * first.loss);
  EXPECT_GT(g.top1, first.top1 + T / 4);
}

}  // namespace
}  // namespace loupe::specdec
