// The ARPA reader against the file itself: the test reads the phone trigram
// model's entries with its own few lines of parsing and scores sentences by
// the back-off formula written out for trigrams; malformed files name the
// line and the fault.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "engines/core/Error.h"
#include "engines/specdec/ArpaModel.h"
#include "tests/support/TestHelpers.h"

namespace loupe::specdec {
namespace {

const std::filesystem::path kPhones = testing::phoneTrigramPath();

struct Table {
  std::map<std::string, std::pair<double, double>> e;  // "w1 w2 w3" → (log10 p, log10 bo)
  bool has(const std::string& k) const { return e.count(k) > 0; }
  double p(const std::string& k) const { return e.at(k).first; }
  double bo(const std::string& k) const { return has(k) ? e.at(k).second : 0.0; }
};

Table readByHand() {
  Table t;
  std::ifstream in(kPhones);
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    if (line.rfind("\\", 0) == 0) {
      n = line.find("-grams:") != std::string::npos ? line[1] - '0' : 0;
      continue;
    }
    if (n == 0 || line.empty()) continue;
    std::istringstream f(line);
    double p, bo = 0;
    std::string key, w;
    f >> p;
    for (int i = 0; i < n; ++i) f >> w, key += (i ? " " : "") + w;
    f >> bo;
    t.e[key] = {p, bo};
  }
  return t;
}

TEST(ArpaModel, SentenceLogProbEqualsTheBackOffFormulaOnTheFilesEntries) {
  const ArpaModel m = ArpaModel::load(kPhones);
  EXPECT_EQ(m.order(), 3);
  EXPECT_EQ(m.counts(), (std::vector<std::size_t>{43, 1509, 21837}));
  EXPECT_EQ(m.vocabulary().size(), 43u);
  const Table t = readByHand();
  int backoffs = 0;
  for (const std::string sentence : {"HH AH L OW W ER L D", "S P IY CH R EH K AH G N IH SH AH N", "ZH ZH OY"}) {
    std::vector<std::string> words{"<s>"};
    for (std::istringstream s(sentence); s;) {
      std::string w;
      if (s >> w) words.push_back(w);
    }
    words.push_back("</s>");
    double expect = 0;
    for (std::size_t i = 1; i < words.size(); ++i) {
      const std::string w = words[i], h2 = words[i - 1];
      if (i == 1) {  // after <s> alone: bigram, or back off to the unigram
        expect += t.has(h2 + " " + w) ? t.p(h2 + " " + w) : (++backoffs, t.bo(h2) + t.p(w));
        continue;
      }
      const std::string h1 = words[i - 2];
      const std::string tri = h1 + " " + h2 + " " + w, bi = h2 + " " + w;
      if (t.has(tri)) {
        expect += t.p(tri);
      } else {
        ++backoffs;
        expect += t.bo(h1 + " " + h2) + (t.has(bi) ? t.p(bi) : t.bo(h2) + t.p(w));
      }
    }
    const std::vector<std::string> inner(words.begin() + 1, words.end() - 1);
    EXPECT_NEAR(m.sentenceLogProb10(inner), expect, 1e-9) << sentence;
  }
  EXPECT_GT(backoffs, 0);  // the sentences exercise back-off
}

TEST(ArpaModel, MalformedFilesNameTheLine) {
  testing::TempDir dir;
  const std::string good =
      "\\data\\\nngram 1=2\nngram 2=1\n\n\\1-grams:\n-1.0\ta\t-0.5\n-0.5\tb\n\n\\2-grams:\n-0.3\ta b\n\\end\\\n";
  EXPECT_NO_THROW([&] {
    testing::writeFile(dir / "ok.arpa", good);
    return ArpaModel::load(dir / "ok.arpa");
  }());
  const std::pair<std::string, std::string> cases[] = {
      {"\\data\\\nngram 1=2\n\\1-grams:\n-1.0 a\n\\end\\\n",
       "line 5: the 1-gram section has 1 entries, the header says 2"},
      {"\\data\\\nngram 1=1\n\\1-grams:\nx a\n\\end\\\n", "line 4: the log10 probability 'x' is not a number"},
      {"\\data\\\nngram 1=1\nngram 2=1\n\\1-grams:\n-1 a\n\\2-grams:\n-1 a\n\\end\\\n",
       "line 7: a 2-gram line needs 3 or 4 fields, got 2"},
      {"\\data\\\nngram 1=1\n\\2-grams:\n", "line 3: section \\2-grams: is out of order"},
      {"\\data\\\nngram 1=1\n\\1-grams:\n-1 a\n", "ends without \\end\\"},
      {"\\data\\\nngram one\n", "line 2: expected 'ngram N=count'"},
      {"\\data\\\nngram 1=1\n\\1-grams:\n0.5 a\n\\end\\\n", "line 4: log10 probability 0.5 is above 0"},
  };
  int i = 0;
  for (const auto& [text, fault] : cases) {
    const auto file = dir / ("bad" + std::to_string(i++) + ".arpa");
    testing::writeFile(file, text);
    try {
      (void)ArpaModel::load(file);
      ADD_FAILURE() << fault << ": no error";
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find(file.string()), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(fault), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace loupe::specdec
