#include "engines/lm/LlamaTokenModel.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "engines/core/Error.h"
#include "engines/lm/ModelDrafts.h"

namespace loupe::lm {

namespace {

// Whether each context is the previous one plus one token.
bool isChain(const std::vector<std::vector<int>>& contexts) {
  for (std::size_t i = 1; i < contexts.size(); ++i) {
    const auto& a = contexts[i - 1];
    const auto& b = contexts[i];
    if (b.size() != a.size() + 1 || !std::equal(a.begin(), a.end(), b.begin())) return false;
  }
  return true;
}

}  // namespace

LlamaTokenModel::LlamaTokenModel(std::shared_ptr<const Checkpoint> checkpoint, int capacity)
    : m_model(std::move(checkpoint), capacity) {}

void LlamaTokenModel::storeRows(const std::vector<float>& hidden, std::size_t firstPosition) const {
  const std::size_t H = static_cast<std::size_t>(m_model.config().hidden);
  const std::size_t rows = hidden.size() / H;
  m_hidden.resize(m_tokens.size() * H);
  m_known.resize(m_tokens.size(), 0);
  std::copy(hidden.begin(), hidden.end(), m_hidden.begin() + static_cast<std::ptrdiff_t>(firstPosition * H));
  std::fill(m_known.begin() + static_cast<std::ptrdiff_t>(firstPosition),
            m_known.begin() + static_cast<std::ptrdiff_t>(firstPosition + rows), 1);
}

bool LlamaTokenModel::acceptPendingPath(const std::vector<int>& context) const {
  if (!m_hasPending || context.size() <= m_tokens.size() ||
      !std::equal(m_tokens.begin(), m_tokens.end(), context.begin()))
    return false;
  // Walk the pending tree along the context's new tokens, root first.
  std::vector<int> path;
  for (std::size_t i = m_tokens.size(); i < context.size(); ++i) {
    int found = -1;
    for (std::size_t n = 0; n < m_pending.tokens.size() && found < 0; ++n) {
      const int parent = m_pending.parents[n];
      if (m_pending.tokens[n] == context[i] && (path.empty() ? parent == -1 : parent == path.back()))
        found = static_cast<int>(n);
    }
    if (found < 0) return false;
    path.push_back(found);
  }
  m_model.acceptPath(path);
  m_hasPending = false;
  const std::size_t V = static_cast<std::size_t>(m_model.config().vocab), H = m_model.config().hidden;
  const std::size_t first = m_tokens.size();
  m_tokens = context;
  std::vector<float> rows;
  for (int n : path)
    rows.insert(rows.end(), m_pending.hidden.begin() + static_cast<std::ptrdiff_t>(n * H),
                m_pending.hidden.begin() + static_cast<std::ptrdiff_t>((n + 1) * H));
  storeRows(rows, first);
  const auto last = static_cast<std::ptrdiff_t>(static_cast<std::size_t>(path.back()) * V);
  m_logits.assign(m_pending.logits.begin() + last, m_pending.logits.begin() + last + static_cast<std::ptrdiff_t>(V));
  return true;
}

void LlamaTokenModel::sync(const std::vector<int>& context) const {
  if (context.empty()) throw InputError("context", "is empty: the model needs at least <s>");
  if (context == m_tokens && !m_logits.empty()) return;  // a pending tree's rows are overwritten when it runs on
  if (acceptPendingPath(context)) return;
  m_hasPending = false;
  // Keep the common prefix, but at least one token must run to give logits.
  std::size_t keep = 0;
  while (keep < m_tokens.size() && keep < context.size() && m_tokens[keep] == context[keep]) ++keep;
  keep = std::min(keep, context.size() - 1);
  m_model.truncate(static_cast<int>(keep));
  const std::vector<int> fresh(context.begin() + static_cast<std::ptrdiff_t>(keep), context.end());
  m_logits = m_model.forward(fresh);
  ++m_calls;
  m_computed += static_cast<std::int64_t>(fresh.size());
  m_tokens = context;
  m_known.resize(keep);
  storeRows(m_model.lastHidden(), context.size() - 1);
}

std::vector<double> LlamaTokenModel::next(const std::vector<int>& context) const {
  sync(context);
  return softmaxOf(m_logits.data(), m_model.config().vocab);
}

std::vector<float> LlamaTokenModel::hiddenAfter(const std::vector<int>& context) const {
  const std::size_t H = static_cast<std::size_t>(m_model.config().hidden);
  const std::size_t last = context.size() - 1;
  if (!context.empty() && context.size() <= m_tokens.size() && m_known[last] &&
      std::equal(context.begin(), context.end(), m_tokens.begin()))
    return {m_hidden.begin() + static_cast<std::ptrdiff_t>(last * H),
            m_hidden.begin() + static_cast<std::ptrdiff_t>((last + 1) * H)};
  sync(context);
  return {m_hidden.begin() + static_cast<std::ptrdiff_t>(last * H),
          m_hidden.begin() + static_cast<std::ptrdiff_t>((last + 1) * H)};
}

std::vector<std::vector<double>> LlamaTokenModel::nextBatch(const std::vector<std::vector<int>>& contexts) const {
  if (contexts.size() < 2 || !isChain(contexts)) return TokenModel::nextBatch(contexts);
  const std::vector<int>& base = contexts.front();
  const std::vector<int>& full = contexts.back();
  if (base.empty()) throw InputError("context", "is empty: the model needs at least <s>");
  const int V = m_model.config().vocab;
  std::vector<std::vector<double>> out;
  // The cache at the base already (logits known): only the chain's new
  // tokens run; otherwise the base's last token runs with them.
  if (!(m_tokens == base && !m_logits.empty())) {
    std::size_t keep = 0;
    while (keep < m_tokens.size() && keep < full.size() && m_tokens[keep] == full[keep]) ++keep;
    if (keep >= base.size()) {
      sync(base);  // the cache is past the base: roll back to it
    } else {
      m_hasPending = false;
      m_model.truncate(static_cast<int>(keep));
      const std::vector<int> fresh(full.begin() + static_cast<std::ptrdiff_t>(keep), full.end());
      const std::vector<float> logits = m_model.forward(fresh, true);
      ++m_calls;
      m_computed += static_cast<std::int64_t>(fresh.size());
      m_tokens = full;
      m_known.resize(keep);
      storeRows(m_model.lastHidden(), keep);
      const std::size_t skip = base.size() - 1 - keep;  // rows before the base's last
      for (std::size_t r = skip; r < fresh.size(); ++r) out.push_back(softmaxOf(&logits[r * V], V));
      m_logits.assign(logits.end() - V, logits.end());
      return out;
    }
  }
  m_hasPending = false;
  out.push_back(softmaxOf(m_logits.data(), V));
  const std::vector<int> fresh(full.begin() + static_cast<std::ptrdiff_t>(base.size()), full.end());
  m_model.truncate(static_cast<int>(base.size()));
  const std::vector<float> logits = m_model.forward(fresh, true);
  ++m_calls;
  m_computed += static_cast<std::int64_t>(fresh.size());
  const std::size_t first = m_tokens.size();
  m_tokens = full;
  m_known.resize(first);
  storeRows(m_model.lastHidden(), first);
  for (std::size_t r = 0; r < fresh.size(); ++r) out.push_back(softmaxOf(&logits[r * V], V));
  m_logits.assign(logits.end() - V, logits.end());
  return out;
}

std::vector<std::vector<double>> LlamaTokenModel::evaluateTree(const std::vector<int>& context,
                                                               const std::vector<int>& tokens,
                                                               const std::vector<int>& parents) const {
  if (tokens.size() != parents.size()) throw std::invalid_argument("evaluateTree: one parent per token");
  sync(context);
  m_pending.logits = m_model.verifyTree(tokens, parents);
  ++m_calls;
  m_computed += static_cast<std::int64_t>(tokens.size());
  m_pending.hidden = m_model.lastHidden();
  m_pending.tokens = tokens;
  m_pending.parents = parents;
  m_hasPending = true;
  const int V = m_model.config().vocab;
  std::vector<std::vector<double>> out;
  out.reserve(tokens.size());
  for (std::size_t n = 0; n < tokens.size(); ++n) out.push_back(softmaxOf(&m_pending.logits[n * V], V));
  return out;
}

}  // namespace loupe::lm
