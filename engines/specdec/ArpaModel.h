// An n-gram language model in the ARPA text format (the standard of SRILM,
// KenLM and CMU Sphinx): a \data\ header with the count per order, then for
// each order a section of "log10 p  w1 … wn  [log10 back-off]" lines, then
// \end\. Scoring backs off as Katz's scheme does:
//   log10 P(w | h) = log10 p(h w)                      if h w is listed,
//                  = log10 bo(h) + log10 P(w | h[1:])  otherwise
// (a missing back-off weight is 0), with h the last order − 1 words.
// Malformed files are InputErrors naming the file, the line and the fault.
#pragma once

#include <filesystem>
#include <functional>
#include <istream>
#include <string>
#include <unordered_map>
#include <vector>

namespace loupe::specdec {

// Walks an ARPA-layout file (\data\ header with "ngram N=count", then
// "\N-grams:" sections, then \end\), checking the layout and the section
// sizes, and hands every entry line's fields to `entry` with its order and
// "file line N" for errors. Counts per order go to countsOut.
void forEachNgram(
    const std::filesystem::path& file,
    const std::function<void(int order, const std::vector<std::string>& fields, const std::string& where)>& entry,
    std::vector<std::size_t>* countsOut = nullptr);
// The same on an open stream; `file` names it in errors.
void forEachNgram(
    std::istream& in, const std::string& file,
    const std::function<void(int order, const std::vector<std::string>& fields, const std::string& where)>& entry,
    std::vector<std::size_t>* countsOut = nullptr);

class ArpaModel {
 public:
  static ArpaModel load(const std::filesystem::path& file);
  // The same from an open stream (a file's text in memory); `file` names it in errors.
  static ArpaModel read(std::istream& in, const std::string& file);

  int order() const { return m_order; }
  const std::vector<std::string>& vocabulary() const { return m_vocabulary; }  // the 1-grams, file order
  // How many n-grams of each order (index 0: unigrams).
  const std::vector<std::size_t>& counts() const { return m_counts; }

  // log10 P(word | history); the history's last order − 1 words count.
  // A word not in the vocabulary scores as <unk> (or −inf without one).
  double logProb10(const std::vector<std::string>& history, const std::string& word) const;
  // log10 of a sentence with <s> … </s> around it, as SRILM's ppl counts it
  // (the <s> itself is not scored).
  double sentenceLogProb10(const std::vector<std::string>& words) const;

 private:
  struct Entry {
    double logProb = 0, backoff = 0;
  };
  const Entry* find(const std::vector<std::string>& words, std::size_t begin, std::size_t end) const;

  int m_order = 0;
  std::vector<std::size_t> m_counts;
  std::vector<std::string> m_vocabulary;
  std::unordered_map<std::string, Entry> m_entries;  // key: the words joined by spaces
};

}  // namespace loupe::specdec
