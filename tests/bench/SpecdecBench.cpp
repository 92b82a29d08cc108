// Speculative decoding, measured (make bench): 300 tokens from the phone
// trigram (target) by plain target decoding, a speculative chain (the
// file's bigram as draft, γ = 4; speculative sampling and greedy), MTP
// heads, and Medusa trees (a top-1 chain of 4 and mc_sim_7b_63, heads
// estimated from sampled text, typical and greedy acceptance), 5 seeds each.
// Printed per method: tokens/s measured here, the ratio to plain decoding
// measured in the same run, tokens per target call ("accepted length") and
// target calls per token. On this CPU every tree node costs a model call;
// on a GPU the tree is one batched call — tokens per call is the figure
// that carries over, wall time is this emulation's.
#include <benchmark/benchmark.h>

#include <filesystem>
#include <map>

#include "engines/specdec/Decoding.h"

namespace loupe {
namespace {

using namespace specdec;

struct Setup {
  ArpaModel arpa =
      ArpaModel::load(std::filesystem::path(LOUPE_SHARED_DATA) / "ngram_lm" / "pocketsphinx_en-us-phone.arpa");
  ArpaTokenModel rawTarget{arpa}, rawDraft{arpa, 2};
  MarkovCache target{rawTarget, 3}, draft{rawDraft, 2};
  std::vector<int> text;
  std::unique_ptr<EstimatedMedusaHeads> medusa;
  std::unique_ptr<EstimatedMtpHeads> mtp;
  std::vector<int> prompt{rawTarget.id("SIL"), rawTarget.id("HH"), rawTarget.id("AH")};
  Setup() {
    std::mt19937_64 rng(99);
    text = sampleText(target, 20000, 40, rng);
    medusa = std::make_unique<EstimatedMedusaHeads>(text, target.vocabularySize(), 4);
    mtp = std::make_unique<EstimatedMtpHeads>(text, target.vocabularySize(), 4);
    // Fill the caches once so no method pays for the first lookups.
    for (int t = 0; t < target.vocabularySize(); ++t)
      for (int u = 0; u < target.vocabularySize(); ++u)
        (void)target.distribution({t, u}), (void)draft.distribution({u});
  }
};

Setup& setup() {
  static Setup s;
  return s;
}

std::map<bool, double>& plainRate() {
  static std::map<bool, double> r;
  return r;
}

// range(0): method (0 target, 1 chain, 2 mtp, 3 medusa chain:4, 4 medusa
// mc_sim_7b_63); range(1): 1 greedy, 0 sampling / typical.
void BM_Decode(benchmark::State& state) {
  Setup& s = setup();
  DecodeSettings settings;
  const int method = static_cast<int>(state.range(0));
  const bool greedy = state.range(1) != 0;
  settings.method = method == 0   ? Method::Target
                    : method == 1 ? Method::Chain
                    : method == 2 ? Method::Mtp
                                  : Method::Medusa;
  settings.tokens = 300;
  settings.gamma = 4;
  settings.rule.greedy = greedy;
  if (method == 3) settings.tree = chainChoices(4);
  if (method == 4)
    settings.tree =
        namedChoices(std::filesystem::path(LOUPE_SHARED_DATA) / "oracles" / "medusa_choices.json", "mc_sim_7b_63");
  const DecodeModels models{&s.target, &s.draft, s.medusa.get(), s.mtp.get()};
  DecodeRun pooled;
  std::uint64_t seed = 0;
  for (auto _ : state) {
    std::mt19937_64 rng(seed++ % 5);
    DecodeRun run = decode(models, settings, s.prompt, rng);
    state.SetIterationTime(run.seconds);
    appendRun(pooled, std::move(run));
  }
  const DecodeMetrics m = metricsOf(pooled);
  const double rate = m.tokensPerSecond;
  if (method == 0) plainRate()[greedy] = rate;
  state.counters["tokens_per_s"] = rate;
  state.counters["tokens_per_call"] = m.tokensPerStep;
  state.counters["target_calls_per_token"] = m.targetCallsPerToken;
  if (plainRate().count(greedy)) state.counters["vs_plain"] = rate / plainRate()[greedy];
}

BENCHMARK(BM_Decode)
    ->ArgNames({"method", "greedy"})
    ->ArgsProduct({{0, 1, 2, 3, 4}, {1, 0}})
    ->UseManualTime()
    ->Iterations(50)
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace loupe

BENCHMARK_MAIN();
