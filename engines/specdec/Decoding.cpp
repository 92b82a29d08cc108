#include "engines/specdec/Decoding.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <memory>
#include <stdexcept>

#include "engines/core/Cancellation.h"
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

StepTrace medusaStep(const TokenModel& target, const MedusaHeads& heads, const MedusaBuffers& tree, int topk,
                     const AcceptanceRule& rule, const std::vector<int>& context,
                     const std::vector<double>& rootDistribution, std::vector<double>& next) {
  StepTrace s;
  // The root is the target's argmax, as Medusa's fast path takes it (greedy
  // and typical alike); candidates: [root, top-k of head 0, of head 1, …],
  // the layout tree indices point into.
  std::vector<int> candidates{argmax(rootDistribution)};
  for (const auto& p : heads.predict(context)) {
    std::vector<int> order(p.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int>(i);
    const auto k = std::min<std::size_t>(static_cast<std::size_t>(topk), order.size());
    std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(k), order.end(),
                      [&](int a, int b) { return p[static_cast<std::size_t>(a)] > p[static_cast<std::size_t>(b)]; });
    order.resize(k);
    order.resize(static_cast<std::size_t>(topk), -1);  // ranks beyond the vocabulary
    candidates.insert(candidates.end(), order.begin(), order.end());
  }
  const std::size_t nodes = tree.treeIndices.size();
  s.nodeParent = tree.parents;
  s.drafted = *std::max_element(tree.positionIds.begin(), tree.positionIds.end());
  for (int index : tree.treeIndices) {
    if (static_cast<std::size_t>(index) >= candidates.size())
      throw std::invalid_argument("Medusa tree: depth " + std::to_string(s.drafted) + " needs more than the " +
                                  std::to_string(heads.count()) + " heads");
    if (candidates[static_cast<std::size_t>(index)] < 0)
      throw std::invalid_argument("Medusa tree: a rank beyond the vocabulary's " +
                                  std::to_string(target.vocabularySize()) + " tokens");
    s.nodeToken.push_back(candidates[static_cast<std::size_t>(index)]);
  }
  // One target call: the distribution after every node given its path.
  const std::vector<std::vector<double>> after = target.evaluateTree(context, s.nodeToken, s.nodeParent);
  s.nodeProbability.resize(nodes);
  for (std::size_t i = 0; i < nodes; ++i) {
    const std::vector<double>& before = i == 0 ? rootDistribution : after[static_cast<std::size_t>(s.nodeParent[i])];
    s.nodeProbability[i] = before[static_cast<std::size_t>(s.nodeToken[i])];
  }
  // Every candidate path (a retrieve row) through the rule in one call: the
  // longest accepted wins (ties: greedy the first, typical the likelier).
  // log p after each node, computed once (greedy needs only the argmax: p itself).
  std::vector<std::vector<double>> logits(nodes);
  for (std::size_t i = 0; i < nodes; ++i) {
    logits[i] = after[i];
    if (!rule.greedy)
      for (double& p : logits[i]) p = std::log(std::max(p, 1e-300));
  }
  std::vector<std::vector<int>> rows, rowTokens;
  std::vector<std::vector<std::vector<double>>> rowLogits;
  for (const auto& row : tree.retrieveIndices) {
    rows.emplace_back(), rowTokens.emplace_back(), rowLogits.emplace_back();
    for (int n : row) {
      if (n < 0) break;
      rows.back().push_back(n);
      rowTokens.back().push_back(s.nodeToken[static_cast<std::size_t>(n)]);
      rowLogits.back().push_back(logits[static_cast<std::size_t>(n)]);
    }
  }
  const Acceptance a =
      evaluatePosterior(rowLogits, rowTokens, rule.greedy ? 0.0 : rule.temperature, rule.threshold, rule.alpha);
  const auto& best = rows[static_cast<std::size_t>(a.bestCandidate)];
  s.acceptedNodes.assign(best.begin(), best.begin() + a.acceptLength + 1);
  s.accepted = a.acceptLength;
  for (int n : s.acceptedNodes) s.emitted.push_back(s.nodeToken[static_cast<std::size_t>(n)]);
  const int last = s.acceptedNodes.back();
  const bool hasChild = std::find(s.nodeParent.begin(), s.nodeParent.end(), last) != s.nodeParent.end();
  s.reachable = s.accepted + (hasChild ? 1 : 0);
  next = after[static_cast<std::size_t>(last)];
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
    if (s.emitted.size() > room) {
      // The budget, not a rejection, ends this step: count only the drafts
      // emitted (a tree's come after its root, a chain's first).
      s.emitted.resize(room);
      const bool tree = !s.acceptedNodes.empty();
      s.accepted = std::min(s.accepted, static_cast<int>(room) - (tree ? 1 : 0));
      if (tree) s.acceptedNodes.resize(static_cast<std::size_t>(s.accepted) + 1);
      s.reachable = s.accepted;
    }
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
        pollCancel();  // 100k tokens run for long (engines/core/Cancellation.h)
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
      std::unique_ptr<MtpDraft> counted;
      StepDraft* mtp = nullptr;
      const TokenModel* draft = models.draft;
      int gamma = settings.gamma;
      if (settings.method == Method::Mtp) {
        if (models.mtpDraft) {
          mtp = models.mtpDraft;
        } else {
          if (!models.mtp) throw std::invalid_argument("decode: MTP needs heads");
          counted = std::make_unique<MtpDraft>(*models.mtp, target.vocabularySize());
          mtp = counted.get();
        }
        draft = mtp;
        gamma = std::min(gamma, mtp->depth());
      }
      if (!draft) throw std::invalid_argument("decode: a chain needs a draft model");
      while (static_cast<int>(run.tokens.size()) < settings.tokens) {
        pollCancel();  // 100k tokens run for long (engines/core/Cancellation.h)
        if (mtp) {
          if (context.empty()) throw std::invalid_argument("decode: MTP heads need a non-empty prompt");
          mtp->begin(context);
        }
        const SpeculativeStep step = settings.rule.greedy ? greedySpeculativeStep(target, *draft, context, gamma)
                                                          : speculativeStep(target, *draft, context, gamma, rng);
        StepTrace s;
        s.emitted = step.tokens;
        s.accepted = step.accepted;
        s.drafted = s.reachable = gamma;
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
        pollCancel();  // 100k tokens run for long (engines/core/Cancellation.h)
        StepTrace s =
            medusaStep(target, *models.medusa, tree, settings.topk, settings.rule, context, rootDistribution, next);
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
    deepest = std::max(deepest, s.reachable);
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
      reached += s.reachable >= d && s.accepted >= d - 1;
      kept += s.accepted >= d;
    }
    m.acceptanceByDepth.push_back(reached ? static_cast<double>(kept) / static_cast<double>(reached) : 0.0);
  }
  m.tokensPerSecond = run.seconds > 0 ? static_cast<double>(run.tokens.size()) / run.seconds : 0.0;
  return m;
}

void appendRun(DecodeRun& into, DecodeRun run) {
  into.tokens.insert(into.tokens.end(), run.tokens.begin(), run.tokens.end());
  into.steps.insert(into.steps.end(), std::make_move_iterator(run.steps.begin()),
                    std::make_move_iterator(run.steps.end()));
  into.targetCalls += run.targetCalls, into.draftCalls += run.draftCalls, into.seconds += run.seconds;
}

double DecodeMetrics::speedup(double costRatio, const DecodeRun& run) const {
  const double steps = static_cast<double>(std::max<std::size_t>(run.steps.size(), 1));
  return tokensPerStep / (1.0 + costRatio * static_cast<double>(run.draftCalls) / steps);
}

}  // namespace loupe::specdec
