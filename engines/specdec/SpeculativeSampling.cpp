#include "engines/specdec/SpeculativeSampling.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace loupe::specdec {

ArpaTokenModel::ArpaTokenModel(const ArpaModel& model, int maxOrder) : m_model(model), m_maxOrder(maxOrder) {
  for (const auto& w : model.vocabulary())
    if (w != "<s>" && w != "<unk>" && w != "<UNK>") m_words.push_back(w);
}

int ArpaTokenModel::id(const std::string& word) const {
  const auto it = std::find(m_words.begin(), m_words.end(), word);
  return it == m_words.end() ? -1 : static_cast<int>(it - m_words.begin());
}

std::vector<double> ArpaTokenModel::next(const std::vector<int>& context) const {
  std::vector<std::string> history{"<s>"};
  for (int t : context) history.push_back(m_words[static_cast<std::size_t>(t)]);
  if (m_maxOrder > 0 && history.size() > static_cast<std::size_t>(m_maxOrder - 1))
    history.erase(history.begin(), history.end() - (m_maxOrder - 1));
  if (m_maxOrder == 1) history.clear();
  std::vector<double> p(m_words.size());
  double sum = 0;
  for (std::size_t i = 0; i < m_words.size(); ++i) sum += p[i] = std::pow(10.0, m_model.logProb10(history, m_words[i]));
  for (double& v : p) v /= sum;  // the excluded <s> / <unk> carry (almost) no mass
  return p;
}

std::vector<std::vector<double>> TokenModel::nextBatch(const std::vector<std::vector<int>>& contexts) const {
  std::vector<std::vector<double>> out;
  out.reserve(contexts.size());
  for (const auto& c : contexts) out.push_back(next(c));
  return out;
}

std::vector<std::vector<double>> TokenModel::evaluateTree(const std::vector<int>& context,
                                                          const std::vector<int>& tokens,
                                                          const std::vector<int>& parents) const {
  if (tokens.size() != parents.size()) throw std::invalid_argument("evaluateTree: one parent per token");
  std::vector<std::vector<int>> contexts(tokens.size());
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    const int parent = parents[i];
    if (parent >= static_cast<int>(i) || (i > 0 && parent < 0) || (i == 0 && parent != -1))
      throw std::invalid_argument("evaluateTree: node " + std::to_string(i) + " has parent " + std::to_string(parent) +
                                  " (the root first, parents before children)");
    contexts[i] = i == 0 ? context : contexts[static_cast<std::size_t>(parent)];
    contexts[i].push_back(tokens[i]);
  }
  return nextBatch(contexts);
}

namespace {

// context, context + d₁, …, context + d₁ … d_γ: the γ + 1 positions a chain's verification scores.
std::vector<std::vector<int>> prefixes(const std::vector<int>& context, const std::vector<int>& drafted) {
  std::vector<std::vector<int>> out{context};
  for (int d : drafted) {
    out.push_back(out.back());
    out.back().push_back(d);
  }
  return out;
}

}  // namespace

int sampleFrom(const std::vector<double>& p, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> u(0.0, 1.0);
  double r = u(rng), acc = 0;
  for (std::size_t i = 0; i < p.size(); ++i)
    if ((acc += p[i]) > r) return static_cast<int>(i);
  for (std::size_t i = p.size(); i-- > 0;)  // r beyond the rounding of the sum: the last token with mass
    if (p[i] > 0) return static_cast<int>(i);
  throw std::invalid_argument("sampling: a distribution with no mass");
}

SpeculativeStep speculativeStep(const TokenModel& target, const TokenModel& draft, const std::vector<int>& context,
                                int gamma, std::mt19937_64& rng) {
  // Draft γ tokens, keeping each step's q.
  std::vector<int> ctx = context, drafted;
  std::vector<std::vector<double>> q;
  for (int i = 0; i < gamma; ++i) {
    q.push_back(draft.next(ctx));
    drafted.push_back(sampleFrom(q.back(), rng));
    ctx.push_back(drafted.back());
  }
  // The target at all γ + 1 positions: one batched call.
  const std::vector<std::vector<double>> ps = target.nextBatch(prefixes(context, drafted));
  std::uniform_real_distribution<double> u(0.0, 1.0);
  SpeculativeStep step;
  for (int i = 0; i < gamma; ++i) {
    const std::vector<double>& p = ps[static_cast<std::size_t>(i)];
    const int x = drafted[static_cast<std::size_t>(i)];
    const double px = p[static_cast<std::size_t>(x)], qx = q[static_cast<std::size_t>(i)][static_cast<std::size_t>(x)];
    if (u(rng) < std::min(1.0, px / qx)) {
      step.tokens.push_back(x);
      ++step.accepted;
      continue;
    }
    // Rejected: draw from the normalised residual max(0, p − q).
    std::vector<double> residual(p.size());
    double sum = 0;
    for (std::size_t k = 0; k < p.size(); ++k)
      sum += residual[k] = std::max(0.0, p[k] - q[static_cast<std::size_t>(i)][k]);
    for (double& v : residual) v /= sum;
    step.tokens.push_back(sampleFrom(residual, rng));
    return step;
  }
  step.tokens.push_back(sampleFrom(ps.back(), rng));  // all kept: the bonus token
  return step;
}

int argmax(const std::vector<double>& p) {
  return static_cast<int>(std::max_element(p.begin(), p.end()) - p.begin());
}

std::vector<int> greedyDecode(const TokenModel& model, std::vector<int> context, int tokens) {
  std::vector<int> out;
  for (int i = 0; i < tokens; ++i) {
    out.push_back(argmax(model.next(context)));
    context.push_back(out.back());
  }
  return out;
}

SpeculativeStep greedySpeculativeStep(const TokenModel& target, const TokenModel& draft,
                                      const std::vector<int>& context, int gamma) {
  std::vector<int> ctx = context, drafted;
  for (int i = 0; i < gamma; ++i) {
    drafted.push_back(argmax(draft.next(ctx)));
    ctx.push_back(drafted.back());
  }
  SpeculativeStep step;
  const std::vector<std::vector<double>> ps = target.nextBatch(prefixes(context, drafted));  // one batched call
  for (int i = 0; i <= gamma; ++i) {
    const int best = argmax(ps[static_cast<std::size_t>(i)]);
    step.tokens.push_back(best);
    if (i == gamma || best != drafted[static_cast<std::size_t>(i)]) break;  // a correction, or the bonus token
    ++step.accepted;
  }
  return step;
}

std::vector<int> speculativeGreedy(const TokenModel& target, const TokenModel& draft, std::vector<int> context,
                                   int tokens, int gamma, int* targetCalls) {
  std::vector<int> out;
  int calls = 0;
  while (static_cast<int>(out.size()) < tokens) {
    const SpeculativeStep step = greedySpeculativeStep(target, draft, context, gamma);
    ++calls;
    out.insert(out.end(), step.tokens.begin(), step.tokens.end());
    context.insert(context.end(), step.tokens.begin(), step.tokens.end());
  }
  if (targetCalls) *targetCalls = calls;
  out.resize(static_cast<std::size_t>(tokens));
  return out;
}

}  // namespace loupe::specdec
