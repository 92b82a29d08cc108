#include "engines/specdec/DraftHeads.h"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <unordered_map>

#include "engines/core/Cancellation.h"

namespace loupe::specdec {

OracleMedusaHeads::OracleMedusaHeads(const MarkovCache& target, int heads) : m_target(target), m_heads(heads) {
  if (heads < 1) throw std::invalid_argument("Medusa heads: need at least one head");
}

std::vector<std::vector<double>> OracleMedusaHeads::predict(const std::vector<int>& context) const {
  // The marginals depend on the context only through the history the
  // target conditions on.
  const std::uint64_t key = m_target.key(context);
  const auto it = m_cache.find(key);
  if (it != m_cache.end()) return it->second;
  return m_cache.emplace(key, compute(context)).first->second;
}

std::vector<std::vector<double>> OracleMedusaHeads::compute(const std::vector<int>& context) const {
  // The mass of each state (the history the target conditions on), carried
  // forward one token at a time; a state keeps its full recent history so
  // next() sees what it would in decoding.
  const auto V = static_cast<std::size_t>(m_target.vocabularySize());
  const std::size_t keep = static_cast<std::size_t>(std::max(m_target.order() - 1, 0));
  struct State {
    std::vector<int> history;
    double mass;
  };
  std::vector<State> states{
      {std::vector<int>(context.end() - static_cast<std::ptrdiff_t>(std::min(keep, context.size())), context.end()),
       1.0}};
  std::vector<std::vector<double>> heads;
  std::vector<int> h;
  for (int step = 0; step <= m_heads; ++step) {
    std::unordered_map<std::uint64_t, std::size_t> index;
    std::vector<State> nextStates;
    std::vector<double> marginal(V, 0.0);
    for (const State& s : states) {
      const std::vector<double>& p = m_target.distribution(s.history);
      for (std::size_t v = 0; v < V; ++v) {
        const double m = s.mass * p[v];
        if (m == 0) continue;
        marginal[v] += m;
        h.assign(s.history.begin(), s.history.end());  // one buffer: a new vector only for a new state
        h.push_back(static_cast<int>(v));
        if (h.size() > keep) h.erase(h.begin(), h.end() - static_cast<std::ptrdiff_t>(keep));
        const auto [it, fresh] = index.emplace(m_target.key(h), nextStates.size());
        if (fresh)
          nextStates.push_back({h, m});
        else
          nextStates[it->second].mass += m;
      }
    }
    if (step > 0) heads.push_back(std::move(marginal));  // step 0 is the root token t + 1
    states = std::move(nextStates);
  }
  return heads;
}

std::vector<int> sampleText(const TokenModel& target, int tokens, int sentence, std::mt19937_64& rng) {
  std::vector<int> text, context;
  for (int i = 0; i < tokens; ++i) {
    if (i % 1024 == 0) pollCancel();  // up to 10^6 model calls (Cancellation.h)
    if (sentence > 0 && static_cast<int>(context.size()) >= sentence) context.clear();
    const int t = sampleFrom(target.next(context), rng);
    text.push_back(t);
    context.push_back(t);
  }
  return text;
}

namespace {
// Add-α smoothed counts of (row, next), each row normalised.
std::vector<double> normalisedRows(std::vector<double> counts, std::size_t V, double alpha) {
  for (std::size_t row = 0; row < V; ++row) {
    double total = 0;
    for (std::size_t v = 0; v < V; ++v) total += counts[row * V + v] += alpha;
    for (std::size_t v = 0; v < V; ++v) counts[row * V + v] /= total;
  }
  return counts;
}
}  // namespace

EstimatedMedusaHeads::EstimatedMedusaHeads(const std::vector<int>& text, int vocabulary, int heads, double alpha)
    : m_vocabulary(vocabulary), m_heads(heads) {
  if (heads < 1) throw std::invalid_argument("Medusa heads: need at least one head");
  const auto V = static_cast<std::size_t>(vocabulary);
  for (std::size_t k = 0; k < static_cast<std::size_t>(heads); ++k) {
    std::vector<double> counts(V * V, 0.0);
    for (std::size_t t = 0; t + k + 2 < text.size(); ++t)
      counts[static_cast<std::size_t>(text[t]) * V + static_cast<std::size_t>(text[t + k + 2])] += 1;
    m_rows.push_back(normalisedRows(std::move(counts), V, alpha));
  }
}

std::vector<std::vector<double>> EstimatedMedusaHeads::predict(const std::vector<int>& context) const {
  const auto V = static_cast<std::size_t>(m_vocabulary);
  std::vector<std::vector<double>> out;
  for (const auto& rows : m_rows) {
    if (context.empty()) {  // nothing to condition on: uniform
      out.emplace_back(V, 1.0 / static_cast<double>(V));
      continue;
    }
    const auto row = rows.begin() + static_cast<std::ptrdiff_t>(static_cast<std::size_t>(context.back()) * V);
    out.emplace_back(row, row + static_cast<std::ptrdiff_t>(V));
  }
  return out;
}

EstimatedMtpHeads::EstimatedMtpHeads(const std::vector<int>& text, int vocabulary, int heads, double alpha)
    : m_vocabulary(vocabulary), m_heads(heads) {
  if (heads < 1) throw std::invalid_argument("MTP heads: need at least one head");
  const auto V = static_cast<std::size_t>(vocabulary);
  std::vector<double> counts(V * V, 0.0);
  for (std::size_t t = 0; t + 1 < text.size(); ++t)
    counts[static_cast<std::size_t>(text[t]) * V + static_cast<std::size_t>(text[t + 1])] += 1;
  m_bigram = normalisedRows(std::move(counts), V, alpha);
  m_triples.resize(static_cast<std::size_t>(heads));
  for (int k = 0; k < heads; ++k) {
    std::unordered_map<std::uint32_t, std::unordered_map<int, double>> counts;
    for (std::size_t t = 0; t + static_cast<std::size_t>(k) + 1 < text.size(); ++t) {
      const std::uint32_t key =
          static_cast<std::uint32_t>(text[t]) << 16 | static_cast<std::uint32_t>(text[t + static_cast<std::size_t>(k)]);
      counts[key][text[t + static_cast<std::size_t>(k) + 1]] += 1;
    }
    for (auto& [key, next] : counts)
      m_triples[static_cast<std::size_t>(k)][key] = std::vector<std::pair<int, double>>(next.begin(), next.end());
  }
}

std::vector<double> EstimatedMtpHeads::predict(int head, int anchor, int previous) const {
  // Interpolated: the (anchor, previous) counts with the smoothed bigram of
  // previous as the prior, Witten–Bell style (weight = distinct followers).
  const auto V = static_cast<std::size_t>(m_vocabulary);
  const auto row = m_bigram.begin() + static_cast<std::ptrdiff_t>(static_cast<std::size_t>(previous) * V);
  const std::vector<double> bigram(row, row + static_cast<std::ptrdiff_t>(V));
  const auto& table = m_triples[static_cast<std::size_t>(head)];
  const auto it = table.find(static_cast<std::uint32_t>(anchor) << 16 | static_cast<std::uint32_t>(previous));
  if (it == table.end()) return bigram;
  double seen = 0;
  for (const auto& [v, c] : it->second) seen += c;
  const double types = static_cast<double>(it->second.size());
  std::vector<double> p(V);
  for (std::size_t v = 0; v < V; ++v) p[v] = types * bigram[v] / (seen + types);
  for (const auto& [v, c] : it->second) p[static_cast<std::size_t>(v)] += c / (seen + types);
  return p;
}

std::vector<double> MtpDraft::next(const std::vector<int>& context) const {
  if (context.size() < m_base || m_base == 0)
    throw std::logic_error("MtpDraft: begin() with a non-empty context first");
  const int head = static_cast<int>(context.size() - m_base);
  if (head >= m_heads.count()) throw std::logic_error("MtpDraft: more drafts than heads");
  return m_heads.predict(head, context[m_base - 1], context.back());
}

}  // namespace loupe::specdec
