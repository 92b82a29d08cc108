// Medusa's tree buffers and typical acceptance against the shared oracles:
// upstream generate_medusa_buffers' output for three published trees and a
// small example, and evaluate_posterior on four cases (greedy and typical).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "engines/specdec/MedusaTree.h"
#include "engines/specdec/TypicalAcceptance.h"

namespace loupe::specdec {
namespace {

nlohmann::json oracle(const char* name) {
  std::ifstream in(std::filesystem::path(LOUPE_SHARED_DATA) / "oracles" / name);
  EXPECT_TRUE(in) << name;
  return nlohmann::json::parse(in);
}

TEST(MedusaTree, BuffersEqualUpstreamForEveryTree) {
  const auto buffers = oracle("medusa_buffers.json").at("buffers");
  const auto published = oracle("medusa_choices.json").at("choices");
  ASSERT_EQ(buffers.size(), 4u);
  for (const auto& [name, b] : buffers.items()) {
    // The small example carries its choices; the published trees' are in medusa_choices.json.
    const Choices choices = b.contains("choices") ? b["choices"].get<Choices>() : published.at(name).get<Choices>();
    const MedusaBuffers ours = medusaBuffers(choices);
    EXPECT_EQ(ours.attentionMask, b.at("medusa_attn_mask").get<std::vector<std::vector<int>>>()) << name;
    EXPECT_EQ(ours.treeIndices, b.at("tree_indices").get<std::vector<int>>()) << name;
    EXPECT_EQ(ours.positionIds, b.at("medusa_position_ids").get<std::vector<int>>()) << name;
    EXPECT_EQ(ours.retrieveIndices, b.at("retrieve_indices").get<std::vector<std::vector<int>>>()) << name;
  }
  // Every published tree builds; mc_sim_7b_63: 64 × 64 mask with 207 ones, 42 paths of 5.
  const auto choices = oracle("medusa_choices.json").at("choices");
  ASSERT_EQ(choices.size(), 9u);
  for (const auto& [name, c] : choices.items()) EXPECT_NO_THROW(medusaBuffers(c.get<Choices>())) << name;
  const MedusaBuffers mc = medusaBuffers(choices.at("mc_sim_7b_63").get<Choices>());
  int ones = 0;
  for (const auto& row : mc.attentionMask)
    for (int v : row) ones += v;
  EXPECT_EQ(mc.attentionMask.size(), 64u);
  EXPECT_EQ(ones, 207);
  EXPECT_EQ(mc.retrieveIndices.size(), 42u);
  EXPECT_EQ(mc.retrieveIndices[0].size(), 5u);
}

TEST(MedusaTree, MalformedTreesNameThePath) {
  auto message = [](const Choices& c) {
    try {
      medusaBuffers(c);
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message({{0}, {0, 1, 2}}).find("[0, 1, 2] lacks its prefix [0, 1]"), std::string::npos);
  EXPECT_NE(message({{0}, {10}}).find("[10] has rank 10"), std::string::npos);
  EXPECT_NE(message({{0}, {0}}).find("[0] appears twice"), std::string::npos);
}

TEST(TypicalAcceptance, EqualsUpstreamOnEveryCase) {
  const auto cases = oracle("medusa_typical_acceptance_cases.json").at("cases");
  ASSERT_EQ(cases.size(), 4u);
  int i = 0;
  for (const auto& c : cases) {
    const Acceptance a =
        evaluatePosterior(c.at("logits").get<std::vector<std::vector<std::vector<double>>>>(),
                          c.at("candidates").get<std::vector<std::vector<int>>>(), c.at("temperature").get<double>(),
                          c.at("posterior_threshold").get<double>(), c.at("posterior_alpha").get<double>());
    EXPECT_EQ(a.bestCandidate, c.at("best_candidate").get<int>()) << "case " << i;
    EXPECT_EQ(a.acceptLength, c.at("accept_length").get<int>()) << "case " << i;
    ++i;
  }
}

}  // namespace
}  // namespace loupe::specdec
