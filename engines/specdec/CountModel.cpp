#include "engines/specdec/CountModel.h"

#include <cmath>

#include "engines/core/Error.h"
#include "engines/specdec/ArpaModel.h"

namespace loupe::specdec {

namespace {

double count(const std::string& text, const std::string& where) {
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (end == text.c_str() || *end != '\0' || !(v >= 0) || v != std::floor(v))
    throw InputError(where, "count '" + text + "' is not a non-negative whole number");
  return v;
}

}  // namespace

CountModel CountModel::load(const std::filesystem::path& file, int order) {
  if (order != 1 && order != 2) throw std::invalid_argument("count model: order must be 1 or 2");
  CountModel m;
  m.m_order = order;
  std::vector<std::tuple<std::string, std::string, double, std::string>> bigrams;  // kept until every word is known
  forEachNgram(file, [&](int section, const std::vector<std::string>& f, const std::string& where) {
    if (f.size() != static_cast<std::size_t>(section) + 1)
      throw InputError(where, "a " + std::to_string(section) + "-gram count line needs " + std::to_string(section + 1) +
                                  " fields, got " + std::to_string(f.size()));
    const double c = count(f[0], where);
    if (section == 1) {
      if (!m.m_ids.emplace(f[1], static_cast<int>(m.m_words.size())).second)
        throw InputError(where, "the word '" + f[1] + "' appears twice");
      m.m_words.push_back(f[1]);
      m.m_unigram.push_back(c);
    } else if (section == 2) {
      bigrams.emplace_back(f[1], f[2], c, where);
    }
  });
  double total = 0;
  for (double c : m.m_unigram) total += c;
  if (!(total > 0)) throw InputError(file.string(), "the unigram counts sum to 0");
  for (double& p : m.m_unigram) p /= total;
  m.m_followers.resize(m.m_words.size());
  m.m_contextCount.assign(m.m_words.size(), 0.0);
  for (const auto& [h, w, c, where] : bigrams) {
    const int hi = m.id(h), wi = m.id(w);
    if (hi < 0 || wi < 0) throw InputError(where, "the bigram '" + h + " " + w + "' uses a word that is no unigram");
    m.m_followers[static_cast<std::size_t>(hi)].emplace_back(wi, c);
    m.m_contextCount[static_cast<std::size_t>(hi)] += c;
  }
  return m;
}

int CountModel::id(const std::string& word) const {
  const auto it = m_ids.find(word);
  return it == m_ids.end() ? -1 : it->second;
}

std::vector<double> CountModel::next(const std::vector<int>& context) const {
  if (m_order == 1 || context.empty()) return m_unigram;
  const auto h = static_cast<std::size_t>(context.back());
  const auto& followers = m_followers[h];
  const double ch = m_contextCount[h], types = static_cast<double>(followers.size());
  if (followers.empty() || ch == 0) return m_unigram;
  std::vector<double> p(m_unigram.size());
  for (std::size_t w = 0; w < p.size(); ++w) p[w] = types * m_unigram[w] / (ch + types);
  for (const auto& [w, c] : followers) p[static_cast<std::size_t>(w)] += c / (ch + types);
  return p;
}

}  // namespace loupe::specdec
