// Kind ssm.model_states: text through a Mamba checkpoint, token by token
// through the recurrence, recording what each layer's selective SSM did
// with every token (SsmRecords.h lists the records). The Mamba paper's
// argument made visible: a large step Δ' lets the state forget and take
// the new input (a reset), a small one holds what it has.
//
// Each token is one step, emitted as it is read, so long texts stream and
// replay like any run; a sequence's end adds a step with its whole maps
// (channels × tokens), and the last step the per-token cost of the
// recurrence against a transformer's cached decoding at growing context.
#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <functional>
#include <random>
#include <sstream>

#include "engines/core/CheckedSize.h"
#include "engines/core/Error.h"
#include "engines/lm/Checkpoint.h"
#include "engines/lm/LlamaModel.h"
#include "engines/lm/MambaModel.h"
#include "engines/lm/Sampling.h"
#include "engines/lm/Tokenizer.h"
#include "experiments/RunContext.h"
#include "experiments/kinds/LmKinds.h"
#include "experiments/kinds/ModelPrompt.h"
#include "experiments/kinds/SsmKinds.h"
#include "experiments/kinds/SsmRecords.h"

namespace loupe {

namespace rec = loupe::ssm_records;

namespace {

constexpr const char* kShippedMamba = "loupe-mamba-2m";

struct MambaText {
  std::shared_ptr<const lm::MambaCheckpoint> checkpoint;
  std::unique_ptr<lm::Tokenizer> tokenizer;
  int bos = 1, eos = 2;

  std::vector<int> encode(const std::string& text) const { return tokenizer->encode(text); }
  std::string piece(int id) const { return id < tokenizer->vocabularySize() ? tokenizer->tokenText(id) : ""; }
};

MambaText loadMamba(const std::string& value) {
  const auto folder = modelFolder(value.empty() ? kShippedMamba : value, "params.model");
  MambaText m;
  m.checkpoint = lm::loadMambaCheckpoint(folder);
  if (m.checkpoint->tokenizer.empty())
    throw InputError("params.model", folder.string() + " has no tokenizer.model to read text with");
  m.tokenizer = std::make_unique<lm::Tokenizer>(m.checkpoint->tokenizer);
  if (m.tokenizer->vocabularySize() > m.checkpoint->config.vocab)
    throw InputError("params.model", m.checkpoint->tokenizer.string() + " has more pieces than the model's vocab_size");
  m.bos = m.tokenizer->bosId() >= 0 ? m.tokenizer->bosId() : m.checkpoint->config.bosId;
  m.eos = m.tokenizer->eosId() >= 0 ? m.tokenizer->eosId() : m.checkpoint->config.eosId;
  return m;
}

// The text's words in a seeded random order (the compare sequence that
// keeps every token's identity and destroys its context).
std::string shuffledWords(const std::string& text, std::uint64_t seed) {
  std::istringstream in(text);
  std::vector<std::string> words;
  for (std::string w; in >> w;) words.push_back(w);
  std::mt19937_64 rng(seed);
  std::shuffle(words.begin(), words.end(), rng);
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : " ") + w;
  return out;
}

// The ids a model reads for lines of text, as it was trained: each line
// <s> + its tokens + </s>, at most `limit` ids in all.
std::vector<int> lineIds(const MambaText& m, const std::vector<std::string>& lines, std::size_t limit) {
  std::vector<int> ids;
  for (const auto& line : lines) {
    if (ids.size() >= limit) break;
    ids.push_back(m.bos);
    for (int id : m.encode(line)) ids.push_back(id);
    ids.push_back(m.eos);
  }
  if (ids.size() > limit) ids.resize(limit);
  return ids;
}

// Where a token sits in the text: it starts a word (its piece begins with
// a space), continues one, or is punctuation or a control token — the
// boundaries at which Δ' is compared.
enum class TokenClass { WordStart = 0, InsideWord = 1, Boundary = 2 };

TokenClass classify(const std::string& piece) {
  if (piece.empty() || piece == "<s>" || piece == "</s>") return TokenClass::Boundary;
  const std::string body = piece.front() == ' ' ? piece.substr(1) : piece;
  const bool punctuation =
      !body.empty() && std::all_of(body.begin(), body.end(), [](unsigned char c) { return std::ispunct(c) != 0; });
  if (punctuation) return TokenClass::Boundary;
  return piece.front() == ' ' ? TokenClass::WordStart : TokenClass::InsideWord;
}

Array floats(Shape shape, std::vector<float> values) {
  return Array::fromValues<float>(std::move(shape), values);
}

struct SequenceMaps {
  std::vector<int> ids;
  std::vector<std::string> pieces;
  std::vector<float> delta, stateNorm, channelStates, layerNorm, entropy;  // filled token by token
};

// One sequence token by token: a step per token, then the sequence's maps.
void readSequence(RunContext& ctx, const MambaText& m, const std::vector<int>& ids, int sequence,
                  const std::vector<int>& channels, int topK, std::int64_t& step, bool lastSequence,
                  const std::function<void(StepRecord&)>& addToLast) {
  const lm::MambaConfig& c = m.checkpoint->config;
  const int layers = c.layers, Di = c.inner(), N = c.state, V = c.vocab;
  const int T = static_cast<int>(ids.size()), C = static_cast<int>(channels.size());
  lm::MambaModel model(m.checkpoint);
  std::vector<lm::MambaLayerTrace> trace;
  SequenceMaps maps;
  maps.ids = ids;
  // Maps laid out [layer][row][token], filled column by column.
  maps.delta.assign(static_cast<std::size_t>(layers) * Di * T, 0.0f);
  maps.stateNorm.assign(maps.delta.size(), 0.0f);
  maps.channelStates.assign(static_cast<std::size_t>(layers) * C * N * T, 0.0f);
  maps.layerNorm.assign(static_cast<std::size_t>(layers) * T, 0.0f);
  // Δ' summed per token class and layer (mean over channels), and tokens per class.
  std::vector<std::array<double, 3>> classSum(static_cast<std::size_t>(layers), {0, 0, 0});
  std::array<double, 3> classCount{0, 0, 0};
  for (int t = 0; t < T; ++t) {
    ctx.throwIfCancelled();
    const int id = ids[static_cast<std::size_t>(t)];
    const std::vector<float> logits = model.step(id, &trace);
    const std::string piece = m.piece(id);
    maps.pieces.push_back(piece);

    // The model's belief about the next token (T = 1), as lm.generate records it.
    std::mt19937_64 unused;
    const lm::TokenChoice belief = lm::chooseToken(logits.data(), V, lm::SamplingOptions{}, unused, topK);
    const std::vector<int>& order = belief.topTokens;
    const double entropy = belief.entropy;
    maps.entropy.push_back(static_cast<float>(entropy));

    StepRecord r;
    r.step = step++;
    r.metric(rec::kSequence, sequence).metric(rec::kPosition, t).metric(rec::kToken, id);
    r.metric(rec::kEntropy, entropy);
    if (t + 1 < T) {
      const std::vector<double> p = lm::samplingDistribution(logits.data(), V, lm::SamplingOptions{1.0, 0, 1.0});
      r.metric(rec::kNextProbability, p[static_cast<std::size_t>(ids[static_cast<std::size_t>(t + 1)])]);
    }
    r.textArray(rec::kTokenText, piece);
    std::vector<float> delta, gate, output, norms, B, Cv, states;
    double deltaSum = 0, allNorm = 0;
    const TokenClass cls = classify(piece);
    for (int l = 0; l < layers; ++l) {
      const lm::MambaLayerTrace& L = trace[static_cast<std::size_t>(l)];
      const std::vector<float>& h = model.ssmState(l);
      delta.insert(delta.end(), L.delta.begin(), L.delta.end());
      gate.insert(gate.end(), L.gate.begin(), L.gate.end());
      output.insert(output.end(), L.y.begin(), L.y.end());
      B.insert(B.end(), L.B.begin(), L.B.end());
      Cv.insert(Cv.end(), L.C.begin(), L.C.end());
      double layerSq = 0, layerDelta = 0;
      for (int d = 0; d < Di; ++d) {
        double sq = 0;
        for (int n = 0; n < N; ++n)
          sq += double(h[static_cast<std::size_t>(d) * N + n]) * h[static_cast<std::size_t>(d) * N + n];
        norms.push_back(static_cast<float>(std::sqrt(sq)));
        layerSq += sq;
        layerDelta += L.delta[static_cast<std::size_t>(d)];
        const std::size_t at = (static_cast<std::size_t>(l) * Di + d) * T + t;
        maps.delta[at] = L.delta[static_cast<std::size_t>(d)];
        maps.stateNorm[at] = norms.back();
      }
      for (int k = 0; k < C; ++k)
        for (int n = 0; n < N; ++n) {
          const float v = h[static_cast<std::size_t>(channels[static_cast<std::size_t>(k)]) * N + n];
          states.push_back(v);
          maps.channelStates[((static_cast<std::size_t>(l) * C + k) * N + n) * T + t] = v;
        }
      maps.layerNorm[static_cast<std::size_t>(l) * T + t] = static_cast<float>(std::sqrt(layerSq));
      allNorm += layerSq;
      deltaSum += layerDelta;
      classSum[static_cast<std::size_t>(l)][static_cast<std::size_t>(cls)] += layerDelta / Di;
    }
    classCount[static_cast<std::size_t>(cls)] += 1;
    r.metric(rec::kDeltaMean, deltaSum / (static_cast<double>(layers) * Di))
        .metric(rec::kStateNorm, std::sqrt(allNorm));
    r.array(rec::kDelta, floats({layers, Di}, std::move(delta)));
    r.array(rec::kGate, floats({layers, Di}, std::move(gate)));
    r.array(rec::kOutput, floats({layers, Di}, std::move(output)));
    r.array(rec::kStateNormChannels, floats({layers, Di}, std::move(norms)));
    r.array(rec::kB, floats({layers, N}, std::move(B)));
    r.array(rec::kC, floats({layers, N}, std::move(Cv)));
    r.array(rec::kChannelStates, floats({layers, C, N}, std::move(states)));
    r.vector<std::int64_t>(rec::kTopTokens, std::vector<std::int64_t>(order.begin(), order.end()));
    std::vector<std::string> topPieces;
    for (int id2 : order) topPieces.push_back(m.piece(id2));
    r.vector<double>(rec::kTopProbabilities, belief.topProbabilities);
    recordTexts(r, rec::kTopPieces, rec::kTopPieceLengths, topPieces);
    ctx.emitStep(std::move(r));
    ctx.progress(static_cast<double>(t + 1) / T,
                 "sequence " + std::to_string(sequence) + ": token " + std::to_string(t + 1) + "/" + std::to_string(T));
  }

  // The sequence's maps, and Δ' by where the token sits, per layer.
  StepRecord r;
  r.step = step++;
  r.metric(rec::kSequence, sequence).metric(rec::kSequenceEnd, 1).metric(rec::kTokens, T);
  r.vector<std::int64_t>(rec::kSequenceTokens, std::vector<std::int64_t>(ids.begin(), ids.end()));
  recordTexts(r, rec::kSequencePieces, rec::kSequencePieceLengths, maps.pieces);
  r.array(rec::kDeltaMap, floats({layers, Di, T}, std::move(maps.delta)));
  r.array(rec::kStateNormMap, floats({layers, Di, T}, std::move(maps.stateNorm)));
  r.array(rec::kChannelStateMap, floats({layers, C, N, T}, std::move(maps.channelStates)));
  r.array(rec::kLayerNorm, floats({layers, T}, std::move(maps.layerNorm)));
  r.array(rec::kEntropyMap, floats({T}, std::move(maps.entropy)));
  r.vector<std::int64_t>(rec::kChannels, std::vector<std::int64_t>(channels.begin(), channels.end()));
  std::vector<float> byClass(static_cast<std::size_t>(layers) * 3, std::nanf(""));
  for (int k = 0; k < 3; ++k) {
    double all = 0;
    for (int l = 0; l < layers; ++l) {
      if (classCount[k] > 0)
        byClass[static_cast<std::size_t>(l) * 3 + k] =
            static_cast<float>(classSum[static_cast<std::size_t>(l)][k] / classCount[k]);
      all += classSum[static_cast<std::size_t>(l)][k];
    }
    const char* name = k == 0 ? rec::kDeltaWordStart : k == 1 ? rec::kDeltaInsideWord : rec::kDeltaBoundary;
    if (classCount[k] > 0) r.metric(name, all / (classCount[k] * layers));
    r.metric(std::string(name) + "_tokens", classCount[k]);
  }
  r.array(rec::kDeltaByClass, floats({layers, 3}, std::move(byClass)));
  if (lastSequence) addToLast(r);
  ctx.emitStep(std::move(r));
}

// Milliseconds a token at each context length: Mamba's recurrence (a
// state of fixed size) against the transformer's KV-cached decoding (a
// cache that grows); the best of three rounds of `reps` tokens.
void measureCost(const MambaText& m, const std::string& transformer, const std::vector<std::int64_t>& contexts,
                 const std::vector<int>& text, RunContext& ctx, StepRecord& r) {
  const LoadedModel llama = loadModel(transformer.empty() ? std::string("loupe-llama-2m") : transformer);
  constexpr int reps = 16;
  std::vector<float> mambaMs, llamaMs, ctxs;
  const auto ids = [&text](int count) {
    std::vector<int> out;
    for (int i = 0; i < count; ++i) out.push_back(text[static_cast<std::size_t>(i) % text.size()]);
    return out;
  };
  using clock = std::chrono::steady_clock;
  for (std::int64_t c64 : contexts) {
    const int c = static_cast<int>(c64);
    if (c + reps > llama.checkpoint->config.maxPositions)
      throw InputError("params.cost_contexts",
                       std::to_string(c) + " + " + std::to_string(reps) + " timed tokens exceed the transformer's " +
                           std::to_string(llama.checkpoint->config.maxPositions) + " positions");
    const std::vector<int> seq = ids(c + reps);
    const std::vector<int> prefix(seq.begin(), seq.begin() + c);
    double bestMamba = 1e30, bestLlama = 1e30;
    lm::LlamaModel tm(llama.checkpoint, c + reps);
    for (int round = 0; round < 3; ++round) {
      ctx.throwIfCancelled();
      lm::MambaModel mm(m.checkpoint);
      mm.forward(prefix);
      auto t0 = clock::now();
      for (int i = c; i < c + reps; ++i) mm.step(seq[static_cast<std::size_t>(i)]);
      bestMamba = std::min(bestMamba, std::chrono::duration<double, std::milli>(clock::now() - t0).count() / reps);
      tm.truncate(0);
      tm.forward(prefix);
      t0 = clock::now();
      for (int i = c; i < c + reps; ++i) tm.forward({seq[static_cast<std::size_t>(i)]});
      bestLlama = std::min(bestLlama, std::chrono::duration<double, std::milli>(clock::now() - t0).count() / reps);
    }
    ctxs.push_back(static_cast<float>(c));
    mambaMs.push_back(static_cast<float>(bestMamba));
    llamaMs.push_back(static_cast<float>(bestLlama));
  }
  const auto n = static_cast<std::int64_t>(ctxs.size());
  r.array(rec::kCostContext, floats({n}, ctxs));
  r.array(rec::kCostMambaMs, floats({n}, mambaMs));
  r.array(rec::kCostTransformerMs, floats({n}, llamaMs));
  r.metric(rec::kMambaParameters, static_cast<double>(m.checkpoint->config.parameterCount()));
  r.metric(rec::kTransformerParameters, static_cast<double>(llama.checkpoint->config.parameterCount()));
}

void runModelStates(RunContext& ctx) {
  const MambaText m = loadMamba(ctx.paramString("model"));
  const lm::MambaConfig& c = m.checkpoint->config;
  const auto maxTokens = static_cast<std::size_t>(ctx.paramInt("max_tokens"));
  const int topK = static_cast<int>(std::min<std::int64_t>(ctx.paramInt("top_k"), c.vocab));

  std::vector<int> channels;
  for (std::int64_t ch : ctx.params().at("channels").get<std::vector<std::int64_t>>()) {
    if (ch >= c.inner())
      throw InputError("params.channels", "channel " + std::to_string(ch) +
                                              " is outside the model's d_inner = " + std::to_string(c.inner()));
    channels.push_back(static_cast<int>(ch));
  }

  // The sequences: the prompt (or the file's lines), then what it is compared with.
  std::vector<std::vector<int>> sequences;
  std::vector<std::string> lines;
  if (ctx.paramString("source") == "file") {
    const std::string file =
        ctx.paramString("file").empty() ? (shippedModelsDir() / "heldout.txt").string() : ctx.paramString("file");
    lines = readTextLines(file, "params.file", 0);
  } else {
    if (ctx.paramString("prompt").empty()) throw InputError("params.prompt", "is empty");
    lines = {ctx.paramString("prompt")};
  }
  sequences.push_back(lineIds(m, lines, maxTokens));
  const std::string compare = ctx.paramString("compare");
  if (compare == "shuffled") {
    std::vector<std::string> shuffled;
    for (const auto& line : lines) shuffled.push_back(shuffledWords(line, ctx.seed() + shuffled.size()));
    sequences.push_back(lineIds(m, shuffled, maxTokens));
  } else if (compare == "prompt") {
    if (ctx.paramString("compare_prompt").empty())
      throw InputError("params.compare_prompt", "is empty, and compare is \"prompt\"");
    sequences.push_back(lineIds(m, {ctx.paramString("compare_prompt")}, maxTokens));
  }
  // The whole-sequence maps: refused before anything is read when too large.
  {
    using U = std::uint64_t;
    U tokens = 0;
    for (const auto& s : sequences) tokens += s.size();
    const U perToken = U(c.layers) * (U(c.inner()) * 2 + U(channels.size()) * U(c.state) + 1) * 4;
    checkWithinBudget(tokens * perToken, "params.max_tokens",
                      "ssm.model_states maps of " + std::to_string(tokens) + " tokens");
  }

  std::int64_t step = 0;
  const auto cost = [&](StepRecord& r) {
    if (!ctx.paramBool("measure_cost")) return;
    ctx.progress(1.0, "cost against context");
    measureCost(m, ctx.paramString("transformer"), ctx.params().at("cost_contexts").get<std::vector<std::int64_t>>(),
                sequences.front(), ctx, r);
  };
  for (std::size_t s = 0; s < sequences.size(); ++s)
    readSequence(ctx, m, sequences[s], static_cast<int>(s), channels, topK, step, s + 1 == sequences.size(), cost);
}

}  // namespace

void registerSsmModelStatesKind(KindRegistry& registry) {
  EngineKind k;
  k.name = "ssm.model_states";
  k.version = "1.0";
  k.summary = "text through a Mamba model token by token: Δ', B, C, gate, output and state of every layer";
  k.schema = ParamSchema{
      ParamSpec::text("model", "", "Mamba checkpoint folder or shipped model name (empty: loupe-mamba-2m)"),
      ParamSpec::choice("source", {"prompt", "file"}, "prompt", "read params.prompt, or params.file's lines"),
      ParamSpec::text("prompt", "thoughtfully: in a thoughtful manner; \"he stared thoughtfully out the window\"",
                      "the text read (<s> before it, </s> after, as the model was trained)"),
      ParamSpec::text("file", "", "source file: a UTF-8 text, one line a sequence (empty: the held-out glosses)"),
      ParamSpec::integer("max_tokens", 1024, "tokens read at most, per sequence").range(1, 16384),
      ParamSpec::choice("compare", {"shuffled", "prompt", "none"}, "shuffled",
                        "a second sequence beside the first: its words shuffled (seeded), compare_prompt, or none"),
      ParamSpec::text("compare_prompt", "", "compare \"prompt\": the second text"),
      ParamSpec::intList("channels", {0, 1, 2, 3, 4, 5, 6, 7}, "channels whose whole state h_t (N) is recorded")
          .range(0, 65535)
          .length(1, 64),
      ParamSpec::integer("top_k", 10, "most likely next tokens recorded per token").range(1, 100),
      ParamSpec::boolean("measure_cost", true,
                         "time a token of the recurrence against the transformer's cached decoding at cost_contexts"),
      ParamSpec::text("transformer", "", "the transformer timed beside it (empty: loupe-llama-2m)"),
      ParamSpec::intList("cost_contexts", {16, 32, 64, 128, 256, 384, 480}, "context lengths timed")
          .range(1, 65536)
          .length(1, 16),
  };
  k.run = runModelStates;
  registry.add(std::move(k));
}

}  // namespace loupe
