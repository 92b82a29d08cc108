// Speculative decoding on the shipped transformer, every method through
// specdec::decode() with the model's KV cache:
// - greedy runs of the draft-model chain, Medusa (shipped trained heads,
//   three trees) and MTP (shipped trained modules) emit exactly plain
//   greedy decoding's tokens — 200 tokens on 5 prompts;
// - speculative sampling keeps the target's distribution of the first two
//   emitted tokens (chi-square, 10⁵ draws, scipy's p-value), while the draft
//   model's own distribution is rejected.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "engines/lm/LlamaTokenModel.h"
#include "engines/lm/MedusaDecoding.h"
#include "engines/lm/ModelDrafts.h"
#include "engines/lm/Tokenizer.h"
#include "engines/specdec/Decoding.h"
#include "engines/specdec/MemoTokenModel.h"
#include "tests/support/TestHelpers.h"

namespace loupe::lm {
namespace {

namespace fs = std::filesystem;

const fs::path kModels = fs::path(LOUPE_TEST_SOURCE_DIR).parent_path() / "resources" / "models";

std::vector<int> promptOf(const Tokenizer& tok, const std::string& text) {
  std::vector<int> ids{tok.bosId()};
  for (int id : tok.encode(text)) ids.push_back(id);
  return ids;
}

TEST(ModelSpeculative, GreedyRunsOfEveryMethodEmitPlainGreedyTokens) {
  auto ck = std::shared_ptr<const Checkpoint>(loadCheckpoint(kModels / "loupe-llama-2m"));
  auto draftCk = std::shared_ptr<const Checkpoint>(loadCheckpoint(kModels / "loupe-llama-draft"));
  const Tokenizer tok(kModels / "loupe-llama-2m" / "tokenizer.model");
  const specdec::ResidualHeads medusa =
      specdec::ResidualHeads::read(kModels / "loupe-llama-2m" / "medusa_lm_head.safetensors");
  const specdec::MtpHeads mtp =
      specdec::MtpHeads::read(kModels / "loupe-llama-2m" / "mtp_heads.safetensors", ck->config.vocab, wideLmHead(*ck));
  const std::vector<specdec::Choices> trees{
      specdec::namedChoices(fs::path(LOUPE_SHARED_DATA) / "oracles" / "medusa_choices.json", "mc_sim_7b_63"),
      specdec::chainChoices(3), specdec::Choices{{0}, {1}, {2}, {0, 0}, {0, 1}, {1, 0}, {0, 0, 0}}};
  // The 63-node tree is 5 deep; the shipped heads are 3: cut it to them.
  specdec::Choices cut;
  for (const auto& path : trees[0])
    if (static_cast<int>(path.size()) <= medusa.count()) cut.push_back(path);

  LlamaModel reference(ck, 512);
  const LlamaTokenModel target(ck, 512), draft(draftCk, 512);
  const ModelMedusaHeads heads(target, medusa);
  ModelMtpDraft mtpDraft(target, mtp);
  std::map<std::string, long> calls, accepted;
  for (const char* text : {"river: ", "cat: ", "happy: ", "telescope: an optical", "run: "}) {
    const std::vector<int> prompt = promptOf(tok, text);
    const std::vector<int> plain = plainGreedy(reference, prompt, 200).tokens;
    std::vector<std::pair<std::string, specdec::DecodeSettings>> methods;
    specdec::DecodeSettings s;
    s.tokens = 200;
    s.method = specdec::Method::Target;
    methods.emplace_back("target", s);
    s.method = specdec::Method::Chain, s.gamma = 4;
    methods.emplace_back("chain", s);
    s.method = specdec::Method::Mtp, s.gamma = 3;
    methods.emplace_back("mtp", s);
    s.method = specdec::Method::Medusa;
    for (const auto& tree : {cut, trees[1], trees[2]}) {
      s.tree = tree;
      methods.emplace_back("medusa " + std::to_string(tree.size()), s);
    }
    for (const auto& [name, settings] : methods) {
      std::mt19937_64 rng(1);
      const specdec::DecodeRun run =
          specdec::decode({&target, &draft, &heads, nullptr, &mtpDraft}, settings, prompt, rng);
      ASSERT_EQ(run.tokens, plain) << name << ", prompt \"" << text << "\"";
      calls[name] += run.targetCalls;
      for (const auto& step : run.steps) accepted[name] += step.accepted;
    }
  }
  for (const auto& [name, n] : calls)
    std::printf("%-12s target calls %5ld  drafts accepted %5ld (1000 tokens)\n", name.c_str(), n, accepted[name]);
  // Trained heads and the draft model do accept drafts: fewer target calls than tokens.
  for (const char* name : {"chain", "mtp", "medusa 7"}) EXPECT_LT(calls[name], calls["target"]) << name;
}

// The first two emitted tokens as one category.
using Pair = std::pair<int, int>;

// What decides the first two emitted tokens of speculative sampling after
// `prompt`: the target's and the draft's distributions after the prompt and
// after the prompt plus one token — nothing deeper (a deeper context only
// scores drafts or a bonus token that come third or later). This view gives
// the model's exact distributions there, each computed once, and a uniform
// one deeper, so 10⁵ draws cost a few thousand forwards instead of 10⁵·γ.
class FirstTwoTokensView : public specdec::TokenModel {
 public:
  FirstTwoTokensView(const specdec::TokenModel& model, std::size_t prompt) : m_memo(model), m_prompt(prompt) {}
  int vocabularySize() const override { return m_memo.vocabularySize(); }
  std::vector<double> next(const std::vector<int>& context) const override {
    if (context.size() > m_prompt + 1)
      return std::vector<double>(static_cast<std::size_t>(vocabularySize()), 1.0 / vocabularySize());
    return m_memo.next(context);
  }
  std::vector<std::vector<double>> nextBatch(const std::vector<std::vector<int>>& contexts) const override {
    std::vector<std::vector<int>> needed;
    for (const auto& c : contexts)
      if (c.size() <= m_prompt + 1) needed.push_back(c);
    std::vector<std::vector<double>> out = m_memo.nextBatch(needed);  // one call, as verification makes it
    while (out.size() < contexts.size()) out.push_back(next(contexts[out.size()]));
    return out;
  }
  std::size_t contextsRun() const { return m_memo.distinctContexts(); }

 private:
  specdec::MemoTokenModel m_memo;
  std::size_t m_prompt;
};

TEST(ModelSpeculative, SpeculativeSamplingKeepsTheTargetsDistribution) {
  auto ck = std::shared_ptr<const Checkpoint>(loadCheckpoint(kModels / "loupe-llama-2m"));
  auto draftCk = std::shared_ptr<const Checkpoint>(loadCheckpoint(kModels / "loupe-llama-draft"));
  const Tokenizer tok(kModels / "loupe-llama-2m" / "tokenizer.model");
  const LlamaTokenModel targetModel(ck, 64), draftModel(draftCk, 64);
  const std::vector<int> prompt = promptOf(tok, "cat: ");
  const FirstTwoTokensView target(targetModel, prompt.size()), draft(draftModel, prompt.size());
  const int samples = 100000;
  std::mt19937_64 rng(7);
  std::map<Pair, double> speculative, draftOnly;
  for (int i = 0; i < samples; ++i) {
    std::vector<int> ctx = prompt, emitted;
    while (emitted.size() < 2) {
      const specdec::SpeculativeStep step = specdec::speculativeStep(target, draft, ctx, 2, rng);
      for (int t : step.tokens) emitted.push_back(t), ctx.push_back(t);
    }
    ++speculative[{emitted[0], emitted[1]}];
    // The draft model sampled on its own.
    const int x1 = specdec::sampleFrom(draft.next(prompt), rng);
    std::vector<int> c = prompt;
    c.push_back(x1);
    ++draftOnly[{x1, specdec::sampleFrom(draft.next(c), rng)}];
  }
  // The target's exact joint p(x₁)·p(x₂ | x₁): a bin for every pair expected
  // ≥ 5 times, the rest of the mass in one more.
  const std::vector<double> p1 = target.next(prompt);
  std::map<Pair, std::size_t> bin;
  std::vector<double> probability;
  double binned = 0;
  for (int x1 = 0; x1 < static_cast<int>(p1.size()); ++x1) {
    if (p1[static_cast<std::size_t>(x1)] * samples < 5) continue;
    std::vector<int> c = prompt;
    c.push_back(x1);
    const std::vector<double> p2 = target.next(c);
    for (int x2 = 0; x2 < static_cast<int>(p2.size()); ++x2) {
      const double p = p1[static_cast<std::size_t>(x1)] * p2[static_cast<std::size_t>(x2)];
      if (p * samples < 5) continue;
      bin[{x1, x2}] = probability.size();
      probability.push_back(p);
      binned += p;
    }
  }
  probability.push_back(1.0 - binned);
  auto counts = [&](const std::map<Pair, double>& seen) {
    std::vector<double> c(probability.size(), 0.0);
    for (const auto& [pair, n] : seen) {
      const auto it = bin.find(pair);
      c[it == bin.end() ? probability.size() - 1 : it->second] += n;
    }
    return c;
  };
  const double pSpeculative = testing::chiSquareP(counts(speculative), probability);
  const double pDraft = testing::chiSquareP(counts(draftOnly), probability);
  std::printf("%zu bins; speculative sampling p = %.4g; the draft alone p = %.3g; %zu target contexts run\n",
              probability.size(), pSpeculative, pDraft, target.contextsRun());
  EXPECT_GT(pSpeculative, 0.001);
  EXPECT_LT(pDraft, 0.001);
  EXPECT_GT(probability.size(), 50u);  // the test sees the distribution, not a handful of tokens
}

}  // namespace
}  // namespace loupe::lm
