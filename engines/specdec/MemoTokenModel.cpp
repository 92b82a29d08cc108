#include "engines/specdec/MemoTokenModel.h"

namespace loupe::specdec {

std::vector<double> MemoTokenModel::next(const std::vector<int>& context) const {
  auto it = m_seen.find(context);
  if (it == m_seen.end()) it = m_seen.emplace(context, m_model.next(context)).first;
  return it->second;
}

std::vector<std::vector<double>> MemoTokenModel::nextBatch(const std::vector<std::vector<int>>& contexts) const {
  // The unseen ones in one call to the model: from the first unseen context
  // on (a chain's later contexts extend it, so the model sees a chain too).
  std::size_t first = 0;
  while (first < contexts.size() && m_seen.count(contexts[first])) ++first;
  if (first < contexts.size()) {
    const std::vector<std::vector<int>> fresh(contexts.begin() + static_cast<std::ptrdiff_t>(first), contexts.end());
    std::vector<std::vector<double>> out = m_model.nextBatch(fresh);
    for (std::size_t i = 0; i < fresh.size(); ++i) m_seen.emplace(fresh[i], std::move(out[i]));
  }
  std::vector<std::vector<double>> out;
  out.reserve(contexts.size());
  for (const auto& c : contexts) out.push_back(m_seen.at(c));
  return out;
}

}  // namespace loupe::specdec
