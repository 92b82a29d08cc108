// Engine kinds of the language-model topic (LmKinds.h). lm.perplexity:
// below. lm.generate: the
// prompt is tokenized with the checkpoint's tokenizer (<s> first), run
// through the model in one prefill, then each next token is chosen
// (engines/lm/Sampling.h) and decoded through the KV cache. What is
// recorded is in LmRecords.h.
#include "experiments/kinds/LmKinds.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <functional>
#include <memory>
#include <random>

#include "engines/core/Error.h"
#include "engines/core/InputFile.h"
#include "engines/lm/Checkpoint.h"
#include "engines/lm/LlamaModel.h"
#include "engines/lm/MambaModel.h"
#include "engines/lm/Sampling.h"
#include "engines/lm/Tokenizer.h"
#include "experiments/RunContext.h"
#include "experiments/kinds/LmRecords.h"
#include "experiments/kinds/ModelPrompt.h"

namespace loupe {

namespace fs = std::filesystem;

namespace {

namespace rec = loupe::lm_records;

double secondsSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void runGenerate(RunContext& ctx) {
  const LoadedModel loaded = loadModel(ctx.paramString("model"));
  const auto& checkpoint = loaded.checkpoint;
  const lm::Tokenizer& tok = *loaded.tokenizer;
  const std::vector<int> prompt = loaded.promptIds(ctx.paramString("prompt"), "params.prompt");
  const int maxTokens = static_cast<int>(ctx.paramInt("max_tokens"));
  const int needed = static_cast<int>(prompt.size()) + maxTokens;
  if (needed > checkpoint->config.maxPositions)
    throw InputError("params.max_tokens", "the prompt's " + std::to_string(prompt.size()) + " tokens and " +
                                              std::to_string(maxTokens) + " more exceed the model's " +
                                              std::to_string(checkpoint->config.maxPositions) + " positions");
  lm::LlamaModel model(checkpoint, needed);
  const lm::SamplingOptions sampling{ctx.paramFloat("temperature"), static_cast<int>(ctx.paramInt("top_k")),
                                     ctx.paramFloat("top_p")};
  const int alternatives = static_cast<int>(ctx.paramInt("alternatives"));
  const bool stopAtEos = ctx.paramBool("stop_at_eos");
  std::mt19937_64 rng(ctx.seed());

  ctx.progress(0.0, "prefill");
  auto t0 = std::chrono::steady_clock::now();
  std::vector<float> logits = model.forward(prompt);
  const double prefillSeconds = secondsSince(t0);
  {
    StepRecord r;
    r.step = 0;
    r.vector<std::int64_t>(rec::kPromptTokens, std::vector<std::int64_t>(prompt.begin(), prompt.end()));
    recordTexts(r, rec::kPromptPieces, rec::kPromptPieceLengths, loaded.texts(prompt));
    r.textArray(rec::kModel, checkpoint->folder.string());
    r.metric(rec::kPromptLength, static_cast<double>(prompt.size()));
    r.metric(rec::kPrefillSeconds, prefillSeconds);
    r.metric(rec::kPrefillTokensPerS, static_cast<double>(prompt.size()) / prefillSeconds);
    r.metric(rec::kParameters, static_cast<double>(checkpoint->config.parameterCount()));
    r.metric(rec::kWeightBytes, static_cast<double>(checkpoint->weightBytes));
    ctx.emitStep(std::move(r));
  }

  std::vector<int> generated;
  double sumP = 0, sumH = 0, decodeSeconds = 0;
  bool eos = false;
  for (int t = 1; t <= maxTokens; ++t) {
    ctx.throwIfCancelled();
    const lm::TokenChoice c = lm::chooseToken(logits.data(), checkpoint->config.vocab, sampling, rng, alternatives);
    generated.push_back(c.token);
    sumP += c.probability;
    sumH += c.entropy;
    eos = stopAtEos && c.token == checkpoint->config.eosId;
    const bool last = t == maxTokens || eos;
    if (!last) {  // the next token's logits: one row through the cache
      t0 = std::chrono::steady_clock::now();
      logits = model.forward({c.token});
      decodeSeconds += secondsSince(t0);
    }
    StepRecord r;
    r.step = t;
    r.metric(rec::kToken, c.token);
    r.metric(rec::kProbability, c.probability);
    r.metric(rec::kEntropy, c.entropy);
    r.metric(rec::kPosition, static_cast<double>(prompt.size()) + t - 1);
    r.textArray(rec::kTokenText, loaded.texts({c.token})[0]);
    r.vector<std::int64_t>(rec::kTopTokens, std::vector<std::int64_t>(c.topTokens.begin(), c.topTokens.end()));
    r.vector<double>(rec::kTopProbabilities, c.topProbabilities);
    recordTexts(r, rec::kTopPieces, rec::kTopPieceLengths, loaded.texts(c.topTokens));
    if (last) {
      std::vector<int> shown;
      for (int id : generated)
        if (id < tok.vocabularySize()) shown.push_back(id);
      r.textArray(rec::kGeneratedText, tok.decode(shown));
      const double n = static_cast<double>(generated.size());
      r.metric(rec::kGeneratedTokens, n);
      r.metric(rec::kDecodeSeconds, decodeSeconds);
      // Decoding steps are the tokens after the first (the prefill gave its logits).
      r.metric(rec::kDecodeTokensPerS, n > 1 && decodeSeconds > 0 ? (n - 1) / decodeSeconds : 0.0);
      r.metric(rec::kMeanProbability, sumP / n);
      r.metric(rec::kMeanEntropy, sumH / n);
      r.metric(rec::kStoppedAtEos, eos ? 1.0 : 0.0);
    }
    ctx.emitStep(std::move(r));
    ctx.progress(static_cast<double>(t) / maxTokens, "token " + std::to_string(t));
    if (last) break;
  }
}

// Held-out perplexity, as the training script defines it: each line alone,
// <s> + its tokens + </s>, every token after <s> predicted; exp of the mean
// negative log-likelihood over all of them (log-softmax in double). A
// Llama-architecture checkpoint runs through LlamaModel, a Mamba one
// through MambaModel (its whole line in parallel, the selective scan).
void runPerplexity(RunContext& ctx) {
  const fs::path folder = modelFolder(ctx.paramString("model"), "params.model");
  std::unique_ptr<lm::Tokenizer> tokenizer;
  int vocab = 0, bos = 0, eos = 0, capacity = 0;
  std::function<std::vector<float>(const std::vector<int>&)> allLogits;  // one line's logits, every row
  if (lm::isMambaCheckpoint(folder)) {
    auto checkpoint = std::shared_ptr<const lm::MambaCheckpoint>(lm::loadMambaCheckpoint(folder));
    if (checkpoint->tokenizer.empty())
      throw InputError("params.model", folder.string() + " has no tokenizer.model to read text with");
    tokenizer = std::make_unique<lm::Tokenizer>(checkpoint->tokenizer);
    vocab = checkpoint->config.vocab, capacity = 1 << 20;  // a recurrence has no position limit
    bos = tokenizer->bosId() >= 0 ? tokenizer->bosId() : checkpoint->config.bosId;
    eos = tokenizer->eosId() >= 0 ? tokenizer->eosId() : checkpoint->config.eosId;
    allLogits = [checkpoint](const std::vector<int>& ids) { return lm::MambaModel(checkpoint).forward(ids, true); };
  } else {
    LoadedModel loaded = loadModel(ctx.paramString("model"));
    vocab = loaded.checkpoint->config.vocab, capacity = loaded.checkpoint->config.maxPositions;
    bos = loaded.bos(), eos = loaded.eos();
    tokenizer = std::move(loaded.tokenizer);
    auto model = std::make_shared<lm::LlamaModel>(loaded.checkpoint, capacity);
    allLogits = [model](const std::vector<int>& ids) {
      model->truncate(0);
      return model->forward(ids, true);
    };
  }
  if (tokenizer->vocabularySize() > vocab)
    throw InputError("params.model", folder.string() + ": tokenizer.model has more pieces than the model's vocab_size");
  const std::string file = ctx.paramString("text_file").empty() ? (shippedModelsDir() / "heldout.txt").string()
                                                                : ctx.paramString("text_file");
  const std::vector<std::string> lines =
      readTextLines(file, "params.text_file", static_cast<std::size_t>(ctx.paramInt("max_lines")));
  std::vector<double> perLine;
  double nll = 0, tokens = 0;
  const auto t0 = std::chrono::steady_clock::now();
  std::int64_t step = 0;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    ctx.throwIfCancelled();
    std::vector<int> seq{bos};
    for (int id : tokenizer->encode(lines[i])) seq.push_back(id);
    seq.push_back(eos);
    if (static_cast<int>(seq.size()) - 1 > capacity)
      throw InputError("params.text_file", file + ": line " + std::to_string(i + 1) + " has " +
                                               std::to_string(seq.size()) + " tokens, more than the model's " +
                                               std::to_string(capacity) + " positions");
    const std::vector<float> logits = allLogits(std::vector<int>(seq.begin(), seq.end() - 1));
    double lineNll = 0;
    for (std::size_t t = 0; t + 1 < seq.size(); ++t) {
      const float* row = &logits[t * static_cast<std::size_t>(vocab)];
      const double top = *std::max_element(row, row + vocab);
      double sum = 0;
      for (int v = 0; v < vocab; ++v) sum += std::exp(static_cast<double>(row[v]) - top);
      lineNll -= static_cast<double>(row[seq[t + 1]]) - top - std::log(sum);
    }
    perLine.push_back(lineNll);
    nll += lineNll;
    tokens += static_cast<double>(seq.size() - 1);
    const bool last = i + 1 == lines.size();
    if ((i + 1) % 50 == 0 || last) {
      StepRecord r;
      r.step = step++;
      r.metric(rec::kLines, static_cast<double>(i + 1));
      r.metric(rec::kTokensScored, tokens);
      r.metric(rec::kPerplexity, std::exp(nll / tokens));
      if (last) {
        const double seconds = secondsSince(t0);
        r.metric(rec::kNllPerToken, nll / tokens).metric(rec::kSeconds, seconds);
        r.metric(rec::kTokensPerS, tokens / seconds);
        r.vector<double>(rec::kLineNll, perLine);
      }
      ctx.emitStep(std::move(r));
      ctx.progress(static_cast<double>(i + 1) / static_cast<double>(lines.size()), "line " + std::to_string(i + 1));
    }
  }
}

}  // namespace

fs::path shippedModelsDir() {
  return fs::path(LOUPE_MODELS_DIR);
}

fs::path modelFolder(const std::string& value, const std::string& field) {
  if (value.empty()) return shippedModelsDir() / "loupe-llama-2m";
  if (value.find('/') == std::string::npos && fs::is_directory(shippedModelsDir() / value))
    return shippedModelsDir() / value;
  if (fs::is_directory(value)) return value;
  throw InputError(field, "\"" + value + "\" is neither a shipped model (" + shippedModelsDir().string() +
                              ") nor a checkpoint folder");
}

void registerLmKinds(KindRegistry& registry) {
  EngineKind generate;
  generate.name = "lm.generate";
  generate.version = "1.0";
  generate.summary = "a prompt through a Llama-architecture model, token by token, with its probabilities";
  generate.schema.add(ParamSpec::text("model", "", "checkpoint folder or shipped model name (empty: loupe-llama-2m)"));
  generate.schema.add(ParamSpec::text("prompt", "happy: ", "the text to continue (<s> is put before it)"));
  generate.schema.add(ParamSpec::integer("max_tokens", 48, "tokens to generate").range(1, 4096));
  generate.schema.add(ParamSpec::number("temperature", 0.7, "0: greedy; else softmax(logits / T)").range(0, 10));
  generate.schema.add(ParamSpec::integer("top_k", 40, "sample among the k most likely (0: all)").range(0, 1 << 20));
  generate.schema.add(
      ParamSpec::number("top_p", 0.95, "then among the fewest most likely whose mass reaches p").range(0.01, 1));
  generate.schema.add(ParamSpec::integer("alternatives", 5, "most likely tokens recorded per step").range(1, 20));
  generate.schema.add(ParamSpec::boolean("stop_at_eos", true, "stop at the end-of-sequence token"));
  generate.run = runGenerate;
  registry.add(std::move(generate));

  EngineKind perplexity;
  perplexity.name = "lm.perplexity";
  perplexity.version = "1.0";
  perplexity.summary =
      "perplexity of a model on a text, line by line (<s> line </s>), as papers and the model card state it";
  perplexity.schema.add(ParamSpec::text(
      "model", "", "checkpoint folder or shipped model name, Llama or Mamba architecture (empty: loupe-llama-2m)"));
  perplexity.schema.add(
      ParamSpec::text("text_file", "", "UTF-8 text, one sequence a line (empty: the shipped held-out lines)"));
  perplexity.schema.add(ParamSpec::integer("max_lines", 0, "the first n lines only (0: all)").range(0, 100000000));
  perplexity.run = runPerplexity;
  registry.add(std::move(perplexity));
}

}  // namespace loupe
