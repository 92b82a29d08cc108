#include "engines/specdec/MarkovCache.h"

#include <stdexcept>
#include <string>

namespace loupe::specdec {

MarkovCache::MarkovCache(const TokenModel& model, int order) : m_model(model), m_order(order) {
  if (order < 1 || order > 4)
    throw std::invalid_argument("MarkovCache: order " + std::to_string(order) + " not in 1…4");
  if (model.vocabularySize() >= (1 << 16)) throw std::invalid_argument("MarkovCache: vocabulary over 65535 tokens");
}

std::uint64_t MarkovCache::key(const std::vector<int>& context) const {
  const std::size_t keep = std::min<std::size_t>(context.size(), static_cast<std::size_t>(m_order - 1));
  std::uint64_t k = keep;
  for (std::size_t i = context.size() - keep; i < context.size(); ++i)
    k = k << 16 | static_cast<std::uint64_t>(context[i]);
  return k << 2 | keep;  // the count again in the low bits: histories of different lengths never collide
}

const std::vector<double>& MarkovCache::distribution(const std::vector<int>& context) const {
  const std::uint64_t k = key(context);
  auto it = m_cache.find(k);
  if (it != m_cache.end()) return it->second;
  const std::size_t keep = std::min<std::size_t>(context.size(), static_cast<std::size_t>(m_order - 1));
  const std::vector<int> history(context.end() - static_cast<std::ptrdiff_t>(keep), context.end());
  return m_cache.emplace(k, m_model.next(history)).first->second;
}

}  // namespace loupe::specdec
