#include "engines/lm/ModelDrafts.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "engines/core/Error.h"
#include "engines/lm/Linear.h"

namespace loupe::lm {

std::vector<double> softmaxOf(const float* logits, int vocab) {
  const double top = *std::max_element(logits, logits + vocab);
  std::vector<double> p(static_cast<std::size_t>(vocab));
  double sum = 0;
  for (int i = 0; i < vocab; ++i)
    sum += p[static_cast<std::size_t>(i)] = std::exp(static_cast<double>(logits[i]) - top);
  for (double& x : p) x /= sum;
  return p;
}

ModelMedusaHeads::ModelMedusaHeads(const LlamaTokenModel& target, const specdec::ResidualHeads& heads)
    : m_target(target), m_heads(heads) {
  const LlamaConfig& c = target.config();
  if (heads.hidden() != c.hidden || heads.vocab() != c.vocab)
    throw InputError("medusa heads", "are for hidden " + std::to_string(heads.hidden()) + ", vocabulary " +
                                         std::to_string(heads.vocab()) + "; the model has " + std::to_string(c.hidden) +
                                         " and " + std::to_string(c.vocab));
}

std::vector<std::vector<double>> ModelMedusaHeads::predict(const std::vector<int>& context) const {
  const std::vector<float> hidden = m_target.hiddenAfter(context);
  std::vector<float> logits(static_cast<std::size_t>(m_heads.vocab()));
  std::vector<std::vector<double>> out;
  for (int k = 0; k < m_heads.count(); ++k) {
    m_heads.forward(k, hidden.data(), 1, logits.data());
    out.push_back(softmaxOf(logits.data(), m_heads.vocab()));
  }
  return out;
}

std::vector<float> embeddingOf(const Checkpoint& checkpoint, int token) {
  std::vector<float> row(static_cast<std::size_t>(checkpoint.config.hidden));
  widenRow(checkpoint.embed, token, row.data());
  return row;
}

namespace {
std::vector<float> widen(const Matrix& m) {
  std::vector<float> wide(static_cast<std::size_t>(m.rows) * m.cols);
  for (int r = 0; r < m.rows; ++r) widenRow(m, r, &wide[static_cast<std::size_t>(r) * m.cols]);
  return wide;
}
}  // namespace

std::vector<float> wideEmbedding(const Checkpoint& checkpoint) {
  return widen(checkpoint.embed);
}

std::vector<float> wideLmHead(const Checkpoint& checkpoint) {
  return widen(checkpoint.lmHead);
}

ModelMtpDraft::ModelMtpDraft(const LlamaTokenModel& target, const specdec::MtpHeads& heads)
    : m_target(target), m_heads(heads) {
  const LlamaConfig& c = target.config();
  if (heads.hidden() != c.hidden || heads.vocab() != c.vocab)
    throw InputError("MTP heads", "are for hidden " + std::to_string(heads.hidden()) + ", vocabulary " +
                                      std::to_string(heads.vocab()) + "; the model has " + std::to_string(c.hidden) +
                                      " and " + std::to_string(c.vocab));
}

void ModelMtpDraft::begin(const std::vector<int>& context) {
  if (context.size() < 2) throw std::invalid_argument("MTP draft: the context needs at least two tokens");
  m_base = context.size();
  m_previous = m_target.hiddenAfter(std::vector<int>(context.begin(), context.end() - 1));
}

std::vector<double> ModelMtpDraft::next(const std::vector<int>& context) const {
  const std::size_t depth = context.size() - m_base;
  if (context.size() < m_base || depth >= static_cast<std::size_t>(m_heads.count()))
    throw std::invalid_argument("MTP draft: next() past the modules' depth, or before begin()");
  const std::vector<float> emb = embeddingOf(m_target.checkpoint(), context.back());
  std::vector<float> z(static_cast<std::size_t>(m_heads.hidden())), logits(static_cast<std::size_t>(m_heads.vocab()));
  m_heads.forward(static_cast<int>(depth), m_previous.data(), emb.data(), 1, z.data(), logits.data());
  m_previous = std::move(z);
  return softmaxOf(logits.data(), m_heads.vocab());
}

}  // namespace loupe::lm
