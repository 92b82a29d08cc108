// Engine kinds of the speculative-decoding topic, on ARPA n-gram models (the
// target: the file's full order; drafts: the same file cut to a lower order)
// or, with source "model", on the shipped transformer: its KV cache, the
// shipped draft model for chains, trained Medusa heads (a tree deeper than
// them is cut to their depth) and trained MTP modules, the prompts the
// held-out glosses' "word: " starts.
// - `specdec.sample`: draft-model chain, γ drafts a step, speculative
//   sampling or greedy verification;
// - `specdec.medusa`: Medusa heads (oracle or estimated from text sampled
//   from the target) filling a tree (a published choice list by name,
//   "chain:N", or a JSON list), greedy or typical acceptance;
// - `specdec.compare`: several methods ("target", "chain", "mtp",
//   "medusa:<tree>") on the same prompt, seeds and acceptance rule.
// sample / medusa record one step per decoding step: drafts kept, emitted
// token ids, for trees every node (token, parent, target probability) and
// the accepted path; step 0 carries the vocabulary (UTF-8, one word a
// line), the last step the run's metrics. compare records one step per
// method with its metrics, acceptance by depth, accepted-length histogram
// and tokens.
#include "experiments/kinds/SpecdecKinds.h"

#include <cmath>
#include <memory>
#include <random>
#include <sstream>

#include "engines/core/Error.h"
#include "engines/lm/LlamaTokenModel.h"
#include "engines/lm/MedusaDecoding.h"
#include "engines/lm/ModelDrafts.h"
#include "engines/specdec/Decoding.h"
#include "engines/specdec/MtpHeads.h"
#include "engines/specdec/ResidualHeads.h"
#include "experiments/RunContext.h"
#include "experiments/kinds/LmKinds.h"
#include "experiments/kinds/ModelPrompt.h"
#include "experiments/kinds/SpecdecRecords.h"

namespace loupe {

namespace {

using namespace loupe::specdec;
namespace rec = loupe::specdec_records;

Array int64s(const std::vector<int>& v) {
  return Array::fromValues<std::int64_t>({static_cast<std::int64_t>(v.size())},
                                         std::vector<std::int64_t>(v.begin(), v.end()));
}

template <class T>
Array doubles(const std::vector<T>& v) {
  return Array::fromValues<double>({static_cast<std::int64_t>(v.size())}, std::vector<double>(v.begin(), v.end()));
}

// The models a run needs, built once from the parameters: an ARPA n-gram
// model and its lower-order view (source "ngram"), or the shipped
// transformer, its draft model and trained heads (source "model").
struct Models {
  // source "ngram"
  ArpaModel arpa;
  std::unique_ptr<ArpaTokenModel> rawTarget, rawDraft;
  std::unique_ptr<MarkovCache> ngramTarget, ngramDraft;
  std::vector<int> text;  // sampled from the target, for estimated heads
  std::unique_ptr<EstimatedMtpHeads> mtp;
  // source "model"
  std::unique_ptr<LoadedModel> lm, lmDraft;
  std::unique_ptr<lm::LlamaTokenModel> lmTarget, lmDraftModel;
  specdec::ResidualHeads residualHeads;
  specdec::MtpHeads mtpModules;
  std::unique_ptr<lm::ModelMtpDraft> mtpDraft;
  // Either source
  const TokenModel* target = nullptr;
  const TokenModel* draft = nullptr;
  std::unique_ptr<MedusaHeads> medusa;
  std::vector<std::string> words;         // token id → its text
  bool subword = false;                   // the texts carry their own spaces
  std::vector<std::vector<int>> prompts;  // the first is the prompt; compare's repeats take them in turn
  const std::vector<int>& prompt() const { return prompts.front(); }
};

std::string defaultTargetFile() {
  return std::string(LOUPE_SHARED_DATA) + "/ngram_lm/pocketsphinx_en-us-phone.arpa";
}
// The shipped transformer (params.model), its draft (params.draft_model)
// and the heads shipped beside it or named by heads_file / mtp_file.
// Prompts: params.model_prompt, else the held-out glosses' "word: " starts.
void loadTransformer(RunContext& ctx, Models& m) {
  m.lm = std::make_unique<LoadedModel>(loadModel(ctx.paramString("model")));
  m.lmDraft = std::make_unique<LoadedModel>(loadModel(ctx.paramString("draft_model")));
  const lm::LlamaConfig& c = m.lm->checkpoint->config;
  if (m.lmDraft->checkpoint->config.vocab != c.vocab)
    throw InputError("params.draft_model", "has a vocabulary of " +
                                               std::to_string(m.lmDraft->checkpoint->config.vocab) +
                                               " tokens; the model's is " + std::to_string(c.vocab));
  m.lmTarget = std::make_unique<lm::LlamaTokenModel>(m.lm->checkpoint, c.maxPositions);
  m.lmDraftModel =
      std::make_unique<lm::LlamaTokenModel>(m.lmDraft->checkpoint, m.lmDraft->checkpoint->config.maxPositions);
  m.target = m.lmTarget.get();
  m.draft = m.lmDraftModel.get();
  const std::string medusaFile = headsFileOr(*m.lm, ctx.paramString("heads_file"), "medusa_lm_head.safetensors");
  try {
    m.residualHeads =
        medusaFile.empty() ? lm::headsFromLmHead(*m.lm->checkpoint, 3) : specdec::ResidualHeads::read(medusaFile);
    m.medusa = std::make_unique<lm::ModelMedusaHeads>(*m.lmTarget, m.residualHeads);
  } catch (const InputError& e) {
    throw InputError("params.heads_file", e.what());
  }
  const std::string mtpFile = headsFileOr(*m.lm, ctx.paramString("mtp_file"), "mtp_heads.safetensors");
  try {
    m.mtpModules = mtpFile.empty() ? specdec::MtpHeads(3, c.hidden, c.vocab, lm::wideLmHead(*m.lm->checkpoint))
                                   : specdec::MtpHeads::read(mtpFile, c.vocab, lm::wideLmHead(*m.lm->checkpoint));
    m.mtpDraft = std::make_unique<lm::ModelMtpDraft>(*m.lmTarget, m.mtpModules);
  } catch (const InputError& e) {
    throw InputError("params.mtp_file", e.what());
  }
  std::vector<int> ids(static_cast<std::size_t>(c.vocab));
  for (int i = 0; i < c.vocab; ++i) ids[static_cast<std::size_t>(i)] = i;
  for (std::string w : m.lm->texts(ids)) {
    for (char& ch : w)
      if (ch == rec::kVocabularySeparator) ch = ' ';  // a newline byte piece reads as a space
    m.words.push_back(w);
  }
  m.subword = true;
  const std::string prompt = ctx.paramString("model_prompt");
  if (!prompt.empty()) {
    m.prompts.push_back(m.lm->promptIds(prompt, "params.model_prompt"));
  } else {
    for (const std::string& line :
         readTextLines((shippedModelsDir() / "heldout.txt").string(), "the shipped heldout.txt", 200)) {
      const std::size_t colon = line.find(": ");
      if (colon != std::string::npos) m.prompts.push_back(m.lm->promptIds(line.substr(0, colon + 2), "heldout.txt"));
    }
  }
}

std::unique_ptr<Models> loadModels(RunContext& ctx) {
  auto m = std::make_unique<Models>();
  if (ctx.paramString("source") == "model") {
    loadTransformer(ctx, *m);
    return m;
  }
  const std::string file =
      ctx.paramString("target_file").empty() ? defaultTargetFile() : ctx.paramString("target_file");
  try {
    m->arpa = ArpaModel::load(file);
  } catch (const std::exception& e) {
    throw InputError("params.target_file", e.what());
  }
  const int order = m->arpa.order();
  const int draftOrder = static_cast<int>(ctx.paramInt("draft_order"));
  if (draftOrder >= order)
    throw InputError("params.draft_order",
                     std::to_string(draftOrder) + " is not below the target's order " + std::to_string(order));
  if (order > 4) throw InputError("params.target_file", file + ": order " + std::to_string(order) + " above 4");
  if (m->arpa.vocabulary().size() > 2000)
    throw InputError("params.target_file", file + ": " + std::to_string(m->arpa.vocabulary().size()) +
                                               " words; heads and trees here are for small vocabularies (≤ 2000)");
  m->rawTarget = std::make_unique<ArpaTokenModel>(m->arpa);
  m->rawDraft = std::make_unique<ArpaTokenModel>(m->arpa, draftOrder);
  m->ngramTarget = std::make_unique<MarkovCache>(*m->rawTarget, order);
  m->ngramDraft = std::make_unique<MarkovCache>(*m->rawDraft, draftOrder);
  m->target = m->ngramTarget.get();
  m->draft = m->ngramDraft.get();
  for (int i = 0; i < m->rawTarget->vocabularySize(); ++i) m->words.push_back(m->rawTarget->word(i));
  std::vector<int> prompt;
  std::istringstream words(ctx.paramString("prompt"));
  for (std::string w; words >> w;) {
    const int id = m->rawTarget->id(w);
    if (id < 0) throw InputError("params.prompt", "'" + w + "' is not in " + file + "'s vocabulary");
    prompt.push_back(id);
  }
  if (prompt.empty()) throw InputError("params.prompt", "needs at least one word");
  m->prompts.push_back(prompt);
  return m;
}

void sampleTrainingText(RunContext& ctx, Models& m) {
  if (!m.text.empty()) return;
  std::mt19937_64 rng(ctx.seed() ^ 0x5eedu);
  m.text = sampleText(*m.ngramTarget, static_cast<int>(ctx.paramInt("train_tokens")), 40, rng);
}

Choices treeFrom(const std::string& spec, const std::string& where) {
  try {
    return choicesFromSpec(spec, medusaChoicesFile());
  } catch (const std::invalid_argument& e) {
    throw InputError(where, e.what());
  }
}

// "target,chain,medusa:[[0], [1]]" → its methods: commas inside a JSON
// choice list do not split.
std::vector<std::string> splitMethods(const std::string& list) {
  std::vector<std::string> out{""};
  int depth = 0;
  for (char ch : list) {
    depth += ch == '[' ? 1 : ch == ']' ? -1 : 0;
    if (ch == ',' && depth == 0)
      out.emplace_back();
    else
      out.back() += ch;
  }
  std::erase_if(out, [](const std::string& m) { return m.find_first_not_of(' ') == std::string::npos; });
  for (auto& m : out) m.erase(0, m.find_first_not_of(' '));
  return out;
}

int treeDepth(const Choices& c) {
  std::size_t d = 0;
  for (const auto& p : c) d = std::max(d, p.size());
  return static_cast<int>(d);
}

// On the transformer, a tree deeper than its trained heads keeps the paths
// they can fill (a published tree for 5 heads, on 3).
Choices cutToHeads(const Models& m, Choices tree) {
  if (!m.lm) return tree;
  std::erase_if(tree,
                [&](const std::vector<int>& path) { return static_cast<int>(path.size()) > m.residualHeads.count(); });
  return tree;
}

AcceptanceRule ruleFrom(RunContext& ctx) {
  AcceptanceRule r;
  r.greedy = ctx.paramString("acceptance") == "greedy";
  r.temperature = ctx.paramFloat("temperature");
  r.threshold = ctx.paramFloat("threshold");
  r.alpha = ctx.paramFloat("alpha");
  return r;
}

void summarize(StepRecord& r, const DecodeRun& run, double costRatio, const std::string& prefix = "") {
  const DecodeMetrics m = metricsOf(run);
  r.metric(prefix + rec::kTokensPerStep, m.tokensPerStep).metric(prefix + rec::kMeanAccepted, m.meanAccepted);
  r.metric(prefix + rec::kTargetCallsPerToken, m.targetCallsPerToken)
      .metric(prefix + rec::kTokensPerSecond, m.tokensPerSecond);
  r.metric(prefix + rec::kSpeedupEstimate, m.speedup(costRatio, run));
  r.metric(prefix + rec::kTargetCalls, static_cast<double>(run.targetCalls));
  r.metric(prefix + rec::kDraftCalls, static_cast<double>(run.draftCalls));
  r.metric(prefix + rec::kSeconds, run.seconds);
  for (std::size_t d = 0; d < m.acceptanceByDepth.size(); ++d)
    r.metric(prefix + rec::acceptanceDepthOf(d + 1), m.acceptanceByDepth[d]);
  r.array(prefix + rec::kAcceptanceByDepth, doubles(m.acceptanceByDepth));
  r.array(prefix + rec::kAcceptedHistogram, doubles(m.acceptedHistogram));
}

std::string vocabularyText(const Models& m) {
  std::string v;
  for (const std::string& w : m.words) v += w + rec::kVocabularySeparator;
  return v;
}

// Step 0's description of the tokens: vocabulary, prompt, and whether the
// token texts join without spaces (a transformer's subword pieces).
void describeTokens(StepRecord& r, const Models& m, const std::vector<int>& prompt) {
  r.textArray(rec::kVocabulary, vocabularyText(m)).array(rec::kPromptTokens, int64s(prompt));
  r.metric(rec::kSubwordVocabulary, m.subword ? 1.0 : 0.0);
}

// One record per step; the last also carries the run's metrics.
void emitRun(RunContext& ctx, const Models& models, const DecodeRun& run, double costRatio) {
  std::int64_t emitted = 0;
  for (std::size_t i = 0; i < run.steps.size(); ++i) {
    const StepTrace& s = run.steps[i];
    StepRecord r;
    r.step = static_cast<std::int64_t>(i);
    emitted += static_cast<std::int64_t>(s.emitted.size());
    r.metric(rec::kAccepted, s.accepted).metric(rec::kDrafted, s.drafted);
    r.metric(rec::kEmitted, static_cast<double>(s.emitted.size()))
        .metric(rec::kTokensSoFar, static_cast<double>(emitted));
    r.array(rec::kEmittedTokens, int64s(s.emitted));
    if (!s.nodeToken.empty()) {
      r.array(rec::kNodeToken, int64s(s.nodeToken)).array(rec::kNodeParent, int64s(s.nodeParent));
      r.array(rec::kNodeProbability, doubles(s.nodeProbability)).array(rec::kAcceptedNodes, int64s(s.acceptedNodes));
    }
    if (i == 0) describeTokens(r, models, models.prompt());
    if (i + 1 == run.steps.size()) summarize(r, run, costRatio);
    ctx.emitStep(std::move(r));
  }
}

void runSample(RunContext& ctx) {
  auto m = loadModels(ctx);
  DecodeSettings s;
  s.method = Method::Chain;
  s.tokens = static_cast<int>(ctx.paramInt("tokens"));
  s.gamma = static_cast<int>(ctx.paramInt("gamma"));
  s.rule.greedy = ctx.paramBool("greedy");
  std::mt19937_64 rng(ctx.seed());
  const DecodeRun run = decode({m->target, m->draft, nullptr, nullptr, m->mtpDraft.get()}, s, m->prompt(), rng);
  emitRun(ctx, *m, run, ctx.paramFloat("cost_ratio"));
}

void buildMedusaHeads(RunContext& ctx, Models& m, int count) {
  if (m.lm) {  // the transformer's trained heads, loaded with it
    if (count > m.residualHeads.count())
      throw InputError("params.tree", "is " + std::to_string(count) + " deep; the model's Medusa heads are " +
                                          std::to_string(m.residualHeads.count()));
    return;
  }
  if (ctx.paramString("heads") == "oracle") {
    m.medusa = std::make_unique<OracleMedusaHeads>(*m.ngramTarget, count);
  } else {
    sampleTrainingText(ctx, m);
    m.medusa = std::make_unique<EstimatedMedusaHeads>(m.text, m.target->vocabularySize(), count);
  }
}

void runMedusa(RunContext& ctx) {
  auto m = loadModels(ctx);
  DecodeSettings s;
  s.method = Method::Medusa;
  s.tokens = static_cast<int>(ctx.paramInt("tokens"));
  s.rule = ruleFrom(ctx);
  s.tree = cutToHeads(*m, treeFrom(ctx.paramString("tree"), "params.tree"));
  buildMedusaHeads(ctx, *m, treeDepth(s.tree));
  std::mt19937_64 rng(ctx.seed());
  const DecodeRun run = decode({m->target, nullptr, m->medusa.get(), nullptr}, s, m->prompt(), rng);
  emitRun(ctx, *m, run, ctx.paramFloat("cost_ratio"));
}

void runCompare(RunContext& ctx) {
  auto m = loadModels(ctx);
  const std::vector<std::string> methods = splitMethods(ctx.paramString("methods"));
  if (methods.empty()) throw InputError("params.methods", "names no method");
  // Check every method before any runs.
  std::vector<DecodeSettings> settings;
  for (const auto& name : methods) {
    DecodeSettings s;
    s.tokens = static_cast<int>(ctx.paramInt("tokens"));
    s.gamma = static_cast<int>(ctx.paramInt("gamma"));
    s.rule = ruleFrom(ctx);
    const auto colon = name.find(':');
    try {
      s.method = methodFromName(name.substr(0, colon));
    } catch (const std::invalid_argument& e) {
      throw InputError("params.methods", e.what());
    }
    if (s.method == Method::Medusa) {
      if (colon == std::string::npos) throw InputError("params.methods", "'" + name + "': write medusa:<tree>");
      s.tree = cutToHeads(*m, treeFrom(name.substr(colon + 1), "params.methods"));
    }
    settings.push_back(std::move(s));
  }
  // Heads only for the methods that use them.
  int deepest = 0;
  bool mtp = false;
  for (const auto& s : settings) deepest = std::max(deepest, treeDepth(s.tree)), mtp |= s.method == Method::Mtp;
  if (deepest > 0) buildMedusaHeads(ctx, *m, deepest);
  if (mtp && !m->lm) {
    sampleTrainingText(ctx, *m);
    m->mtp = std::make_unique<EstimatedMtpHeads>(m->text, m->target->vocabularySize(),
                                                 static_cast<int>(ctx.paramInt("gamma")));
  }
  // Repeats: seeds seed, seed + 1, …; on the transformer each repeat also
  // takes the next prompt, so the spread over repeats is the spread over prompts.
  const int repeats = static_cast<int>(ctx.paramInt("repeats"));
  double targetTokensPerSecond = 0;
  for (std::size_t k = 0; k < settings.size(); ++k) {
    ctx.throwIfCancelled();
    DecodeRun pooled;
    std::vector<int> firstTokens;
    std::vector<double> perRepeat;  // acceptance by depth of each repeat, repeats × depth, row after row
    std::size_t depth = 0;
    std::vector<std::vector<double>> byRepeat;
    for (int r = 0; r < repeats; ++r) {
      std::mt19937_64 rng(ctx.seed() + static_cast<std::uint64_t>(r));
      const std::vector<int>& prompt = m->prompts[static_cast<std::size_t>(r) % m->prompts.size()];
      DecodeRun run =
          decode({m->target, m->draft, m->medusa.get(), m->mtp.get(), m->mtpDraft.get()}, settings[k], prompt, rng);
      if (r == 0) firstTokens = run.tokens;
      byRepeat.push_back(metricsOf(run).acceptanceByDepth);
      depth = std::max(depth, byRepeat.back().size());
      appendRun(pooled, std::move(run));
      ctx.progress(
          (static_cast<double>(k) + static_cast<double>(r + 1) / repeats) / static_cast<double>(settings.size()),
          methods[k]);
    }
    for (auto& row : byRepeat) {
      row.resize(depth, std::nan(""));  // a repeat that never reached a depth
      perRepeat.insert(perRepeat.end(), row.begin(), row.end());
    }
    StepRecord r;
    r.step = static_cast<std::int64_t>(k);
    r.textArray(rec::kMethodName, methods[k]);
    summarize(r, pooled, ctx.paramFloat("cost_ratio"));
    if (depth > 0) {
      r.array(rec::kAcceptanceByDepthRuns,
              Array::fromValues<double>({repeats, static_cast<std::int64_t>(depth)}, perRepeat));
      // The 95 % band of the mean over repeats (normal approximation: mean ± 1.96·s/√n), per depth.
      std::vector<double> low(depth, std::nan("")), high(depth, std::nan(""));
      for (std::size_t d = 0; d < depth; ++d) {
        std::vector<double> xs;
        for (const auto& row : byRepeat)
          if (!std::isnan(row[d])) xs.push_back(row[d]);
        if (xs.size() < 2) continue;
        double mean = 0, var = 0;
        for (double x : xs) mean += x / static_cast<double>(xs.size());
        for (double x : xs) var += (x - mean) * (x - mean) / static_cast<double>(xs.size() - 1);
        const double half = 1.96 * std::sqrt(var / static_cast<double>(xs.size()));
        low[d] = std::max(0.0, mean - half), high[d] = std::min(1.0, mean + half);  // a probability's band
      }
      r.array(rec::kAcceptanceByDepthLow, doubles(low)).array(rec::kAcceptanceByDepthHigh, doubles(high));
    }
    // Measured against plain decoding in the same run: wall clock on this machine.
    const double tokensPerSecond = metricsOf(pooled).tokensPerSecond;
    if (settings[k].method == Method::Target) targetTokensPerSecond = tokensPerSecond;
    if (targetTokensPerSecond > 0) r.metric(rec::kSpeedupMeasured, tokensPerSecond / targetTokensPerSecond);
    r.array(rec::kTokens, int64s(firstTokens));
    if (k == 0) describeTokens(r, *m, m->prompt());
    ctx.emitStep(std::move(r));
  }
}

ParamSchema commonSchema() {
  return ParamSchema{
      ParamSpec::choice("source", {"ngram", "model"}, "ngram",
                        "ngram: an ARPA model and its lower order; model: the shipped transformer, its draft model "
                        "and trained heads"),
      ParamSpec::text("target_file", "",
                      "ngram: ARPA model, the target at its full order; empty: pocketsphinx's phone trigram"),
      ParamSpec::integer("draft_order", 2, "ngram: the draft, the same file cut to this order").range(1, 3),
      ParamSpec::text("prompt", "SIL HH AH", "ngram: words of the model's vocabulary, space-separated"),
      ParamSpec::text("model", "loupe-llama-2m", "model: the target, a checkpoint folder or shipped model name"),
      ParamSpec::text("draft_model", "loupe-llama-draft", "model: the draft model for chains"),
      ParamSpec::text("heads_file", "", "model: Medusa heads (empty: those shipped with the model)"),
      ParamSpec::text("mtp_file", "", "model: MTP modules (empty: those shipped with the model)"),
      ParamSpec::text("model_prompt", "", "model: the prompt text (empty: held-out glosses' \"word: \" starts)"),
      ParamSpec::integer("tokens", 200, "tokens to generate").range(1, 100000),
      ParamSpec::number("cost_ratio", 0.05, "a draft call's (or the heads') cost in target calls, for the speed-up")
          .range(0, 10),
  };
}

void addAcceptance(ParamSchema& s) {
  s.add(ParamSpec::choice("acceptance", {"greedy", "typical"}, "greedy",
                          "greedy: keep the target's argmax; typical: Medusa's rule (chains: speculative sampling)"));
  s.add(ParamSpec::number("temperature", 0.7, "typical: sampling temperature").range(0.05, 10));
  s.add(ParamSpec::number("threshold", 0.09, "typical: ε, the posterior threshold").range(0, 1));
  s.add(ParamSpec::number("alpha", 0.3, "typical: α, the entropy-scaled threshold's factor").range(0, 10));
  s.add(ParamSpec::integer("train_tokens", 20000, "estimated heads: tokens sampled from the target to count")
            .range(100, 10000000));
}

}  // namespace

std::filesystem::path medusaChoicesFile() {
  return std::filesystem::path(LOUPE_SHARED_DATA) / "oracles" / "medusa_choices.json";
}

void registerSpecdecKinds(KindRegistry& registry) {
  EngineKind sample;
  sample.name = "specdec.sample";
  sample.version = "1.0";
  sample.summary = "speculative sampling with a draft model's chain of γ tokens: accepted lengths, speed-up";
  sample.schema = commonSchema();
  sample.schema.add(ParamSpec::integer("gamma", 4, "drafts a step").range(1, 32));
  sample.schema.add(ParamSpec::boolean("greedy", false, "greedy verification instead of speculative sampling"));
  sample.run = runSample;
  registry.add(std::move(sample));

  EngineKind medusa;
  medusa.name = "specdec.medusa";
  medusa.version = "1.0";
  medusa.summary = "Medusa: heads fill a candidate tree, one target call verifies it, greedy or typical acceptance";
  medusa.schema = commonSchema();
  medusa.schema.add(
      ParamSpec::text("tree", "mc_sim_7b_63", "a tree of medusa_choices.json by name, chain:N, or a JSON choice list"));
  medusa.schema.add(ParamSpec::choice("heads", {"oracle", "estimated"}, "estimated",
                                      "oracle: the target's exact marginals; estimated: counted in sampled text"));
  addAcceptance(medusa.schema);
  medusa.run = runMedusa;
  registry.add(std::move(medusa));

  EngineKind compare;
  compare.name = "specdec.compare";
  compare.version = "1.0";
  compare.summary = "several methods (target, chain, mtp, medusa:<tree>) on the same prompt and seeds";
  compare.schema = commonSchema();
  compare.schema.add(ParamSpec::text("methods", "target,chain,mtp,medusa:chain:4,medusa:mc_sim_7b_63",
                                     "comma-separated: target, chain, mtp, medusa:<tree>"));
  compare.schema.add(ParamSpec::integer("gamma", 4, "chain / MTP drafts a step").range(1, 16));
  compare.schema.add(ParamSpec::choice("heads", {"oracle", "estimated"}, "estimated", "Medusa heads"));
  compare.schema.add(
      ParamSpec::integer("repeats", 3, "runs per method, seeds seed … seed + repeats − 1").range(1, 100));
  addAcceptance(compare.schema);
  compare.run = runCompare;
  registry.add(std::move(compare));

  registerHeadTrainingKind(registry);
}

}  // namespace loupe
