// The Witten–Bell bigram built from onboard's real English counts: its
// probabilities for chosen word pairs equal the formula computed here from
// the file's counts (read by the test's own parser), every distribution sums
// to 1, and greedy speculative decoding with the unigram draft equals greedy
// decoding with the bigram.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <numeric>
#include <sstream>

#include "engines/core/Error.h"
#include "engines/specdec/CountModel.h"
#include "tests/support/TestHelpers.h"

namespace loupe::specdec {
namespace {

const std::filesystem::path kWords = std::filesystem::path(LOUPE_SHARED_DATA) / "ngram_lm" / "onboard_en_US.lm";

TEST(CountModel, WittenBellEqualsTheFormulaOnTheFilesCounts) {
  const CountModel bigram = CountModel::load(kWords, 2), unigram = CountModel::load(kWords, 1);
  EXPECT_EQ(bigram.vocabularySize(), 42635);
  // The counts, read here line by line.
  std::map<std::string, double> uni;
  std::map<std::string, std::map<std::string, double>> bi;
  std::ifstream in(kWords);
  std::string line;
  int section = 0;
  while (std::getline(in, line)) {
    if (line.rfind("\\1-grams:", 0) == 0)
      section = 1;
    else if (line.rfind("\\2-grams:", 0) == 0)
      section = 2;
    else if (line.rfind("\\", 0) == 0)
      section = 0;
    else if (section && !line.empty()) {
      std::istringstream f(line);
      double c;
      std::string a, b;
      f >> c >> a;
      if (section == 1)
        uni[a] = c;
      else
        f >> b, bi[a][b] = c;
    }
  }
  double total = 0;
  for (const auto& [w, c] : uni) total += c;
  // The context with the most distinct followers, a follower of it, and a word never after it.
  std::string h;
  for (const auto& [w, f] : bi)
    if (h.empty() || f.size() > bi[h].size()) h = w;
  const std::string seen = bi[h].begin()->first;
  std::string unseen = "AA";
  ASSERT_FALSE(bi[h].count(unseen));
  const double ch =
      std::accumulate(bi[h].begin(), bi[h].end(), 0.0, [](double s, const auto& kv) { return s + kv.second; });
  const double T = static_cast<double>(bi[h].size());
  const std::vector<double> p = bigram.next({bigram.id(h)});
  EXPECT_NEAR(p[static_cast<std::size_t>(bigram.id(seen))], (bi[h][seen] + T * uni[seen] / total) / (ch + T), 1e-15);
  EXPECT_NEAR(p[static_cast<std::size_t>(bigram.id(unseen))], T * uni[unseen] / total / (ch + T), 1e-15);
  EXPECT_NEAR(std::accumulate(p.begin(), p.end(), 0.0), 1.0, 1e-9);
  const std::vector<double> u = unigram.next({bigram.id(h)});
  EXPECT_NEAR(u[static_cast<std::size_t>(bigram.id(seen))], uni[seen] / total, 1e-15);
  EXPECT_NEAR(std::accumulate(u.begin(), u.end(), 0.0), 1.0, 1e-9);

  // Greedy speculative decoding (unigram draft) equals greedy bigram decoding.
  const std::vector<int> start{bigram.id(h)};
  EXPECT_EQ(speculativeGreedy(bigram, unigram, start, 12, 3), greedyDecode(bigram, start, 12));
}

TEST(CountModel, MalformedCountsNameTheLine) {
  testing::TempDir dir;
  testing::writeFile(dir / "bad.lm",
                     "\\data\\\nngram 1=2\nngram 2=1\n\\1-grams:\n3 a\n-1 b\n\\2-grams:\n1 a b\n\\end\\\n");
  try {
    (void)CountModel::load(dir / "bad.lm", 2);
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("line 6: count '-1' is not a non-negative whole number"), std::string::npos)
        << e.what();
  }
  testing::writeFile(dir / "unknown.lm",
                     "\\data\\\nngram 1=1\nngram 2=1\n\\1-grams:\n3 a\n\\2-grams:\n1 a z\n\\end\\\n");
  try {
    (void)CountModel::load(dir / "unknown.lm", 2);
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("line 7: the bigram 'a z' uses a word that is no unigram"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace loupe::specdec
