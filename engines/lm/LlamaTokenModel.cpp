#include "engines/lm/LlamaTokenModel.h"

#include <algorithm>
#include <cmath>

#include "engines/core/Error.h"

namespace loupe::lm {

LlamaTokenModel::LlamaTokenModel(std::shared_ptr<const Checkpoint> checkpoint, int capacity)
    : m_model(std::move(checkpoint), capacity) {}

std::vector<double> LlamaTokenModel::next(const std::vector<int>& context) const {
  if (context.empty()) throw InputError("context", "is empty: the model needs at least <s>");
  if (context != m_tokens) {
    // Keep the common prefix, but at least one token must run to give logits.
    std::size_t keep = 0;
    while (keep < m_tokens.size() && keep < context.size() && m_tokens[keep] == context[keep]) ++keep;
    keep = std::min(keep, context.size() - 1);
    m_model.truncate(static_cast<int>(keep));
    const std::vector<int> fresh(context.begin() + static_cast<std::ptrdiff_t>(keep), context.end());
    m_logits = m_model.forward(fresh);
    m_computed += static_cast<std::int64_t>(fresh.size());
    m_tokens = context;
  }
  const double top = *std::max_element(m_logits.begin(), m_logits.end());
  std::vector<double> p(m_logits.size());
  double sum = 0;
  for (std::size_t i = 0; i < p.size(); ++i) sum += p[i] = std::exp(static_cast<double>(m_logits[i]) - top);
  for (double& x : p) x /= sum;
  return p;
}

}  // namespace loupe::lm
