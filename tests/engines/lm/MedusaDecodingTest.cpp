// Medusa on the shipped transformer: greedy acceptance must emit exactly
// the tokens plain greedy decoding emits, for every tree and whatever the
// heads guess — 200 tokens on 5 prompts, three trees — in fewer model calls
// whenever a guess is accepted.
#include <gtest/gtest.h>

#include <filesystem>

#include "engines/core/Error.h"
#include "engines/lm/MedusaDecoding.h"
#include "engines/lm/Tokenizer.h"
#include "engines/specdec/MedusaTree.h"

namespace loupe::lm {
namespace {

namespace fs = std::filesystem;

const fs::path kModel = fs::path(LOUPE_TEST_SOURCE_DIR).parent_path() / "resources" / "models" / "loupe-llama-2m";

TEST(MedusaDecoding, GreedyMedusaEmitsPlainGreedyTokensForEveryTree) {
  auto ck = std::shared_ptr<const Checkpoint>(loadCheckpoint(kModel));
  Tokenizer tok(kModel / "tokenizer.model");
  // Untrained heads (Medusa's initialisation: each one the LM head) guess the
  // next token where they should guess later ones: few guesses are right,
  // which is the hard case for the bookkeeping.
  const specdec::ResidualHeads heads = headsFromLmHead(*ck, 5);
  const std::vector<specdec::Choices> trees{
      specdec::namedChoices(fs::path(LOUPE_SHARED_DATA) / "oracles" / "medusa_choices.json", "mc_sim_7b_63"),
      specdec::chainChoices(4), specdec::Choices{{0}, {1}, {2}, {0, 0}, {0, 1}, {1, 0}, {0, 0, 0}}};
  LlamaModel model(ck, 512);
  int accepted = 0;
  for (const char* text : {"river: ", "cat: ", "happy: ", "telescope: an optical", "run: "}) {
    std::vector<int> prompt{tok.bosId()};
    for (int id : tok.encode(text)) prompt.push_back(id);
    const LmDecodeRun plain = plainGreedy(model, prompt, 200);
    ASSERT_EQ(plain.tokens.size(), 200u);
    EXPECT_EQ(plain.modelCalls, 199);
    for (std::size_t t = 0; t < trees.size(); ++t) {
      const specdec::MedusaBuffers buffers = specdec::medusaBuffers(trees[t]);
      const LmDecodeRun medusa = medusaGreedy(model, heads, buffers, prompt, 200);
      ASSERT_EQ(medusa.tokens, plain.tokens) << "prompt \"" << text << "\", tree " << t;
      EXPECT_LE(medusa.modelCalls, 200);
      for (const LmStep& s : medusa.steps) {
        ASSERT_FALSE(s.acceptedNodes.empty());
        EXPECT_EQ(s.acceptedNodes[0], 0);
        for (std::size_t i = 1; i < s.acceptedNodes.size(); ++i)
          EXPECT_EQ(buffers.parents[static_cast<std::size_t>(s.acceptedNodes[i])], s.acceptedNodes[i - 1]);
        accepted += static_cast<int>(s.acceptedNodes.size()) - 1;
      }
    }
  }
  std::printf("untrained heads: %d drafts accepted over 15 runs of 200 tokens\n", accepted);
}

TEST(MedusaDecoding, HeadsThatDoNotFitTheModelOrTheTreeAreRefused) {
  auto ck = std::shared_ptr<const Checkpoint>(loadCheckpoint(kModel));
  LlamaModel model(ck, 128);
  const specdec::MedusaBuffers deep = specdec::medusaBuffers(specdec::chainChoices(4));
  EXPECT_THROW(medusaGreedy(model, headsFromLmHead(*ck, 2), deep, {1, 5}, 10), InputError);
  const specdec::ResidualHeads wrong(4, 8, ck->config.vocab,
                                     std::vector<float>(static_cast<std::size_t>(ck->config.vocab) * 8));
  EXPECT_THROW(medusaGreedy(model, wrong, deep, {1, 5}, 10), InputError);
}

}  // namespace
}  // namespace loupe::lm
