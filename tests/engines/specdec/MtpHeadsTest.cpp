// MTP modules (DeepSeek-V3-style, MtpHeads.h): the gradient against torch
// autograd in float64, the SGEMM path against the reference, the file both
// ways, and an untrained module predicting what the base LM head predicts.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <random>

#include "engines/core/Error.h"
#include "engines/specdec/MtpHeads.h"
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

MtpHeads randomModules(int count, int H, int V, unsigned seed) {
  MtpHeads heads(count, H, V, normal(static_cast<std::size_t>(V) * H, 0.5f, seed));
  for (int k = 0; k < count; ++k) {
    heads.module(k).m = normal(static_cast<std::size_t>(H) * 2 * H, 0.3f, seed + 10 + k);
    heads.module(k).w = normal(static_cast<std::size_t>(H) * H, 0.4f, seed + 20 + k);
    heads.module(k).b = normal(static_cast<std::size_t>(H), 0.3f, seed + 30 + k);
  }
  return heads;
}

// torch: the module as the header writes it, autograd in float64.
const char* kAutograd = R"(
import json, sys, torch
d = json.load(open(sys.argv[1]))
H, V = d["H"], d["V"]
M = torch.tensor(d["m"], dtype=torch.float64).view(H, 2 * H).requires_grad_()
W = torch.tensor(d["w"], dtype=torch.float64).view(H, H).requires_grad_()
b = torch.tensor(d["b"], dtype=torch.float64).requires_grad_()
P = torch.tensor(d["proj"], dtype=torch.float64).view(V, H)
h = torch.tensor(d["h"], dtype=torch.float64).view(-1, H)
e = torch.tensor(d["e"], dtype=torch.float64).view(-1, H)
y = torch.tensor(d["y"])
e_hat = e / torch.sqrt((e * e).mean(-1, keepdim=True) + 1e-6)
u = torch.cat([h, e_hat], -1) @ M.T
z = u + torch.nn.functional.silu(u @ W.T + b)
loss = torch.nn.functional.cross_entropy(z @ P.T, y, ignore_index=-1)
loss.backward()
json.dump({"loss": loss.item(), "m": M.grad.flatten().tolist(), "w": W.grad.flatten().tolist(),
           "b": b.grad.tolist()}, open(sys.argv[2], "w"))
)";

TEST(MtpHeads, GradientEqualsTorchAutogradInFloat64) {
  const int H = 6, V = 9, T = 5;
  const MtpHeads heads = randomModules(2, H, V, 3);
  const std::vector<float> h = normal(static_cast<std::size_t>(T) * H, 1.0f, 4);
  const std::vector<float> e = normal(static_cast<std::size_t>(T) * H, 0.05f, 5);
  const std::vector<int> y{3, -1, 8, 0, 3};
  testing::TempDir dir;
  const auto& mod = heads.module(1);
  std::vector<float> proj = normal(static_cast<std::size_t>(V) * H, 0.5f, 3);  // the projection given above
  testing::writeFile(
      dir / "in.json",
      nlohmann::json{
          {"H", H}, {"V", V}, {"m", mod.m}, {"w", mod.w}, {"b", mod.b}, {"proj", proj}, {"h", h}, {"e", e}, {"y", y}}
          .dump());
  const auto r = testing::runPython(kAutograd, {(dir / "in.json").string(), (dir / "out.json").string()});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  const auto ref = nlohmann::json::parse(testing::readFile(dir / "out.json"));
  const MtpGradient g = heads.lossAndGradient(1, h.data(), e.data(), T, y.data());
  EXPECT_EQ(g.rows, 4);
  EXPECT_NEAR(g.loss, ref["loss"].get<double>(), 1e-6);  // ê is formed in f32
  auto check = [](const std::vector<double>& ours, const std::vector<double>& theirs, const char* what) {
    ASSERT_EQ(ours.size(), theirs.size()) << what;
    double scale = 0;
    for (double v : theirs) scale = std::max(scale, std::abs(v));
    for (std::size_t i = 0; i < ours.size(); ++i) ASSERT_NEAR(ours[i], theirs[i], 1e-6 * scale) << what << " " << i;
  };
  check(g.m, ref["m"].get<std::vector<double>>(), "M");
  check(g.w, ref["w"].get<std::vector<double>>(), "W");
  check(g.b, ref["b"].get<std::vector<double>>(), "b");
}

TEST(MtpHeads, SgemmPathEqualsTheReference) {
  const int H = 40, V = 70, T = 29;
  const MtpHeads heads = randomModules(1, H, V, 7);
  const std::vector<float> h = normal(static_cast<std::size_t>(T) * H, 1.0f, 8);
  const std::vector<float> e = normal(static_cast<std::size_t>(T) * H, 0.1f, 9);
  std::vector<int> y(T);
  for (int t = 0; t < T; ++t) y[static_cast<std::size_t>(t)] = t % 6 == 5 ? -1 : (t * 17) % V;
  const MtpGradient ref = heads.lossAndGradient(0, h.data(), e.data(), T, y.data());
  const MtpGradient fast = heads.lossAndGradientFast(0, h.data(), e.data(), T, y.data());
  EXPECT_EQ(fast.rows, ref.rows);
  EXPECT_EQ(fast.top1, ref.top1);
  EXPECT_NEAR(fast.loss, ref.loss, 1e-5 * ref.loss);
  auto worst = [](const std::vector<double>& a, const std::vector<double>& b) {
    double err = 0, scale = 0;
    for (std::size_t i = 0; i < a.size(); ++i)
      err = std::max(err, std::abs(a[i] - b[i])), scale = std::max(scale, std::abs(b[i]));
    return err / scale;
  };
  EXPECT_LT(worst(fast.m, ref.m), 1e-4);
  EXPECT_LT(worst(fast.w, ref.w), 1e-4);
  EXPECT_LT(worst(fast.b, ref.b), 1e-4);
}

TEST(MtpHeads, AnUntrainedModulePredictsWhatTheLmHeadPredicts) {
  const int H = 12, V = 20, T = 4;
  const std::vector<float> lmHead = normal(static_cast<std::size_t>(V) * H, 0.5f, 11);
  const MtpHeads heads(2, H, V, lmHead);
  const std::vector<float> h = normal(static_cast<std::size_t>(T) * H, 1.0f, 12), e = normal(h.size(), 1.0f, 13);
  std::vector<float> logits(static_cast<std::size_t>(T) * V);
  heads.forward(1, h.data(), e.data(), T, nullptr, logits.data());
  for (int t = 0; t < T; ++t)
    for (int v = 0; v < V; ++v) {
      double want = 0;
      for (int i = 0; i < H; ++i)
        want +=
            static_cast<double>(lmHead[static_cast<std::size_t>(v) * H + i]) * h[static_cast<std::size_t>(t) * H + i];
      EXPECT_NEAR(logits[static_cast<std::size_t>(t) * V + v], want, 1e-4);
    }
}

TEST(MtpHeads, FileRoundTripsAndBadFilesNameTheTensor) {
  const int H = 8, V = 10;
  const MtpHeads heads = randomModules(3, H, V, 21);
  testing::TempDir dir;
  heads.write(dir / "mtp.safetensors");
  const MtpHeads back = MtpHeads::read(dir / "mtp.safetensors", V, normal(static_cast<std::size_t>(V) * H, 0.5f, 21));
  ASSERT_EQ(back.count(), 3);
  for (int k = 0; k < 3; ++k) {
    EXPECT_EQ(back.module(k).m, heads.module(k).m);
    EXPECT_EQ(back.module(k).w, heads.module(k).w);
    EXPECT_EQ(back.module(k).b, heads.module(k).b);
  }
  heads.write(dir / "half.safetensors", true);
  const MtpHeads half = MtpHeads::read(dir / "half.safetensors", V, normal(static_cast<std::size_t>(V) * H, 0.5f, 21));
  for (std::size_t i = 0; i < heads.module(2).m.size(); ++i)
    EXPECT_NEAR(half.module(2).m[i], heads.module(2).m[i], 2e-3 * std::abs(heads.module(2).m[i]) + 1e-6);
  // A projection of the wrong size, and a file with no module 0.
  EXPECT_THROW(MtpHeads::read(dir / "mtp.safetensors", V, std::vector<float>(5)), InputError);
  testing::writeFile(dir / "empty.safetensors", std::string("\x02\0\0\0\0\0\0\0{}", 10));
  try {
    MtpHeads::read(dir / "empty.safetensors", V, std::vector<float>(static_cast<std::size_t>(V) * H));
    FAIL() << "no module 0 was accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("mtp.0.eh_proj.weight"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace loupe::specdec
