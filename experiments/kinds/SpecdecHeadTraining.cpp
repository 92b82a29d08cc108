// `specdec.train_heads`: Medusa-1 residual heads (engines/specdec/
// ResidualHeads.h) trained on a frozen Llama model. The model reads every
// line of the training text once (<s> line </s>); its final hidden states
// and the tokens they must predict — t + k + 2 for head k — are kept, so
// each training step is the heads' forward and backward only. A held-out
// text is read the same way and scored every `eval_every` steps: each
// head's top-1 and top-k accuracy, beside the unigram baseline (always
// guessing the training targets' most frequent token). The heads start
// from the LM head (Medusa's initialisation) or from a saved file, and are
// saved in upstream's medusa_lm_head.safetensors layout. head_type "mtp"
// trains DeepSeek-V3-style sequential MTP modules (MtpHeads.h) on the same
// rows instead, teacher-forced: depth k reads depth k − 1's output and the
// true token t + k + 1.
//
// Records, one step per training step: loss_head<k> (mean cross-entropy of
// the batch), learning_rate; at evaluation steps also top1_head<k>,
// topk_head<k> (0–1); step 0 also unigram_top1, train_tokens,
// heldout_tokens; the last step heads_file (text) when saved.
#include <algorithm>
#include <cmath>
#include <map>
#include <random>

#include "engines/core/CheckedSize.h"
#include "engines/core/Error.h"
#include "engines/core/InputFile.h"
#include "engines/lm/LlamaModel.h"
#include "engines/lm/MedusaDecoding.h"
#include "engines/lm/ModelDrafts.h"
#include "engines/specdec/MedusaTree.h"
#include "engines/specdec/MtpHeads.h"
#include "engines/specdec/ResidualHeads.h"
#include "engines/specdec/TreeDesign.h"
#include "experiments/RunContext.h"
#include "experiments/kinds/LmKinds.h"
#include "experiments/kinds/ModelPrompt.h"
#include "experiments/kinds/SpecdecKinds.h"
#include "experiments/kinds/SpecdecRecords.h"

namespace loupe {

namespace fs = std::filesystem;
namespace rec = loupe::specdec_records;

namespace {

// Hidden rows of a text's lines and, per head, the token each row must predict (−1: past the line).
struct HeadData {
  std::vector<float> hidden;             // rows × H
  std::vector<std::vector<int>> target;  // [head][row]
  std::vector<int> next;                 // [row]: the token right after the row's (the model's own target)
  std::vector<std::int64_t> lineStart;   // first row of each line, then the row count
  std::int64_t rows() const { return lineStart.empty() ? 0 : lineStart.back(); }
};

HeadData readThrough(RunContext& ctx, const LoadedModel& loaded, lm::LlamaModel& model,
                     const std::vector<std::string>& lines, int heads, const std::string& field) {
  const int H = loaded.checkpoint->config.hidden;
  HeadData d;
  d.target.resize(static_cast<std::size_t>(heads));
  for (std::size_t i = 0; i < lines.size(); ++i) {
    ctx.throwIfCancelled();
    std::vector<int> seq{loaded.bos()};
    for (int id : loaded.tokenizer->encode(lines[i])) seq.push_back(id);
    seq.push_back(loaded.eos());
    if (static_cast<int>(seq.size()) - 1 > model.capacity())
      throw InputError(field, "line " + std::to_string(i + 1) + " has more tokens than the model's positions");
    checkWithinBudget(static_cast<std::uint64_t>(d.hidden.size() + seq.size() * H) * sizeof(float), field,
                      "the hidden states of " + std::to_string(i + 1) + " lines");
    model.truncate(0);
    model.forward(std::vector<int>(seq.begin(), seq.end() - 1), true);
    d.lineStart.push_back(static_cast<std::int64_t>(d.hidden.size() / static_cast<std::size_t>(H)));
    d.hidden.insert(d.hidden.end(), model.lastHidden().begin(), model.lastHidden().end());
    // Row t sits after seq[t]; the model predicts seq[t + 1], head k seq[t + k + 2].
    const std::size_t rows = seq.size() - 1;
    for (std::size_t t = 0; t < rows; ++t) d.next.push_back(seq[t + 1]);
    for (int k = 0; k < heads; ++k)
      for (std::size_t t = 0; t < rows; ++t)
        d.target[static_cast<std::size_t>(k)].push_back(t + k + 2 < seq.size() ? seq[t + k + 2] : -1);
  }
  d.lineStart.push_back(static_cast<std::int64_t>(d.hidden.size() / static_cast<std::size_t>(H)));
  return d;
}

// Top-1 and top-k hit rates of head k over every counted row of `d`.
std::pair<double, double> accuracy(const specdec::ResidualHeads& heads, int k, const HeadData& d, int topk) {
  const int V = heads.vocab(), H = heads.hidden();
  const std::int64_t rows = d.rows();
  constexpr std::int64_t kChunk = 256;
  std::vector<float> logits(static_cast<std::size_t>(kChunk) * V);
  std::int64_t counted = 0, hit1 = 0, hitk = 0;
  for (std::int64_t r0 = 0; r0 < rows; r0 += kChunk) {
    const int n = static_cast<int>(std::min(kChunk, rows - r0));
    heads.forward(k, &d.hidden[static_cast<std::size_t>(r0) * H], n, logits.data());
    for (int r = 0; r < n; ++r) {
      const int y = d.target[static_cast<std::size_t>(k)][static_cast<std::size_t>(r0 + r)];
      if (y < 0) continue;
      const float* row = &logits[static_cast<std::size_t>(r) * V];
      int above = 0;  // tokens scored higher than the target (ties: lower id first)
      for (int v = 0; v < V; ++v) above += row[v] > row[y] || (row[v] == row[y] && v < y);
      ++counted;
      hit1 += above == 0;
      hitk += above < topk;
    }
  }
  return {counted ? static_cast<double>(hit1) / counted : 0.0, counted ? static_cast<double>(hitk) / counted : 0.0};
}

// The embedding rows of `tokens` (a negative token: a zero row).
std::vector<float> gatherRows(const std::vector<float>& table, const std::vector<int>& tokens, int H) {
  std::vector<float> out(tokens.size() * static_cast<std::size_t>(H), 0.0f);
  for (std::size_t i = 0; i < tokens.size(); ++i)
    if (tokens[i] >= 0)
      std::copy_n(&table[static_cast<std::size_t>(tokens[i]) * H], H, &out[i * static_cast<std::size_t>(H)]);
  return out;
}

// The token MTP depth k reads beside row r's state: t + k + 1.
int mtpInput(const HeadData& d, int k, std::size_t r) {
  return k == 0 ? d.next[r] : d.target[static_cast<std::size_t>(k - 1)][r];
}

// Per depth, top-1 and top-k hit rates of the MTP chain on d's rows,
// teacher-forced: depth k reads depth k − 1's output and the true token t + k + 1.
std::vector<std::pair<double, double>> mtpAccuracy(const specdec::MtpHeads& heads, const HeadData& d,
                                                   const std::vector<float>& embed, int topk) {
  const int V = heads.vocab(), H = heads.hidden(), K = heads.count();
  constexpr std::int64_t kChunk = 256;
  std::vector<std::int64_t> counted(static_cast<std::size_t>(K)), hit1(counted), hitk(counted);
  std::vector<float> logits(static_cast<std::size_t>(kChunk) * V);
  for (std::int64_t r0 = 0; r0 < d.rows(); r0 += kChunk) {
    const int n = static_cast<int>(std::min(kChunk, d.rows() - r0));
    std::vector<float> prev(d.hidden.begin() + r0 * H, d.hidden.begin() + (r0 + n) * H), z(prev.size());
    for (int k = 0; k < K; ++k) {
      std::vector<int> in(static_cast<std::size_t>(n));
      for (int r = 0; r < n; ++r) in[static_cast<std::size_t>(r)] = mtpInput(d, k, static_cast<std::size_t>(r0 + r));
      const std::vector<float> emb = gatherRows(embed, in, H);
      heads.forward(k, prev.data(), emb.data(), n, z.data(), logits.data());
      for (int r = 0; r < n; ++r) {
        const int y = d.target[static_cast<std::size_t>(k)][static_cast<std::size_t>(r0 + r)];
        if (y < 0) continue;
        const float* row = &logits[static_cast<std::size_t>(r) * V];
        int above = 0;
        for (int v = 0; v < V; ++v) above += row[v] > row[y] || (row[v] == row[y] && v < y);
        ++counted[static_cast<std::size_t>(k)];
        hit1[static_cast<std::size_t>(k)] += above == 0;
        hitk[static_cast<std::size_t>(k)] += above < topk;
      }
      prev.swap(z);
    }
  }
  std::vector<std::pair<double, double>> out;
  for (int k = 0; k < K; ++k) {
    const double c = static_cast<double>(std::max<std::int64_t>(counted[static_cast<std::size_t>(k)], 1));
    out.emplace_back(static_cast<double>(hit1[static_cast<std::size_t>(k)]) / c,
                     static_cast<double>(hitk[static_cast<std::size_t>(k)]) / c);
  }
  return out;
}

// rate[r]: how often head k's rank-r guess is the target, over the counted rows of `d`.
std::vector<double> rankAccuracy(const specdec::ResidualHeads& heads, int k, const HeadData& d, int ranks) {
  const int V = heads.vocab(), H = heads.hidden();
  const std::int64_t rows = d.rows();
  constexpr std::int64_t kChunk = 256;
  std::vector<float> logits(static_cast<std::size_t>(kChunk) * V);
  std::vector<double> hits(static_cast<std::size_t>(ranks), 0.0);
  std::int64_t counted = 0;
  for (std::int64_t r0 = 0; r0 < rows; r0 += kChunk) {
    const int n = static_cast<int>(std::min(kChunk, rows - r0));
    heads.forward(k, &d.hidden[static_cast<std::size_t>(r0) * H], n, logits.data());
    for (int r = 0; r < n; ++r) {
      const int y = d.target[static_cast<std::size_t>(k)][static_cast<std::size_t>(r0 + r)];
      if (y < 0) continue;
      const float* row = &logits[static_cast<std::size_t>(r) * V];
      int above = 0;
      for (int v = 0; v < V; ++v) above += row[v] > row[y] || (row[v] == row[y] && v < y);
      ++counted;
      if (above < ranks) hits[static_cast<std::size_t>(above)] += 1;
    }
  }
  for (double& h : hits) h = counted ? h / static_cast<double>(counted) : 0.0;
  return hits;
}

// `specdec.design_tree`: Medusa trees designed for each size from how the
// heads do on the model's own greedy continuations of calibration prompts
// (joint path rates, TreeDesign.h's PathCounts), their predicted and their
// measured accepted drafts per step — Medusa greedy decoding of the first
// lines' "word: " prompts, none of them calibration prompts — beside
// mc_sim_7b_63 cut to the same size (its first nodes in (length,
// lexicographic) order, a tree by construction) and beside Medusa's own
// estimate (heads independent, rank accuracy on held-out text).
void runDesignTree(RunContext& ctx) {
  const LoadedModel loaded = loadModel(ctx.paramString("model"));
  const auto& ck = loaded.checkpoint;
  // Without a file: the heads shipped with the model, else untrained heads
  // (Medusa's initialisation, each the LM head) — a baseline to design against.
  specdec::ResidualHeads heads = lm::headsFromLmHead(*ck, static_cast<int>(ctx.paramInt("heads")));
  const std::string headsFile = headsFileOr(loaded, ctx.paramString("heads_file"), "medusa_lm_head.safetensors");
  if (!headsFile.empty()) {
    try {
      heads = specdec::ResidualHeads::read(headsFile);
    } catch (const InputError& e) {
      throw InputError("params.heads_file", e.what());
    }
  }
  if (heads.hidden() != ck->config.hidden || heads.vocab() != ck->config.vocab)
    throw InputError("params.heads_file", "the heads are for another model (hidden " + std::to_string(heads.hidden()) +
                                              ", vocabulary " + std::to_string(heads.vocab()) + ")");
  const int ranks = static_cast<int>(ctx.paramInt("ranks"));
  const std::string heldFile = ctx.paramString("heldout_file").empty() ? (shippedModelsDir() / "heldout.txt").string()
                                                                       : ctx.paramString("heldout_file");
  const auto lines =
      readTextLines(heldFile, "params.heldout_file", static_cast<std::size_t>(ctx.paramInt("max_heldout_lines")));
  lm::LlamaModel model(ck, ck->config.maxPositions);
  const HeadData held = readThrough(ctx, loaded, model, lines, heads.count(), "params.heldout_file");
  std::vector<std::vector<double>> accuracy;
  for (int k = 0; k < heads.count(); ++k) accuracy.push_back(rankAccuracy(heads, k, held, ranks));

  // Prompts: each line up to its ": "; the first `prompts` measure, the next
  // `calibration_prompts` calibrate.
  std::vector<std::vector<int>> prompts, calibration;
  const auto measured = static_cast<std::size_t>(ctx.paramInt("prompts"));
  const auto calibrating = static_cast<std::size_t>(ctx.paramInt("calibration_prompts"));
  for (std::size_t i = 0; i < lines.size() && prompts.size() + calibration.size() < measured + calibrating; ++i) {
    const std::size_t colon = lines[i].find(": ");
    if (colon == std::string::npos) continue;
    (prompts.size() < measured ? prompts : calibration)
        .push_back(loaded.promptIds(lines[i].substr(0, colon + 2), "params.heldout_file"));
  }
  const int tokens = static_cast<int>(ctx.paramInt("tokens"));
  // Calibration: at each position of the model's own greedy continuation of
  // the calibration prompts, the rank at which each head holds the token
  // the model produces k + 2 later (TreeDesign.h's PathCounts).
  specdec::PathCounts paths(heads.count(), ranks);
  std::vector<std::vector<std::vector<int>>> walks;  // per calibration sequence, per position: the ranks
  {
    std::vector<float> logits(static_cast<std::size_t>(ck->config.vocab));
    for (const auto& p : calibration) {
      ctx.throwIfCancelled();
      std::vector<int> seq = p;
      const std::vector<int> greedy = lm::plainGreedy(model, p, tokens).tokens;
      seq.insert(seq.end(), greedy.begin(), greedy.end());
      model.truncate(0);
      model.forward(seq, true);
      const std::vector<float> hidden = model.lastHidden();
      const int H = ck->config.hidden, V = ck->config.vocab;
      walks.emplace_back();
      for (std::size_t t = p.size() - 1; t + 2 < seq.size(); ++t) {
        std::vector<int> rank(static_cast<std::size_t>(heads.count()), -1);
        for (int k = 0; k < heads.count() && t + k + 2 < seq.size(); ++k) {
          heads.forward(k, &hidden[t * static_cast<std::size_t>(H)], 1, logits.data());
          const int y = seq[t + static_cast<std::size_t>(k) + 2];
          int above = 0;
          for (int v = 0; v < V; ++v)
            above += logits[static_cast<std::size_t>(v)] > logits[static_cast<std::size_t>(y)] ||
                     (logits[static_cast<std::size_t>(v)] == logits[static_cast<std::size_t>(y)] && v < y);
          rank[static_cast<std::size_t>(k)] = above;
        }
        paths.add(rank);
        walks.back().push_back(rank);
      }
    }
  }
  if (paths.positions() == 0)
    throw InputError("params.calibration_prompts", "left no calibration position (too few lines with \": \")");
  auto measure = [&](const specdec::Choices& choices, int& calls) {
    const specdec::MedusaBuffers tree = specdec::medusaBuffers(choices);
    double accepted = 0, steps = 0;
    calls = 0;
    for (const auto& p : prompts) {
      ctx.throwIfCancelled();
      const lm::LmDecodeRun run = lm::medusaGreedy(model, heads, tree, p, tokens);
      for (const lm::LmStep& s : run.steps) accepted += static_cast<double>(s.acceptedNodes.size() - 1);
      steps += static_cast<double>(run.steps.size());
      calls += run.modelCalls;
    }
    return steps > 0 ? accepted / steps : 0.0;
  };
  specdec::Choices published =
      specdec::medusaBuffers(specdec::namedChoices(medusaChoicesFile(), "mc_sim_7b_63")).sorted;
  const auto sizes = ctx.params().at("sizes").get<std::vector<int>>();
  std::int64_t step = 0;
  for (int size : sizes) {
    ctx.throwIfCancelled();
    // Deeper than the heads cannot be verified: the design never goes there; the published tree is cut to them.
    specdec::Choices cut;
    for (const auto& path : published)
      if (static_cast<int>(path.size()) <= heads.count() && static_cast<int>(cut.size()) < size &&
          *std::max_element(path.begin(), path.end()) < ranks)
        cut.push_back(path);
    const specdec::DesignedTree designed = specdec::designTree(paths, size);
    const specdec::DesignedTree independent = specdec::designTree(accuracy, size);
    int designedCalls = 0, publishedCalls = 0, independentCalls = 0;
    const double measuredDesigned = measure(designed.choices, designedCalls);
    const double measuredPublished = measure(cut, publishedCalls);
    const double measuredIndependent = measure(independent.choices, independentCalls);
    StepRecord r;
    r.step = step++;
    r.metric(rec::kNodes, static_cast<double>(designed.choices.size()));
    // Predicted: greedy decoding walked over the calibration sequences;
    // path_rate_sum: the design's own objective, every position once.
    r.metric(rec::kPredictedAccepted, specdec::walkedAccepted(designed.choices, walks))
        .metric(rec::kMeasuredAccepted, measuredDesigned);
    r.metric(rec::kPathRateSum, designed.expectedAccepted);
    r.metric(rec::kMcSimPredicted, specdec::walkedAccepted(cut, walks));
    r.metric(rec::kMcSimMeasured, measuredPublished);
    // Medusa's own estimate (heads independent, accuracy on held-out text) and its tree.
    r.metric(rec::kIndependentPredicted, independent.expectedAccepted)
        .metric(rec::kIndependentMeasured, measuredIndependent);
    r.metric("model_calls", designedCalls).metric("mc_sim_model_calls", publishedCalls);
    r.textArray(rec::kDesignedTree, specdec::choicesToJson(designed.choices));
    if (step == 1) {
      std::vector<double> flat;
      for (const auto& row : accuracy) flat.insert(flat.end(), row.begin(), row.end());
      r.array(rec::kRankAccuracy, Array::fromValues<double>({heads.count(), ranks}, flat));
    }
    ctx.emitStep(std::move(r));
    ctx.progress(static_cast<double>(step) / static_cast<double>(sizes.size()), "size " + std::to_string(size));
  }
}

void runTrainHeads(RunContext& ctx) {
  const LoadedModel loaded = loadModel(ctx.paramString("model"));
  const auto& ck = loaded.checkpoint;
  const int K = static_cast<int>(ctx.paramInt("heads")), topk = static_cast<int>(ctx.paramInt("topk"));
  const std::string trainFile = ctx.paramString("text_file").empty() ? (shippedModelsDir() / "heads-train.txt").string()
                                                                     : ctx.paramString("text_file");
  const std::string heldFile = ctx.paramString("heldout_file").empty() ? (shippedModelsDir() / "heldout.txt").string()
                                                                       : ctx.paramString("heldout_file");
  const auto trainLines =
      readTextLines(trainFile, "params.text_file", static_cast<std::size_t>(ctx.paramInt("max_lines")));
  const auto heldLines =
      readTextLines(heldFile, "params.heldout_file", static_cast<std::size_t>(ctx.paramInt("max_heldout_lines")));

  // Medusa heads, or MTP modules (head_type "mtp": the same data, a chain of modules).
  const bool mtp = ctx.paramString("head_type") == "mtp";
  const int H = ck->config.hidden, V = ck->config.vocab;
  specdec::ResidualHeads heads;
  specdec::MtpHeads mtpHeads;
  std::vector<float> embed;
  if (mtp) embed = lm::wideEmbedding(*ck);
  const std::string headsIn = ctx.paramString("heads_in");
  if (headsIn.empty()) {
    if (mtp)
      mtpHeads = specdec::MtpHeads(K, H, V, lm::wideLmHead(*ck));
    else
      heads = lm::headsFromLmHead(*ck, K);
  } else {
    int count = 0, hidden = 0, vocab = V;
    try {
      if (mtp) {
        mtpHeads = specdec::MtpHeads::read(headsIn, V, lm::wideLmHead(*ck));
        count = mtpHeads.count(), hidden = mtpHeads.hidden();
      } else {
        heads = specdec::ResidualHeads::read(headsIn);
        count = heads.count(), hidden = heads.hidden(), vocab = heads.vocab();
      }
    } catch (const InputError& e) {
      throw InputError("params.heads_in", e.what());
    }
    if (hidden != H || vocab != V || count != K)
      throw InputError("params.heads_in", headsIn + " holds " + std::to_string(count) + " heads for hidden " +
                                              std::to_string(hidden) + ", vocabulary " + std::to_string(vocab) +
                                              "; the run asks for " + std::to_string(K) + " on the model's " +
                                              std::to_string(H) + " and " + std::to_string(V));
  }

  ctx.progress(0.0, "reading the text through the model");
  lm::LlamaModel model(ck, ck->config.maxPositions);
  const HeadData train = readThrough(ctx, loaded, model, trainLines, K, "params.text_file");
  const HeadData held = readThrough(ctx, loaded, model, heldLines, K, "params.heldout_file");
  // The unigram baseline: the training targets' most frequent token, scored on the held-out rows of head 0.
  std::map<int, std::int64_t> counts;
  for (int y : train.target[0])
    if (y >= 0) ++counts[y];
  const int unigram = std::max_element(counts.begin(), counts.end(), [](const auto& a, const auto& b) {
                        return a.second < b.second;
                      })->first;
  std::int64_t unigramHits = 0, heldCounted = 0;
  for (int y : held.target[0]) {
    heldCounted += y >= 0;
    unigramHits += y == unigram;
  }

  const int steps = static_cast<int>(ctx.paramInt("steps")), batchLines = static_cast<int>(ctx.paramInt("batch_lines"));
  const int evalEvery = static_cast<int>(ctx.paramInt("eval_every"));
  const double lr = ctx.paramFloat("learning_rate");
  const double weightDecay = ctx.paramFloat("weight_decay");
  specdec::HeadOptimizer opt(heads, lr, weightDecay);
  std::mt19937_64 rng(ctx.seed());
  const auto lines = static_cast<std::int64_t>(trainLines.size());
  for (int step = 0; step < steps; ++step) {
    ctx.throwIfCancelled();
    // A batch: `batchLines` random lines' rows.
    std::vector<float> h;
    std::vector<std::vector<int>> y(static_cast<std::size_t>(K));
    std::vector<int> next;
    for (int b = 0; b < batchLines; ++b) {
      const std::int64_t line = std::uniform_int_distribution<std::int64_t>(0, lines - 1)(rng);
      const std::int64_t r0 = train.lineStart[static_cast<std::size_t>(line)],
                         r1 = train.lineStart[static_cast<std::size_t>(line) + 1];
      h.insert(h.end(), train.hidden.begin() + r0 * H, train.hidden.begin() + r1 * H);
      next.insert(next.end(), train.next.begin() + r0, train.next.begin() + r1);
      for (int k = 0; k < K; ++k)
        y[static_cast<std::size_t>(k)].insert(y[static_cast<std::size_t>(k)].end(),
                                              train.target[static_cast<std::size_t>(k)].begin() + r0,
                                              train.target[static_cast<std::size_t>(k)].begin() + r1);
    }
    const int rows = static_cast<int>(h.size() / static_cast<std::size_t>(H));
    // Cosine decay to a tenth of the rate.
    const double rate = lr * (0.1 + 0.9 * 0.5 * (1 + std::cos(M_PI * step / std::max(1, steps - 1))));
    opt.setLearningRate(rate);
    StepRecord r;
    r.step = step;
    std::vector<float> prev = h, z(h.size());  // MTP: depth k − 1's output
    for (int k = 0; k < K; ++k) {
      const int* targets = y[static_cast<std::size_t>(k)].data();
      if (mtp) {
        const std::vector<float> emb = gatherRows(embed, k == 0 ? next : y[static_cast<std::size_t>(k - 1)], H);
        const specdec::MtpGradient g = mtpHeads.lossAndGradientFast(k, prev.data(), emb.data(), rows, targets);
        mtpHeads.adamStep(k, g, rate, weightDecay);
        mtpHeads.forward(k, prev.data(), emb.data(), rows, z.data(), nullptr);
        prev.swap(z);
        r.metric(rec::lossOfHead(k), g.loss);
        continue;
      }
      const specdec::HeadGradient g = heads.lossAndGradientFast(k, h.data(), rows, targets);
      opt.step(heads, k, g);
      r.metric(rec::lossOfHead(k), g.loss);
    }
    r.metric("learning_rate", rate);
    if (step == 0) {
      r.metric(rec::kUnigramTop1, heldCounted ? static_cast<double>(unigramHits) / heldCounted : 0.0);
      r.metric("train_tokens", static_cast<double>(train.rows()))
          .metric("heldout_tokens", static_cast<double>(held.rows()));
    }
    if (step % evalEvery == 0 || step + 1 == steps) {
      std::vector<std::pair<double, double>> acc;
      if (mtp)
        acc = mtpAccuracy(mtpHeads, held, embed, topk);
      else
        for (int k = 0; k < K; ++k) acc.push_back(accuracy(heads, k, held, topk));
      for (int k = 0; k < K; ++k)
        r.metric(rec::top1OfHead(k), acc[static_cast<std::size_t>(k)].first)
            .metric("topk_head" + std::to_string(k), acc[static_cast<std::size_t>(k)].second);
    }
    if (step + 1 == steps && !ctx.paramString("heads_out").empty()) {
      try {
        if (mtp)
          mtpHeads.write(ctx.paramString("heads_out"), ctx.paramBool("half"));
        else
          heads.write(ctx.paramString("heads_out"), ctx.paramBool("half"));
      } catch (const InputError& e) {
        throw InputError("params.heads_out", e.what());
      }
      r.textArray("heads_file", ctx.paramString("heads_out"));
    }
    ctx.emitStep(std::move(r));
    ctx.progress(static_cast<double>(step + 1) / steps, "step " + std::to_string(step + 1));
  }
}

}  // namespace

void registerHeadTrainingKind(KindRegistry& registry) {
  EngineKind k;
  k.name = "specdec.train_heads";
  k.version = "1.0";
  k.summary =
      "Medusa-1 heads or MTP modules trained on a frozen Llama model's hidden states: loss and held-out accuracy per "
      "head";
  k.schema.add(ParamSpec::text("model", "", "checkpoint folder or shipped model name (empty: loupe-llama-2m)"));
  k.schema.add(ParamSpec::choice("head_type", {"medusa", "mtp"}, "medusa",
                                 "medusa: parallel residual heads; mtp: DeepSeek-V3-style sequential modules"));
  k.schema.add(ParamSpec::integer("heads", 4, "heads or MTP depths (head k predicts token t + k + 2)").range(1, 8));
  k.schema.add(
      ParamSpec::text("text_file", "", "training text, a sequence a line (empty: the shipped heads-train.txt)"));
  k.schema.add(ParamSpec::integer("max_lines", 2000, "training lines read (0: all)").range(0, 10000000));
  k.schema.add(ParamSpec::text("heldout_file", "", "held-out text (empty: the shipped heldout.txt)"));
  k.schema.add(ParamSpec::integer("max_heldout_lines", 300, "held-out lines scored (0: all)").range(0, 10000000));
  k.schema.add(ParamSpec::integer("steps", 300, "AdamW steps").range(1, 1000000));
  k.schema.add(ParamSpec::integer("batch_lines", 32, "lines per batch").range(1, 4096));
  k.schema.add(ParamSpec::number("learning_rate", 1e-3, "AdamW's rate (cosine decay to a tenth)").range(1e-7, 1));
  k.schema.add(ParamSpec::number("weight_decay", 0.0, "AdamW's decoupled decay on W and P").range(0, 1));
  k.schema.add(ParamSpec::integer("topk", 5, "top-k accuracy's k").range(1, 100));
  k.schema.add(ParamSpec::integer("eval_every", 25, "held-out accuracy every n steps").range(1, 1000000));
  k.schema.add(ParamSpec::text("heads_in", "", "resume from heads saved in medusa_lm_head.safetensors layout"));
  k.schema.add(ParamSpec::text("heads_out", "", "save the trained heads here (medusa_lm_head.safetensors layout)"));
  k.schema.add(ParamSpec::boolean("half", false, "save in f16 (half the size) instead of f32"));
  k.run = runTrainHeads;
  registry.add(std::move(k));

  EngineKind d;
  d.name = "specdec.design_tree";
  d.version = "1.0";
  d.summary = "Medusa trees designed from trained heads' measured accuracy: predicted vs measured accepted drafts";
  d.schema.add(ParamSpec::text("model", "", "checkpoint folder or shipped model name (empty: loupe-llama-2m)"));
  d.schema.add(ParamSpec::text(
      "heads_file", "",
      "Medusa heads (medusa_lm_head.safetensors layout; empty: those shipped with the model, else untrained)"));
  d.schema.add(ParamSpec::integer("heads", 4, "untrained heads when there is no heads_file").range(1, 8));
  d.schema.add(ParamSpec::text("heldout_file", "", "calibration text (empty: the shipped heldout.txt)"));
  d.schema.add(ParamSpec::integer("max_heldout_lines", 300, "calibration lines (0: all)").range(0, 10000000));
  d.schema.add(ParamSpec::integer("ranks", 10, "guesses per head a tree may use").range(1, 10));
  d.schema.add(ParamSpec::intList("sizes", {4, 8, 16, 32, 64}, "tree sizes to design").range(1, 512).length(1, 32));
  d.schema.add(
      ParamSpec::integer("prompts", 5, "prompts decoded to measure (the first lines' \"word: \")").range(1, 1000));
  d.schema.add(ParamSpec::integer("calibration_prompts", 40,
                                  "the next lines' prompts, whose greedy continuations calibrate the design")
                   .range(1, 10000));
  d.schema.add(ParamSpec::integer("tokens", 100, "tokens decoded per prompt").range(1, 400));
  d.run = runDesignTree;
  registry.add(std::move(d));
}

}  // namespace loupe
