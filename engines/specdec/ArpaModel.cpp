#include "engines/specdec/ArpaModel.h"

#include <cmath>
#include <fstream>
#include <functional>
#include <limits>
#include <sstream>

#include "engines/core/Error.h"
#include "engines/core/InputFile.h"

namespace loupe::specdec {

namespace {

std::string join(const std::vector<std::string>& words, std::size_t begin, std::size_t end) {
  std::string key;
  for (std::size_t i = begin; i < end; ++i) {
    if (i > begin) key += ' ';
    key += words[i];
  }
  return key;
}

double number(const std::string& text, const std::string& where, const std::string& what) {
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (end == text.c_str() || *end != '\0') throw InputError(where, what + " '" + text + "' is not a number");
  return v;
}

// An order or a count: a whole number from 0 to 10^15. The double from
// number() was cast to int / size_t, undefined for "1e300", "-1" or "nan"
// (UBSan, a fuzzed "ngram 1=1e300").
std::size_t whole(const std::string& text, const std::string& where, const std::string& what) {
  const double v = number(text, where, what);
  if (!(v >= 0 && v <= 1e15) || v != std::floor(v))
    throw InputError(where, what + " '" + text + "' is not a whole number from 0 to 10^15");
  return static_cast<std::size_t>(v);
}

}  // namespace

void forEachNgram(
    const std::filesystem::path& path,
    const std::function<void(int order, const std::vector<std::string>& fields, const std::string& where)>& entry,
    std::vector<std::size_t>* countsOut) {
  std::ifstream in = openInputFile(path);
  forEachNgram(in, path.string(), entry, countsOut);
}

void forEachNgram(
    std::istream& in, const std::string& file,
    const std::function<void(int order, const std::vector<std::string>& fields, const std::string& where)>& entry,
    std::vector<std::size_t>* countsOut) {
  std::vector<std::size_t> counts;
  std::string line;
  int lineNo = 0;
  auto where = [&] { return file + " line " + std::to_string(lineNo); };
  enum class Part { Before, Data, Grams, End } part = Part::Before;
  int section = 0;            // the order of the section being read
  std::size_t inSection = 0;  // lines read in it
  auto closeSection = [&] {
    if (section && inSection != counts[static_cast<std::size_t>(section - 1)])
      throw InputError(where(), "the " + std::to_string(section) + "-gram section has " + std::to_string(inSection) +
                                    " entries, the header says " +
                                    std::to_string(counts[static_cast<std::size_t>(section - 1)]));
  };
  while (std::getline(in, line)) {
    ++lineNo;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    if (line == "\\data\\") {
      if (part != Part::Before) throw InputError(where(), "a second \\data\\ header");
      part = Part::Data;
      continue;
    }
    if (line == "\\end\\") {
      if (part != Part::Grams) throw InputError(where(), "\\end\\ before any n-gram section");
      closeSection();
      part = Part::End;
      break;
    }
    if (line.size() > 8 && line[0] == '\\' && line.substr(line.size() - 7) == "-grams:") {
      if (part != Part::Data && part != Part::Grams) throw InputError(where(), "an n-gram section before \\data\\");
      closeSection();
      const std::size_t order = whole(line.substr(1, line.size() - 8), where(), "the section order");
      const int n = order > counts.size() ? -1 : static_cast<int>(order);
      if (n != section + 1 || n > static_cast<int>(counts.size()))
        throw InputError(where(), "section \\" + std::to_string(order) + "-grams: is out of order (expected " +
                                      std::to_string(section + 1) + " of " + std::to_string(counts.size()) + ")");
      section = n, inSection = 0, part = Part::Grams;
      continue;
    }
    if (part == Part::Before) continue;  // free text before \data\ (a comment, as SRILM allows)
    if (part == Part::Data) {
      // "ngram N=count"
      const auto eq = line.find('=');
      if (line.rfind("ngram ", 0) != 0 || eq == std::string::npos)
        throw InputError(where(), "expected 'ngram N=count' in the \\data\\ header, got '" + line + "'");
      const std::size_t n = whole(line.substr(6, eq - 6), where(), "the order");
      if (n != counts.size() + 1)
        throw InputError(where(), "the header's orders must run 1, 2, …; got " + std::to_string(n));
      counts.push_back(whole(line.substr(eq + 1), where(), "the count"));
      continue;
    }
    std::istringstream fields(line);
    std::vector<std::string> f;
    for (std::string w; fields >> w;) f.push_back(w);
    entry(section, f, where());
    ++inSection;
  }
  if (part != Part::End) throw InputError(file, "ends without \\end\\ (" + std::to_string(lineNo) + " lines read)");
  if (counts.empty()) throw InputError(file, "has no n-grams");
  if (countsOut) *countsOut = counts;
}

ArpaModel ArpaModel::load(const std::filesystem::path& path) {
  std::ifstream in = openInputFile(path);
  return read(in, path.string());
}

ArpaModel ArpaModel::read(std::istream& in, const std::string& file) {
  ArpaModel m;
  forEachNgram(
      in, file,
      [&](int section, const std::vector<std::string>& f, const std::string& where) {
        // "log10 p  w1 … wn  [log10 back-off]"
        const std::size_t n = static_cast<std::size_t>(section);
        if (f.size() != n + 1 && f.size() != n + 2)
          throw InputError(where, "a " + std::to_string(n) + "-gram line needs " + std::to_string(n + 1) + " or " +
                                      std::to_string(n + 2) + " fields, got " + std::to_string(f.size()));
        Entry e;
        e.logProb = number(f[0], where, "the log10 probability");
        if (f.size() == n + 2) e.backoff = number(f[n + 1], where, "the back-off weight");
        if (e.logProb > 0) throw InputError(where, "log10 probability " + f[0] + " is above 0");
        if (section == 1) m.m_vocabulary.push_back(f[1]);
        if (!m.m_entries.emplace(join(f, 1, n + 1), e).second)
          throw InputError(where, "the n-gram '" + join(f, 1, n + 1) + "' appears twice");
      },
      &m.m_counts);
  m.m_order = static_cast<int>(m.m_counts.size());
  return m;
}

const ArpaModel::Entry* ArpaModel::find(const std::vector<std::string>& words, std::size_t begin,
                                        std::size_t end) const {
  const auto it = m_entries.find(join(words, begin, end));
  return it == m_entries.end() ? nullptr : &it->second;
}

double ArpaModel::logProb10(const std::vector<std::string>& history, const std::string& word) const {
  // Context: the last order − 1 words; unknown words become <unk>.
  std::vector<std::string> words;
  const std::size_t keep = std::min(history.size(), static_cast<std::size_t>(m_order - 1));
  words.assign(history.end() - static_cast<std::ptrdiff_t>(keep), history.end());
  words.push_back(word);
  for (auto& w : words)
    if (!m_entries.count(w)) w = m_entries.count("<unk>") ? "<unk>" : m_entries.count("<UNK>") ? "<UNK>" : w;
  double backoff = 0;
  for (std::size_t begin = 0; begin < words.size(); ++begin) {
    if (const Entry* e = find(words, begin, words.size())) return backoff + e->logProb;
    // Not listed: back off from the context words[begin, end − 1).
    if (const Entry* h = find(words, begin, words.size() - 1)) backoff += h->backoff;
  }
  return -std::numeric_limits<double>::infinity();
}

double ArpaModel::sentenceLogProb10(const std::vector<std::string>& words) const {
  std::vector<std::string> history{"<s>"};
  double total = 0;
  for (const auto& w : words) {
    total += logProb10(history, w);
    history.push_back(w);
  }
  return total + logProb10(history, "</s>");
}

}  // namespace loupe::specdec
