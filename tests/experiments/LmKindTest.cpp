// lm.generate through the runner and the store, on the shipped model: with
// temperature 0 the recorded tokens, probabilities and entropies are those
// of greedy decoding by the float64 torch reference (llama_reference.py);
// sampled runs are reproducible from the seed; bad models and sizes fail
// naming the parameter and record nothing.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "engines/lm/Tokenizer.h"
#include "experiments/KindRegistry.h"
#include "experiments/kinds/LmKinds.h"
#include "experiments/kinds/LmRecords.h"
#include "tests/support/RecordRun.h"
#include "tests/support/TestHelpers.h"

namespace loupe {
namespace {

namespace fs = std::filesystem;
namespace rec = loupe::lm_records;

const fs::path kReference = fs::path(LOUPE_TEST_SOURCE_DIR) / "engines" / "lm" / "llama_reference.py";

TEST(LmKind, GreedyGenerationRecordsWhatFloat64TorchComputes) {
  const fs::path model = shippedModelsDir() / "loupe-llama-2m";
  ASSERT_TRUE(fs::exists(model / "model.safetensors")) << model;
  KindRegistry kinds;
  registerBuiltinKinds(kinds);
  testing::TempDir dir;
  Store store(dir / "lm.sqlite");
  const auto run = testing::recordRun(store, kinds, R"({"kind": "lm.generate", "params": {"prompt": "river: ",
      "max_tokens": 24, "temperature": 0, "stop_at_eos": false}})");
  ASSERT_EQ(run.status, RunStatus::Finished) << run.error;
  ASSERT_EQ(store.getRun(run.run).stepCount, 25);
  const StepRecord first = store.readStep(run.run, 0);
  const auto prompt = first.values<std::int64_t>(rec::kPromptTokens);
  lm::Tokenizer tok(model / "tokenizer.model");
  std::vector<std::int64_t> expectedPrompt{tok.bosId()};
  for (int id : tok.encode("river: ")) expectedPrompt.push_back(id);
  EXPECT_EQ(prompt, expectedPrompt);

  testing::writeFile(dir / "prompt.json", nlohmann::json(prompt).dump());
  const auto r = testing::runProcess({LOUPE_PYTHON, kReference.string(), "greedy", model.string(),
                                      (dir / "prompt.json").string(), "24", (dir / "greedy.json").string()});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  const auto ref = nlohmann::json::parse(testing::readFile(dir / "greedy.json"));
  std::string text;
  for (int t = 1; t <= 24; ++t) {
    const StepRecord s = store.readStep(run.run, t);
    EXPECT_EQ(*s.findMetric(rec::kToken), ref["tokens"][t - 1].get<int>()) << "token " << t;
    EXPECT_NEAR(*s.findMetric(rec::kProbability), ref["probabilities"][t - 1].get<double>(), 1e-5) << t;
    EXPECT_NEAR(*s.findMetric(rec::kEntropy), ref["entropies"][t - 1].get<double>(), 1e-4) << t;
    EXPECT_EQ(s.values<std::int64_t>(rec::kTopTokens).front(), ref["tokens"][t - 1].get<int>());
    text += s.text(rec::kTokenText);
  }
  const StepRecord last = store.readStep(run.run, 24);
  EXPECT_EQ(*last.findMetric(rec::kGeneratedTokens), 24);
  std::vector<int> ids;
  for (const auto& t : ref["tokens"]) ids.push_back(t.get<int>());
  EXPECT_EQ(last.text(rec::kGeneratedText), tok.decode(ids));
  EXPECT_GT(*last.findMetric(rec::kDecodeTokensPerS), 0);
  std::printf("greedy continuation of \"river: \": %s\n", last.text(rec::kGeneratedText).c_str());
}

TEST(LmKind, SampledRunsRepeatFromTheirSeed) {
  KindRegistry kinds;
  registerBuiltinKinds(kinds);
  testing::TempDir dir;
  Store store(dir / "lm.sqlite");
  const std::string recipe = R"({"kind": "lm.generate", "seed": 5, "params": {"prompt": "cat: ", "max_tokens": 16,
      "temperature": 1.0, "top_k": 0, "top_p": 0.9, "stop_at_eos": false}})";
  const auto a = testing::recordRun(store, kinds, recipe), b = testing::recordRun(store, kinds, recipe);
  ASSERT_EQ(a.status, RunStatus::Finished) << a.error;
  EXPECT_EQ(store.readStep(a.run, 16).text(rec::kGeneratedText), store.readStep(b.run, 16).text(rec::kGeneratedText));
}

TEST(LmKind, BadModelsAndSizesNameTheParameter) {
  KindRegistry kinds;
  registerBuiltinKinds(kinds);
  testing::TempDir dir;
  Store store(dir / "lm.sqlite");
  auto failed = [&](const std::string& params) {
    const auto r = testing::recordRun(store, kinds, R"({"kind": "lm.generate", "params": )" + params + "}");
    EXPECT_EQ(r.status, RunStatus::Failed);
    EXPECT_EQ(store.getRun(r.run).stepCount, 0);
    return r.error;
  };
  EXPECT_NE(failed(R"({"model": "/nonexistent/model"})").find("params.model: \"/nonexistent/model\" is neither"),
            std::string::npos);
  fs::create_directories(dir / "empty");
  EXPECT_NE(failed(R"({"model": ")" + (dir / "empty").string() + R"("})").find("config.json"), std::string::npos);
  EXPECT_NE(failed(R"({"max_tokens": 4000})").find("params.max_tokens: the prompt's"), std::string::npos);
}

}  // namespace
}  // namespace loupe

namespace loupe {
namespace {

// Perplexity on the shipped held-out lines, as the model card states it,
// against the float64 torch reference on the same 150 lines.
TEST(LmKind, PerplexityEqualsFloat64TorchOnHeldOutLines) {
  KindRegistry kinds;
  registerBuiltinKinds(kinds);
  testing::TempDir dir;
  Store store(dir / "lm.sqlite");
  const auto run = testing::recordRun(store, kinds, R"({"kind": "lm.perplexity", "params": {"max_lines": 150}})");
  ASSERT_EQ(run.status, RunStatus::Finished) << run.error;
  const auto steps = store.getRun(run.run).stepCount;
  ASSERT_EQ(steps, 3);  // lines 50, 100, 150
  const StepRecord last = store.readStep(run.run, steps - 1);
  EXPECT_EQ(last.values<double>(rec::kLineNll).size(), 150u);
  const auto r = testing::runProcess({LOUPE_PYTHON, kReference.string(), "perplexity",
                                      (shippedModelsDir() / "loupe-llama-2m").string(),
                                      (shippedModelsDir() / "heldout.txt").string(), "150"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  const auto ref = nlohmann::json::parse(r.out);
  EXPECT_EQ(*last.findMetric(rec::kTokensScored), ref["tokens"].get<double>());
  EXPECT_NEAR(*last.findMetric(rec::kPerplexity), ref["perplexity"].get<double>(),
              1e-4 * ref["perplexity"].get<double>());
  std::printf("held-out perplexity, first 150 lines: ours %.4f, torch float64 %.4f\n",
              *last.findMetric(rec::kPerplexity), ref["perplexity"].get<double>());
  const auto bad =
      testing::recordRun(store, kinds, R"({"kind": "lm.perplexity", "params": {"text_file": "/nonexistent.txt"}})");
  EXPECT_NE(bad.error.find("params.text_file: /nonexistent.txt"), std::string::npos) << bad.error;
}

// The same kind on the shipped Mamba (MambaModel, the parallel scan)
// against the float64 torch Mamba with its sequential loop, 60 lines.
TEST(LmKind, MambaPerplexityEqualsTheFloat64LoopOnHeldOutLines) {
  KindRegistry kinds;
  registerBuiltinKinds(kinds);
  testing::TempDir dir;
  Store store(dir / "lm.sqlite");
  const auto run = testing::recordRun(
      store, kinds, R"({"kind": "lm.perplexity", "params": {"model": "loupe-mamba-2m", "max_lines": 60}})");
  ASSERT_EQ(run.status, RunStatus::Finished) << run.error;
  const StepRecord last = store.readStep(run.run, store.getRun(run.run).stepCount - 1);
  const auto r = testing::runProcess(
      {LOUPE_PYTHON, (std::filesystem::path(LOUPE_TEST_SOURCE_DIR) / "engines" / "lm" / "mamba_reference.py").string(),
       "perplexity", (shippedModelsDir() / "loupe-mamba-2m").string(), (shippedModelsDir() / "heldout.txt").string(),
       "60"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  const auto ref = nlohmann::json::parse(r.out);
  EXPECT_EQ(*last.findMetric(rec::kTokensScored), ref["tokens"].get<double>());
  EXPECT_NEAR(*last.findMetric(rec::kPerplexity), ref["perplexity"].get<double>(),
              1e-4 * ref["perplexity"].get<double>());
  std::printf("loupe-mamba-2m held-out perplexity, first 60 lines: ours %.4f, torch float64 loop %.4f\n",
              *last.findMetric(rec::kPerplexity), ref["perplexity"].get<double>());
}

}  // namespace
}  // namespace loupe
