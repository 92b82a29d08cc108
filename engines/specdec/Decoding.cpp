#include "engines/specdec/Decoding.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <memory>
#include <stdexcept>

#include "engines/specdec/TypicalAcceptance.h"

namespace loupe::specdec {

Method methodFromName(const std::string& name) {
  if (name == "target") return Method::Target;
  if (name == "chain") return Method::Chain;
  if (name == "medusa") return Method::Medusa;
  if (name == "mtp") return Method::Mtp;
  throw std::invalid_argument("'" + name + "': expected target, chain, medusa or mtp");
}

std::string methodName(Method m) {
  switch (m) {
    case Method::Target:
      return "target";
    case Method::Chain:
      return "chain";
    case Method::Medusa:
      return "medusa";
    default:
      return "mtp";
  }
}

namespace {

// p^(1/T), normalised: softmax(log p / T).
std::vector<double> tempered(const std::vector<double>& p, double temperature) {
  std::vector<double> q(p.size());
  double sum = 0;
  for (std::size_t i = 0; i < p.size(); ++i) sum += q[i] = p[i] > 0 ? std::pow(p[i], 1.0 / temperature) : 0.0;
  for (double& v : q) v /= sum;
  return q;
}

}  // namespace

StepTrace medusaStep(const TokenModel& target, const MedusaHeads& heads, const MedusaBuffers& tree, int topk,
                     const AcceptanceRule& rule, const std::vector<int>& context,
                     const std::vector<double>& rootDistribution, std::mt19937_64& rng, std::vector<double>& next) {
  StepTrace s;
  const int root =
      rule.greedy ? argmax(rootDistribution) : sampleFrom(tempered(rootDistribution, rule.temperature), rng);
  // Each head's top-k guesses, best first.
  const auto guesses = heads.predict(context);
  std::vector<std::vector<int>> ranked;
  for (const auto& p : guesses) {
    std::vector<int> order(p.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int>(i);
    const auto k = std::min<std::size_t>(static_cast<std::size_t>(topk), order.size());
    std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(k), order.end(),
                      [&](int a, int b) { return p[static_cast<std::size_t>(a)] > p[static_cast<std::size_t>(b)]; });
    order.resize(k);
    ranked.push_back(std::move(order));
  }
  // The tree's nodes: node 0 the root, node i + 1 the path tree.sorted[i].
  std::map<std::vector<int>, int> nodeOf{{{}, 0}};
  s.nodeToken = {root};
  s.nodeParent = {-1};
  for (const auto& path : tree.sorted) {
    const auto depth = path.size();
    if (depth > ranked.size())
      throw std::invalid_argument("Medusa tree: a path of depth " + std::to_string(depth) + " needs more than the " +
                                  std::to_string(ranked.size()) + " heads");
    const auto rank = static_cast<std::size_t>(path.back());
    if (rank >= ranked[depth - 1].size())
      throw std::invalid_argument("Medusa tree: rank " + std::to_string(rank) + " beyond the heads' top-k");
    s.nodeParent.push_back(nodeOf.at(std::vector<int>(path.begin(), path.end() - 1)));
    s.nodeToken.push_back(ranked[depth - 1][rank]);
    nodeOf[path] = static_cast<int>(s.nodeToken.size()) - 1;
    s.drafted = std::max(s.drafted, static_cast<int>(depth));
  }
  // One target call: the distribution after every node, given its path.
  const std::size_t nodes = s.nodeToken.size();
  std::vector<std::vector<int>> contexts(nodes);
  std::vector<std::vector<double>> after(nodes);
  s.nodeProbability.resize(nodes);
  for (std::size_t i = 0; i < nodes; ++i) {
    if (i == 0) {
      contexts[i] = context;
      s.nodeProbability[i] = rootDistribution[static_cast<std::size_t>(root)];
    } else {
      const auto parent = static_cast<std::size_t>(s.nodeParent[i]);
      contexts[i] = contexts[parent];
      s.nodeProbability[i] = after[parent][static_cast<std::size_t>(s.nodeToken[i])];
    }
    contexts[i].push_back(s.nodeToken[i]);
    after[i] = target.next(contexts[i]);
  }
  // Per node, once: the logits the rule reads (log p) and, for typical
  // acceptance, log softmax(logits / T) for the tie-break score.
  std::vector<std::vector<double>> logits(nodes), logTempered(nodes);
  for (std::size_t i = 0; i < nodes; ++i) {
    logits[i].resize(after[i].size());
    for (std::size_t v = 0; v < after[i].size(); ++v) logits[i][v] = std::log(std::max(after[i][v], 1e-300));
    if (!rule.greedy) {
      logTempered[i] = tempered(after[i], rule.temperature);
      for (double& q : logTempered[i]) q = std::log(q);
    }
  }
  // Each candidate path (a retrieve row) through the acceptance rule; the
  // longest accepted wins (ties: greedy the first, typical the likelier).
  std::vector<int> best{0};
  double bestScore = -INFINITY;
  for (const auto& row : tree.retrieveIndices) {
    std::vector<std::size_t> path;
    for (int n : row)
      if (n >= 0) path.push_back(static_cast<std::size_t>(n));
    std::vector<int> tokens;
    std::vector<std::vector<double>> pathLogits;
    for (std::size_t n : path) {
      tokens.push_back(s.nodeToken[n]);
      pathLogits.push_back(logits[n]);
    }
    const Acceptance a =
        evaluatePosterior({pathLogits}, {tokens}, rule.greedy ? 0.0 : rule.temperature, rule.threshold, rule.alpha);
    double score = 0;
    if (!rule.greedy)
      for (std::size_t j = 1; j <= static_cast<std::size_t>(a.acceptLength); ++j)
        score += logTempered[path[j - 1]][static_cast<std::size_t>(tokens[j])];
    const int length = a.acceptLength + 1;
    if (length > static_cast<int>(best.size()) ||
        (length == static_cast<int>(best.size()) && !rule.greedy && score > bestScore)) {
      best.assign(path.begin(), path.begin() + length);
      bestScore = score;
    }
  }
  s.acceptedNodes = best;
  s.accepted = static_cast<int>(best.size()) - 1;
  for (int n : best) s.emitted.push_back(s.nodeToken[static_cast<std::size_t>(n)]);
  next = after[static_cast<std::size_t>(best.back())];
  return s;
}

DecodeRun decode(const DecodeModels& models, const DecodeSettings& settings, const std::vector<int>& prompt,
                 std::mt19937_64& rng) {
  if (!models.target) throw std::invalid_argument("decode: no target model");
  if (settings.tokens < 1) throw std::invalid_argument("decode: tokens must be ≥ 1");
  const auto start = std::chrono::steady_clock::now();
  DecodeRun run;
  std::vector<int> context = prompt;
  auto emit = [&](StepTrace s) {
    const auto room = static_cast<std::size_t>(settings.tokens) - run.tokens.size();
    if (s.emitted.size() > room) s.emitted.resize(room);
    for (int t : s.emitted) {
      run.tokens.push_back(t);
      context.push_back(t);
    }
    run.steps.push_back(std::move(s));
  };
  const TokenModel& target = *models.target;
  switch (settings.method) {
    case Method::Target:
      while (static_cast<int>(run.tokens.size()) < settings.tokens) {
        const auto p = target.next(context);
        ++run.targetCalls;
        StepTrace s;
        s.emitted = {settings.rule.greedy ? argmax(p) : sampleFrom(p, rng)};
        emit(std::move(s));
      }
      break;
    case Method::Chain:
    case Method::Mtp: {
      if (settings.gamma < 1) throw std::invalid_argument("decode: gamma must be ≥ 1");
      std::unique_ptr<MtpDraft> mtp;
      const TokenModel* draft = models.draft;
      int gamma = settings.gamma;
      if (settings.method == Method::Mtp) {
        if (!models.mtp) throw std::invalid_argument("decode: MTP needs heads");
        mtp = std::make_unique<MtpDraft>(*models.mtp, target.vocabularySize());
        draft = mtp.get();
        gamma = std::min(gamma, models.mtp->count());
      }
      if (!draft) throw std::invalid_argument("decode: a chain needs a draft model");
      while (static_cast<int>(run.tokens.size()) < settings.tokens) {
        if (mtp) {
          if (context.empty()) throw std::invalid_argument("decode: MTP heads need a non-empty prompt");
          mtp->begin(context);
        }
        const SpeculativeStep step = settings.rule.greedy ? greedySpeculativeStep(target, *draft, context, gamma)
                                                          : speculativeStep(target, *draft, context, gamma, rng);
        StepTrace s;
        s.emitted = step.tokens;
        s.accepted = step.accepted;
        s.drafted = gamma;
        run.targetCalls += 1;
        run.draftCalls += gamma;
        emit(std::move(s));
      }
      break;
    }
    case Method::Medusa: {
      if (!models.medusa) throw std::invalid_argument("decode: Medusa needs heads");
      const MedusaBuffers tree = medusaBuffers(settings.tree, settings.topk);
      std::vector<double> rootDistribution = target.next(context), next;
      run.targetCalls = 1;  // the prompt's call gives the first root
      while (static_cast<int>(run.tokens.size()) < settings.tokens) {
        StepTrace s = medusaStep(target, *models.medusa, tree, settings.topk, settings.rule, context, rootDistribution,
                                 rng, next);
        run.targetCalls += 1;
        run.draftCalls += 1;
        rootDistribution = next;
        emit(std::move(s));
      }
      break;
    }
  }
  run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return run;
}

DecodeMetrics metricsOf(const DecodeRun& run) {
  DecodeMetrics m;
  const double steps = static_cast<double>(std::max<std::size_t>(run.steps.size(), 1));
  int deepest = 0;
  long accepted = 0;
  for (const auto& s : run.steps) {
    deepest = std::max(deepest, s.drafted);
    accepted += s.accepted;
  }
  m.tokensPerStep = static_cast<double>(run.tokens.size()) / steps;
  m.meanAccepted = static_cast<double>(accepted) / steps;
  m.targetCallsPerToken =
      static_cast<double>(run.targetCalls) / static_cast<double>(std::max<std::size_t>(run.tokens.size(), 1));
  m.acceptedHistogram.assign(static_cast<std::size_t>(deepest) + 1, 0);
  for (const auto& s : run.steps) ++m.acceptedHistogram[static_cast<std::size_t>(s.accepted)];
  for (int d = 1; d <= deepest; ++d) {
    long reached = 0, kept = 0;
    for (const auto& s : run.steps) {
      reached += s.drafted >= d && s.accepted >= d - 1;
      kept += s.accepted >= d;
    }
    m.acceptanceByDepth.push_back(reached ? static_cast<double>(kept) / static_cast<double>(reached) : 0.0);
  }
  m.tokensPerSecond = run.seconds > 0 ? static_cast<double>(run.tokens.size()) / run.seconds : 0.0;
  return m;
}

double DecodeMetrics::speedup(double costRatio, const DecodeRun& run) const {
  const double steps = static_cast<double>(std::max<std::size_t>(run.steps.size(), 1));
  return tokensPerStep / (1.0 + costRatio * static_cast<double>(run.draftCalls) / steps);
}

}  // namespace loupe::specdec
