// The shipped Llama-architecture model, measured (make bench): prefill of a
// 128-token prompt and greedy decoding of 128 tokens through the KV cache.
// Printed: our tokens/s; torch's (CPU, float32, the same weights, a KV
// cache, the same threads) measured in the same run by a script in its own
// process; and decoding's memory-bandwidth bound — every weight is read
// once a token, so tokens/s ≤ memcpy GB/s ÷ weight bytes — with the ratios;
// and one Medusa tree verification as a multiple of one decode step.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include "engines/core/ThreadPool.h"
#include "engines/lm/Checkpoint.h"
#include "engines/lm/LlamaModel.h"
#include "engines/specdec/MedusaTree.h"
#include "tests/bench/BenchSupport.h"

namespace loupe {
namespace {

constexpr int kPrompt = 128, kDecode = 128;
const std::filesystem::path kModel = std::filesystem::path(LOUPE_MODELS_DIR) / "loupe-llama-2m";

std::shared_ptr<const lm::Checkpoint> checkpoint() {
  static const std::shared_ptr<const lm::Checkpoint> ck(lm::loadCheckpoint(kModel));
  return ck;
}

std::vector<int> prompt() {
  std::vector<int> ids(kPrompt);
  for (int i = 0; i < kPrompt; ++i) ids[static_cast<std::size_t>(i)] = 1 + (i * 37) % 3000;  // any in-vocabulary ids
  return ids;
}

// torch: the same architecture in float32 with a KV cache, best of 3; prints
// the prefill seconds and the decode seconds (kDecode tokens).
double torchSeconds(bool decode) {
  static double prefill = -1, decoding = -1;
  if (prefill < 0) {
    const std::string script = R"(
import json, math, struct, time, numpy as np, torch
torch.set_num_threads()" + std::to_string(ThreadPool::shared().concurrency()) +
                               R"()
folder = ")" + kModel.string() +
                               R"("
cfg = json.load(open(folder + "/config.json"))
data = open(folder + "/model.safetensors", "rb").read()
n = struct.unpack("<Q", data[:8])[0]
hdr = json.loads(data[8:8 + n])
w = {k: torch.from_numpy(np.frombuffer(data[8 + n + v["data_offsets"][0]: 8 + n + v["data_offsets"][1]], dtype=np.float16)
     .astype(np.float32).reshape(v["shape"])) for k, v in hdr.items() if k != "__metadata__"}
H, A, G, L = cfg["hidden_size"], cfg["num_attention_heads"], cfg["num_key_value_heads"], cfg["num_hidden_layers"]
d, eps, theta = H // A, cfg["rms_norm_eps"], cfg["rope_theta"]
head = w.get("lm_head.weight", w["model.embed_tokens.weight"])
inv = theta ** (-torch.arange(0, d, 2).float() / d)
ang = torch.outer(torch.arange(512).float(), inv)
cos, sin = torch.cat([ang.cos(), ang.cos()], -1), torch.cat([ang.sin(), ang.sin()], -1)
def norm(x, g): return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * g
def rope(x, p0):
    t = x.shape[1]; r = torch.cat([-x[..., d // 2:], x[..., :d // 2]], -1)
    return x * cos[p0:p0 + t] + r * sin[p0:p0 + t]
def forward(ids, cache):
    t, p0 = len(ids), cache[0][0].shape[1] if cache[0] else 0
    x = w["model.embed_tokens.weight"][torch.tensor(ids)]
    for i in range(L):
        p = f"model.layers.{i}."
        h = norm(x, w[p + "input_layernorm.weight"])
        q = rope((h @ w[p + "self_attn.q_proj.weight"].T).view(t, A, d).transpose(0, 1), p0)
        k = rope((h @ w[p + "self_attn.k_proj.weight"].T).view(t, G, d).transpose(0, 1), p0)
        v = (h @ w[p + "self_attn.v_proj.weight"].T).view(t, G, d).transpose(0, 1)
        if cache[i]: k, v = torch.cat([cache[i][0], k], 1), torch.cat([cache[i][1], v], 1)
        cache[i] = (k, v)
        kk, vv = k.repeat_interleave(A // G, 0), v.repeat_interleave(A // G, 0)
        s = q @ kk.transpose(1, 2) / math.sqrt(d)
        if t > 1: s[:, :, p0:] += torch.full((t, t), float("-inf")).triu(1)
        x = x + (s.softmax(-1) @ vv).transpose(0, 1).reshape(t, H) @ w[p + "self_attn.o_proj.weight"].T
        h = norm(x, w[p + "post_attention_layernorm.weight"])
        g = h @ w[p + "mlp.gate_proj.weight"].T
        x = x + (torch.nn.functional.silu(g) * (h @ w[p + "mlp.up_proj.weight"].T)) @ w[p + "mlp.down_proj.weight"].T
    return norm(x[-1:], w["model.norm.weight"]) @ head.T
ids = [1 + (i * 37) % 3000 for i in range()" +
                               std::to_string(kPrompt) + R"()]
best_p, best_d = 1e9, 1e9
with torch.no_grad():
    for _ in range(3):
        cache = [None] * L
        t0 = time.perf_counter(); logits = forward(ids, cache); t1 = time.perf_counter()
        for _ in range()" + std::to_string(kDecode) +
                               R"():
            logits = forward([int(logits[0].argmax())], cache)
        t2 = time.perf_counter()
        best_p, best_d = min(best_p, t1 - t0), min(best_d, t2 - t1)
print(best_p, best_d)
)";
    const double both = bench::pythonSeconds(script);  // the first number: prefill
    prefill = both;
    // The decode figure is the second number: run a variant that prints it first.
    std::string swapped = script;
    swapped.replace(swapped.rfind("print(best_p, best_d)"), 21, "print(best_d, best_p)");
    decoding = bench::pythonSeconds(swapped);
  }
  return decode ? decoding : prefill;
}

void BM_LmPrefill128(benchmark::State& state) {
  const auto ck = checkpoint();
  const std::vector<int> ids = prompt();
  double seconds = 0;
  for (auto _ : state) {
    lm::LlamaModel model(ck, kPrompt + kDecode + 1);
    const auto t0 = std::chrono::steady_clock::now();
    benchmark::DoNotOptimize(model.forward(ids));
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    seconds += s;
    state.SetIterationTime(s);
  }
  const double tps = kPrompt * static_cast<double>(state.iterations()) / seconds;
  const double torch = torchSeconds(false);
  state.counters["tokens_per_s"] = tps;
  state.counters["torch_tokens_per_s"] = torch > 0 ? kPrompt / torch : 0;
  state.counters["x_torch"] = torch > 0 ? tps / (kPrompt / torch) : 0;
}

void BM_LmDecode128(benchmark::State& state) {
  const auto ck = checkpoint();
  const std::vector<int> ids = prompt();
  double seconds = 0;
  for (auto _ : state) {
    lm::LlamaModel model(ck, kPrompt + kDecode + 1);
    std::vector<float> logits = model.forward(ids);
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < kDecode; ++i) {
      const int next = static_cast<int>(std::max_element(logits.begin(), logits.end()) - logits.begin());
      logits = model.forward({next});
    }
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    state.SetIterationTime(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  const double tps = kDecode * static_cast<double>(state.iterations()) / seconds;
  const double torch = torchSeconds(true);
  const double memcpy = bench::memcpyGBs();
  const double bound = memcpy * 1e9 / static_cast<double>(ck->weightBytes);
  state.counters["tokens_per_s"] = tps;
  state.counters["torch_tokens_per_s"] = torch > 0 ? kDecode / torch : 0;
  state.counters["x_torch"] = torch > 0 ? tps / (kDecode / torch) : 0;
  state.counters["weight_MB"] = static_cast<double>(ck->weightBytes) / 1e6;
  state.counters["memcpy_GBs"] = memcpy;
  state.counters["bandwidth_bound_tokens_per_s"] = bound;
  state.counters["pct_of_bound"] = 100.0 * tps / bound;
}

// What decides whether Medusa trees pay on a CPU: one tree verification
// (every node through the model in one forward on top of a 128-token cache)
// as a multiple of one decode step, for trees of 5, 26 (mc_sim_7b_63's first
// 26 nodes) and 64 nodes. A tree pays when accepted drafts + 1 exceed the multiple.
void BM_LmTreeVerification(benchmark::State& state) {
  const auto ck = checkpoint();
  const int size = static_cast<int>(state.range(0));
  specdec::Choices choices = specdec::medusaBuffers(specdec::namedChoices(std::filesystem::path(LOUPE_SHARED_DATA) /
                                                                              "oracles" / "medusa_choices.json",
                                                                          "mc_sim_7b_63"))
                                 .sorted;
  choices.resize(static_cast<std::size_t>(size - 1));  // the first nodes in (length, lexicographic) order: a tree
  const specdec::MedusaBuffers tree = specdec::medusaBuffers(choices);
  lm::LlamaModel model(ck, kPrompt + 2 * kDecode);
  model.forward(prompt());
  std::vector<int> tokens(tree.parents.size());
  for (std::size_t i = 0; i < tokens.size(); ++i) tokens[i] = 3 + static_cast<int>(i);
  double verify = 0, decode = 0;
  for (auto _ : state) {
    auto t0 = std::chrono::steady_clock::now();
    benchmark::DoNotOptimize(model.verifyTree(tokens, tree.parents));
    const double v = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    verify += v;
    t0 = std::chrono::steady_clock::now();
    benchmark::DoNotOptimize(model.forward({7}));
    decode += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    model.truncate(kPrompt);
    state.SetIterationTime(v);
  }
  state.counters["nodes"] = static_cast<double>(tree.parents.size());
  state.counters["verify_ms"] = 1e3 * verify / static_cast<double>(state.iterations());
  state.counters["decode_step_ms"] = 1e3 * decode / static_cast<double>(state.iterations());
  state.counters["x_decode_step"] = verify / decode;
}

BENCHMARK(BM_LmTreeVerification)
    ->Arg(5)
    ->Arg(26)
    ->Arg(64)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond)
    ->Iterations(50);
BENCHMARK(BM_LmPrefill128)->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(20);
BENCHMARK(BM_LmDecode128)->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(5);

}  // namespace
}  // namespace loupe

BENCHMARK_MAIN();
