// The shipped Mamba (loupe-mamba-2m), measured (make bench):
// - a 128-token prompt in parallel (the selective scan) and 128 tokens of
//   greedy decoding through the recurrence, in tokens/s, beside torch on
//   the CPU running the same weights the way Mamba's reference code does
//   (mamba_peer.py: a causal conv1d and the sequential selective_scan_ref
//   loop for the prompt, Mamba.step for decoding; float32, the same
//   threads), measured in the same run, and the ratio (target ≥ 5×);
//   decoding also against its memory-bandwidth bound (every weight read
//   once a token: memcpy GB/s ÷ weight bytes);
// - the cost of one decoded token after a context of c tokens, Mamba's
//   recurrence against the shipped transformer's KV cache (loupe-llama-2m,
//   a similar size): the recurrence carries a fixed-size state, attention
//   reads a cache that grows with c.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include "engines/core/ThreadPool.h"
#include "engines/lm/Checkpoint.h"
#include "engines/lm/LlamaModel.h"
#include "engines/lm/MambaModel.h"
#include "tests/bench/BenchSupport.h"

namespace loupe {
namespace {

namespace fs = std::filesystem;

constexpr int kPrompt = 128, kDecode = 128;
const fs::path kModels(LOUPE_MODELS_DIR);

std::shared_ptr<const lm::MambaCheckpoint> mamba() {
  static const std::shared_ptr<const lm::MambaCheckpoint> ck(lm::loadMambaCheckpoint(kModels / "loupe-mamba-2m"));
  return ck;
}

std::shared_ptr<const lm::Checkpoint> llama() {
  static const std::shared_ptr<const lm::Checkpoint> ck(lm::loadCheckpoint(kModels / "loupe-llama-2m"));
  return ck;
}

// The prompt mamba_peer.py builds too: any in-vocabulary ids.
std::vector<int> prompt(int n) {
  std::vector<int> ids(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) ids[static_cast<std::size_t>(i)] = 1 + (i * 37) % 3000;
  return ids;
}

// torch's prompt and decode seconds (best of three each), once per run.
const std::vector<double>& torchSeconds() {
  static const std::vector<double> seconds =
      bench::pythonNumbers(std::string(LOUPE_BENCH_DIR) + "/mamba_peer.py",
                           {(kModels / "loupe-mamba-2m").string(), std::to_string(kPrompt), std::to_string(kDecode),
                            std::to_string(ThreadPool::shared().concurrency())});
  return seconds;
}

double since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void BM_MambaPrompt128(benchmark::State& state) {
  const auto ck = mamba();
  const std::vector<int> ids = prompt(kPrompt);
  double seconds = 0;
  for (auto _ : state) {
    lm::MambaModel model(ck);
    const auto t0 = std::chrono::steady_clock::now();
    benchmark::DoNotOptimize(model.forward(ids));
    const double s = since(t0);
    seconds += s;
    state.SetIterationTime(s);
  }
  const double tps = kPrompt * static_cast<double>(state.iterations()) / seconds;
  const auto& torch = torchSeconds();
  const double torchTps = torch.size() == 2 ? kPrompt / torch[0] : 0;
  state.counters["tokens_per_s"] = tps;
  state.counters["torch_tokens_per_s"] = torchTps;
  state.counters["x_torch"] = torchTps > 0 ? tps / torchTps : 0;
}

void BM_MambaDecode128(benchmark::State& state) {
  const auto ck = mamba();
  const std::vector<int> ids = prompt(kPrompt);
  double seconds = 0;
  for (auto _ : state) {
    lm::MambaModel model(ck);
    std::vector<float> logits = model.forward(ids);
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < kDecode; ++i) {
      const int next = static_cast<int>(std::max_element(logits.begin(), logits.end()) - logits.begin());
      logits = model.step(next);
    }
    const double s = since(t0);
    seconds += s;
    state.SetIterationTime(s);
  }
  const double tps = kDecode * static_cast<double>(state.iterations()) / seconds;
  const auto& torch = torchSeconds();
  const double torchTps = torch.size() == 2 ? kDecode / torch[1] : 0;
  // Every weight is read once a token: tokens/s ≤ memcpy GB/s ÷ weight bytes.
  const double memcpy = bench::memcpyGBs();
  const double bound = memcpy * 1e9 / static_cast<double>(ck->weightBytes);
  state.counters["tokens_per_s"] = tps;
  state.counters["torch_tokens_per_s"] = torchTps;
  state.counters["x_torch"] = torchTps > 0 ? tps / torchTps : 0;
  state.counters["weight_MB"] = static_cast<double>(ck->weightBytes) / 1e6;
  state.counters["bandwidth_bound_tokens_per_s"] = bound;
  state.counters["pct_of_bound"] = 100.0 * tps / bound;
}

// One decoded token after `c` tokens of context: 16 Mamba steps from the
// state the context left, and 16 transformer forwards of one row over its
// cache (cut back to `c` after each round); ms a token, best round.
void BM_DecodeCostAtContext(benchmark::State& state) {
  constexpr int reps = 16;
  const int c = static_cast<int>(state.range(0));
  const std::vector<int> ids = prompt(c + reps);
  const std::vector<int> context(ids.begin(), ids.begin() + c);
  lm::LlamaModel t(llama(), c + reps);
  t.forward(context);
  double bestMamba = 1e9, bestLlama = 1e9;
  for (auto _ : state) {
    lm::MambaModel m(mamba());
    m.forward(context);
    auto t0 = std::chrono::steady_clock::now();
    for (int i = c; i < c + reps; ++i) benchmark::DoNotOptimize(m.step(ids[static_cast<std::size_t>(i)]));
    const double mambaSeconds = since(t0) / reps;
    t0 = std::chrono::steady_clock::now();
    for (int i = c; i < c + reps; ++i) benchmark::DoNotOptimize(t.forward({ids[static_cast<std::size_t>(i)]}));
    const double llamaSeconds = since(t0) / reps;
    t.truncate(c);
    bestMamba = std::min(bestMamba, mambaSeconds), bestLlama = std::min(bestLlama, llamaSeconds);
    state.SetIterationTime(mambaSeconds);
  }
  state.counters["context"] = c;
  state.counters["mamba_ms_per_token"] = 1e3 * bestMamba;
  state.counters["transformer_ms_per_token"] = 1e3 * bestLlama;
  state.counters["x_transformer"] = bestLlama / bestMamba;
  state.counters["mamba_params_M"] = static_cast<double>(mamba()->config.parameterCount()) / 1e6;
  state.counters["transformer_params_M"] = static_cast<double>(llama()->config.parameterCount()) / 1e6;
}

BENCHMARK(BM_MambaPrompt128)->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(20);
BENCHMARK(BM_MambaDecode128)->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(5);
BENCHMARK(BM_DecodeCostAtContext)
    ->Arg(16)
    ->Arg(64)
    ->Arg(128)
    ->Arg(256)
    ->Arg(480)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond)
    ->Iterations(5);

}  // namespace
}  // namespace loupe

BENCHMARK_MAIN();
