// The Mamba engine against an independent float64 torch Mamba written in
// the test from the definitions (mamba_reference.py: a sequential scan
// loop, weights read by numpy): logits within 1e-4 on three prompts, for a
// default-shaped random model and one with expand 3, conv kernel 3, Δ rank
// 5 and biases; token-by-token recurrence against the parallel forward for
// 300 tokens, and the carried SSM state against the reference's; every
// refusal by name (missing tensor, wrong shape, unsupported or unknown
// config field).
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "engines/core/Error.h"
#include "engines/lm/MambaModel.h"
#include "engines/lm/Tokenizer.h"
#include "tests/support/TestHelpers.h"

namespace loupe::lm {
namespace {

namespace fs = std::filesystem;

const fs::path kReference = fs::path(LOUPE_TEST_SOURCE_DIR) / "engines" / "lm" / "mamba_reference.py";

void runReference(const std::vector<std::string>& args) {
  std::vector<std::string> argv{LOUPE_PYTHON, kReference.string()};
  argv.insert(argv.end(), args.begin(), args.end());
  const auto r = testing::runProcess(argv);
  ASSERT_EQ(r.exitCode, 0) << r.err;
}

fs::path randomModel(const testing::TempDir& dir, const std::string& name, std::vector<std::string> extra = {}) {
  std::vector<std::string> args{"random", (dir / name).string()};
  args.insert(args.end(), extra.begin(), extra.end());
  runReference(args);
  return dir / name;
}

std::vector<int> randomTokens(int n, int vocab, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> pick(0, vocab - 1);
  std::vector<int> t(static_cast<std::size_t>(n));
  for (int& x : t) x = pick(rng);
  return t;
}

double maxAbsAgainstReference(const fs::path& folder, const std::vector<std::vector<int>>& prompts,
                              const testing::TempDir& dir) {
  testing::writeFile(dir / "prompts.json", nlohmann::json(prompts).dump());
  runReference({"logits", folder.string(), (dir / "prompts.json").string(), (dir / "ref.bin").string()});
  const auto ref = testing::readValues<double>(dir / "ref.bin");
  auto ck = std::shared_ptr<const MambaCheckpoint>(loadMambaCheckpoint(folder));
  double worst = 0;
  std::size_t at = 0;
  for (const auto& ids : prompts) {
    MambaModel model(ck);
    const std::vector<float> ours = model.forward(ids, true);
    for (std::size_t i = 0; i < ours.size(); ++i) worst = std::max(worst, std::abs(ours[i] - ref.at(at + i)));
    at += ours.size();
  }
  EXPECT_EQ(at, ref.size()) << "the reference wrote another number of logits";
  return worst;
}

TEST(MambaModel, LogitsEqualAFloat64TorchMambaWrittenFromTheDefinitions) {
  testing::TempDir dir;
  const fs::path plain = randomModel(dir, "plain", {"--seed", "3"});
  const fs::path odd =
      randomModel(dir, "odd", {"--expand", "3", "--conv", "3", "--rank", "5", "--bias", "--seed", "4"});
  for (const fs::path& folder : {plain, odd}) {
    const std::vector<std::vector<int>> prompts{randomTokens(1, 60, 1), randomTokens(17, 60, 2),
                                                randomTokens(64, 60, 3)};
    const double worst = maxAbsAgainstReference(folder, prompts, dir);
    std::printf("%s: max |ours − float64 torch| = %.3g\n", folder.filename().c_str(), worst);
    EXPECT_LT(worst, 1e-4) << folder;
  }
}

TEST(MambaModel, TheShippedModelEqualsTheFloat64ReferenceOnThreeTexts) {
  const fs::path folder = fs::path(LOUPE_TEST_SOURCE_DIR).parent_path() / "resources" / "models" / "loupe-mamba-2m";
  ASSERT_TRUE(fs::exists(folder / "model.safetensors")) << folder;
  const Tokenizer tok(folder / "tokenizer.model");
  std::vector<std::vector<int>> prompts;
  for (const char* text : {"river: ", "thoughtfully: in a thoughtful manner; \"he stared thoughtfully out the window\"",
                           "march: force to march; \"The Japanese marched their prisoners through Manchuria\""}) {
    std::vector<int> ids{tok.bosId()};
    for (int id : tok.encode(text)) ids.push_back(id);
    prompts.push_back(ids);
  }
  testing::TempDir dir;
  const double worst = maxAbsAgainstReference(folder, prompts, dir);
  std::printf("loupe-mamba-2m: max |ours − float64 torch| = %.3g\n", worst);
  EXPECT_LT(worst, 1e-4);
}

// `ids` through the parallel forward at once, and token by token through
// `recurrent`'s recurrence: the largest logit difference and the logits' size.
struct Divergence {
  double worst = 0, scale = 0;
  std::vector<float> parallel;  // every row's logits
};
Divergence recurrenceAgainstParallel(const std::shared_ptr<const MambaCheckpoint>& ck, const std::vector<int>& ids,
                                     MambaModel& recurrent) {
  Divergence d;
  d.parallel = MambaModel(ck).forward(ids, true);
  const std::size_t V = static_cast<std::size_t>(ck->config.vocab);
  for (std::size_t t = 0; t < ids.size(); ++t) {
    const std::vector<float> one = recurrent.step(ids[t]);
    for (std::size_t v = 0; v < V; ++v) {
      d.worst = std::max(d.worst, static_cast<double>(std::abs(one[v] - d.parallel[t * V + v])));
      d.scale = std::max(d.scale, static_cast<double>(std::abs(d.parallel[t * V + v])));
    }
  }
  return d;
}

TEST(MambaModel, RecurrenceEqualsTheParallelForwardAndTheReferenceStates) {
  testing::TempDir dir;
  const fs::path folder = randomModel(dir, "m", {"--expand", "3", "--conv", "3", "--rank", "5", "--seed", "5"});
  auto ck = std::shared_ptr<const MambaCheckpoint>(loadMambaCheckpoint(folder));
  const std::vector<int> ids = randomTokens(300, 60, 9);
  MambaModel recurrent(ck), mixed(ck);
  const Divergence d = recurrenceAgainstParallel(ck, ids, recurrent);
  const double worst = d.worst, scale = d.scale;
  const std::vector<float>& all = d.parallel;
  const int V = ck->config.vocab;
  std::printf("300 tokens: max |recurrent − parallel| = %.3g (logits up to %.3g)\n", worst, scale);
  EXPECT_LT(worst, 1e-5 * std::max(1.0, scale));
  // A prompt in parallel, then the recurrence from its carried state.
  const std::vector<float> head = mixed.forward(std::vector<int>(ids.begin(), ids.begin() + 120), true);
  const std::vector<float> tail = mixed.forward(std::vector<int>(ids.begin() + 120, ids.end()), true);
  for (std::size_t i = 0; i < tail.size(); ++i) ASSERT_NEAR(tail[i], all[120 * V + i], 1e-5 * std::max(1.0, scale));
  // A traced recurrence steps exactly as the untraced one, and its Δ' and
  // gate are the definitions' (softplus(δ·W_dtᵀ + b), SiLU(z)) in range.
  MambaModel traced(ck);
  std::vector<MambaLayerTrace> trace;
  for (std::size_t t = 0; t < 20; ++t) {
    const std::vector<float> one = traced.step(ids[t], &trace);
    ASSERT_EQ(trace.size(), static_cast<std::size_t>(ck->config.layers));
    for (int v = 0; v < V; ++v) ASSERT_NEAR(one[v], all[t * V + v], 1e-5 * std::max(1.0, scale));
    for (const auto& L : trace) {
      ASSERT_EQ(L.delta.size(), static_cast<std::size_t>(ck->config.inner()));
      ASSERT_EQ(L.B.size(), static_cast<std::size_t>(ck->config.state));
      for (float d : L.delta) ASSERT_GT(d, 0.0f);  // a softplus
    }
  }
  // The state carried after 300 tokens equals the reference's.
  testing::writeFile(dir / "ids.json", nlohmann::json(ids).dump());
  runReference({"states", folder.string(), (dir / "ids.json").string(), "1", (dir / "states.bin").string()});
  const auto states = testing::readValues<double>(dir / "states.bin");
  const std::size_t size = static_cast<std::size_t>(ck->config.inner()) * ck->config.state;
  ASSERT_EQ(states.size(), ids.size() * size);
  double stateWorst = 0;
  for (std::size_t i = 0; i < size; ++i)
    stateWorst = std::max(stateWorst, std::abs(recurrent.ssmState(1)[i] - states[(ids.size() - 1) * size + i]));
  EXPECT_LT(stateWorst, 1e-4);
}

// The Done item's bound taken literally (absolute 1e-5, no scaling by the
// logits' size) on the shipped model over 300 tokens of held-out text.
TEST(MambaModel, TheShippedModelsRecurrenceEqualsItsParallelForwardOver300Tokens) {
  const fs::path root = fs::path(LOUPE_TEST_SOURCE_DIR).parent_path();
  const fs::path folder = root / "resources" / "models" / "loupe-mamba-2m";
  auto ck = std::shared_ptr<const MambaCheckpoint>(loadMambaCheckpoint(folder));
  const Tokenizer tok(folder / "tokenizer.model");
  std::ifstream text(root / "resources" / "models" / "heldout.txt");
  ASSERT_TRUE(text) << "heldout.txt";
  std::vector<int> ids{tok.bosId()};
  for (std::string line; ids.size() < 300 && std::getline(text, line);)
    for (int id : tok.encode(line + "\n")) ids.push_back(id);
  ids.resize(300);
  MambaModel recurrent(ck);
  const Divergence d = recurrenceAgainstParallel(ck, ids, recurrent);
  const double worst = d.worst, scale = d.scale;
  std::printf("loupe-mamba-2m, 300 tokens: max |recurrent − parallel| = %.3g (logits up to %.3g)\n", worst, scale);
  EXPECT_LE(worst, 1e-5);
}

TEST(MambaModel, RefusalsNameTheFieldOrTensor) {
  testing::TempDir dir;
  const fs::path folder = randomModel(dir, "m", {"--seed", "6"});
  auto expectRefusal = [](const fs::path& f, const std::string& needle) {
    try {
      loadMambaCheckpoint(f);
      ADD_FAILURE() << "accepted: " << needle;
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  const std::string config = testing::readFile(folder / "config.json");
  auto withConfig = [&](const std::string& name, const std::function<void(nlohmann::json&)>& edit) {
    const fs::path f = dir / name;
    fs::create_directories(f);
    fs::copy_file(folder / "model.safetensors", f / "model.safetensors");
    nlohmann::json j = nlohmann::json::parse(config);
    edit(j);
    testing::writeFile(f / "config.json", j.dump());
    return f;
  };
  expectRefusal(withConfig("gelu", [](nlohmann::json& j) { j["hidden_act"] = "gelu"; }), "hidden_act");
  expectRefusal(withConfig("unknown", [](nlohmann::json& j) { j["mamba_version"] = 2; }), "mamba_version");
  expectRefusal(withConfig("type", [](nlohmann::json& j) { j["model_type"] = "mamba2"; }), "model_type");
  // Sizes each within bounds whose products are not: refused before any allocation.
  expectRefusal(withConfig("wide", [](nlohmann::json& j) { j["expand"] = 1 << 20; }), "expand · hidden_size");
  expectRefusal(withConfig("huge",
                           [](nlohmann::json& j) {
                             j["hidden_size"] = j["vocab_size"] = j["num_hidden_layers"] = j["state_size"] = 1 << 20;
                             j["expand"] = 1;
                             j.erase("intermediate_size");
                           }),
                "parameters");
  // A wrong shape: the config's state size no longer matches A_log.
  expectRefusal(withConfig("shape", [](nlohmann::json& j) { j["state_size"] = 4; }), "mixer.x_proj.weight");
  // A missing tensor: a model with one layer more than the file holds.
  expectRefusal(withConfig("missing", [](nlohmann::json& j) { j["num_hidden_layers"] = 3; }),
                "backbone.layers.2.norm.weight");
  EXPECT_THROW(MambaModel(std::shared_ptr<const MambaCheckpoint>(loadMambaCheckpoint(folder))).step(60), InputError);
}

}  // namespace
}  // namespace loupe::lm
