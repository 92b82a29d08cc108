// Speculative decoding on the shipped transformer, wall clock on this CPU
// (make bench): each method decodes 100 tokens greedily after each of 5
// held-out prompts through specdec::decode() and the model's KV cache, and
// in the same benchmark run plain cached decoding does the same — through
// decode()'s "target" method (the same softmax-to-double bookkeeping) and
// bare (LlamaModel::forward one token at a time, argmax on the logits).
// Printed: tokens/s of the method and of plain decoding, their ratio
// (x_plain > 1: the method wins here), tokens per target call and target
// calls. Every method emits the same tokens as plain greedy decoding (the
// ModelSpeculative test), so only the time differs.
#include <benchmark/benchmark.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include "engines/lm/LlamaTokenModel.h"
#include "engines/lm/MedusaDecoding.h"
#include "engines/lm/ModelDrafts.h"
#include "engines/lm/Tokenizer.h"
#include "engines/specdec/Decoding.h"
#include "engines/specdec/MtpHeads.h"
#include "engines/specdec/ResidualHeads.h"

namespace loupe {
namespace {

namespace fs = std::filesystem;
const fs::path kModels = fs::path(LOUPE_MODELS_DIR);
constexpr int kTokens = 100;

struct Setup {
  std::shared_ptr<const lm::Checkpoint> target, draft;
  specdec::ResidualHeads medusa;
  specdec::MtpHeads mtp;
  std::vector<std::vector<int>> prompts;
};

const Setup& setup() {
  static const Setup s = [] {
    Setup s;
    s.target = lm::loadCheckpoint(kModels / "loupe-llama-2m");
    s.draft = lm::loadCheckpoint(kModels / "loupe-llama-draft");
    s.medusa = specdec::ResidualHeads::read(kModels / "loupe-llama-2m" / "medusa_lm_head.safetensors");
    s.mtp = specdec::MtpHeads::read(kModels / "loupe-llama-2m" / "mtp_heads.safetensors", s.target->config.vocab,
                                    lm::wideLmHead(*s.target));
    const lm::Tokenizer tok(kModels / "loupe-llama-2m" / "tokenizer.model");
    for (const char* text : {"river: ", "cat: ", "happy: ", "telescope: ", "run: "}) {
      std::vector<int> ids{tok.bosId()};
      for (int id : tok.encode(text)) ids.push_back(id);
      s.prompts.push_back(ids);
    }
    return s;
  }();
  return s;
}

// A tree of the first `nodes` of mc_sim_7b_63 cut to the heads' depth.
specdec::Choices publishedTree(std::size_t nodes, int depth) {
  specdec::Choices out;
  for (const auto& path :
       specdec::medusaBuffers(
           specdec::namedChoices(fs::path(LOUPE_SHARED_DATA) / "oracles" / "medusa_choices.json", "mc_sim_7b_63"))
           .sorted)
    if (static_cast<int>(path.size()) <= depth && out.size() < nodes) out.push_back(path);
  return out;
}

double seconds(const std::chrono::steady_clock::time_point& t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Arg 0: 0 chain γ=2, 1 chain γ=4, 2 MTP γ=3, 3 Medusa chain:3, 4 Medusa 10 nodes, 5 Medusa 26 nodes,
// 6 target (plain decoding through decode(), against bare plain decoding).
void BM_SpeculativeOnModel(benchmark::State& state) {
  const Setup& s = setup();
  const lm::LlamaTokenModel target(s.target, 512), draft(s.draft, 512);
  const lm::ModelMedusaHeads heads(target, s.medusa);
  lm::ModelMtpDraft mtp(target, s.mtp);
  lm::LlamaModel bare(s.target, 512);
  specdec::DecodeSettings settings;
  settings.tokens = kTokens;
  const int which = static_cast<int>(state.range(0));
  switch (which) {
    case 0:
    case 1:
      settings.method = specdec::Method::Chain, settings.gamma = which == 0 ? 2 : 4;
      state.SetLabel("chain gamma=" + std::to_string(settings.gamma));
      break;
    case 2:
      settings.method = specdec::Method::Mtp, settings.gamma = 3;
      state.SetLabel("mtp gamma=3");
      break;
    case 3:
    case 4:
    case 5:
      settings.method = specdec::Method::Medusa;
      settings.tree = which == 3 ? specdec::chainChoices(3) : publishedTree(which == 4 ? 9 : 25, s.medusa.count());
      state.SetLabel("medusa " + std::to_string(settings.tree.size() + 1) + " nodes");
      break;
    default:
      settings.method = specdec::Method::Target;
      state.SetLabel("target via decode()");
  }
  double methodTime = 0, plainTime = 0, bareTime = 0;
  long tokens = 0, calls = 0, steps = 0;
  for (auto _ : state) {
    const double before = methodTime;
    for (const auto& prompt : s.prompts) {
      std::mt19937_64 rng(1);
      auto t0 = std::chrono::steady_clock::now();
      const specdec::DecodeRun run = specdec::decode({&target, &draft, &heads, nullptr, &mtp}, settings, prompt, rng);
      methodTime += seconds(t0);
      tokens += static_cast<long>(run.tokens.size());
      calls += run.targetCalls;
      steps += static_cast<long>(run.steps.size());
      specdec::DecodeSettings plain = settings;
      plain.method = specdec::Method::Target;
      t0 = std::chrono::steady_clock::now();
      benchmark::DoNotOptimize(specdec::decode({&target, nullptr, nullptr, nullptr, nullptr}, plain, prompt, rng));
      plainTime += seconds(t0);
      t0 = std::chrono::steady_clock::now();
      benchmark::DoNotOptimize(lm::plainGreedy(bare, prompt, kTokens));
      bareTime += seconds(t0);
    }
    state.SetIterationTime(methodTime - before);
  }
  const double n = static_cast<double>(tokens);
  state.counters["tokens_per_s"] = n / methodTime;
  state.counters["plain_tokens_per_s"] = n / plainTime;
  state.counters["bare_plain_tokens_per_s"] = n / bareTime;
  state.counters["x_plain"] = plainTime / methodTime;
  state.counters["x_bare_plain"] = bareTime / methodTime;
  state.counters["tokens_per_call"] = n / static_cast<double>(std::max(steps, 1L));
  state.counters["target_calls"] = static_cast<double>(calls) / static_cast<double>(state.iterations());
}

BENCHMARK(BM_SpeculativeOnModel)->DenseRange(0, 6)->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(3);

}  // namespace
}  // namespace loupe

BENCHMARK_MAIN();
