// Loading what users have, and refusing what we cannot run: every refusal
// names the field or the tensor. The tokenizer against python3-sentencepiece.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "engines/core/Error.h"
#include "engines/lm/Checkpoint.h"
#include "engines/lm/LlamaConfig.h"
#include "engines/lm/Tokenizer.h"
#include "tests/support/TestHelpers.h"

namespace loupe::lm {
namespace {

namespace fs = std::filesystem;

const fs::path kReference = fs::path(LOUPE_TEST_SOURCE_DIR) / "engines" / "lm" / "llama_reference.py";
const fs::path kModels = fs::path(LOUPE_TEST_SOURCE_DIR).parent_path() / "resources" / "models";

const char* kConfig = R"({"model_type": "llama", "hidden_size": 64, "intermediate_size": 96,
  "num_attention_heads": 8, "num_key_value_heads": 2, "num_hidden_layers": 2, "vocab_size": 300,
  "tie_word_embeddings": false, "torch_dtype": "float16"})";

std::string errorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(LlamaConfig, ReadsHuggingFaceNamesWithLlamaConfigsDefaults) {
  const LlamaConfig c = parseLlamaConfig(kConfig, "config.json");
  EXPECT_EQ(c.hidden, 64);
  EXPECT_EQ(c.headDim(), 8);
  EXPECT_EQ(c.kvWidth(), 16);
  EXPECT_EQ(c.rmsEps, 1e-6);
  EXPECT_EQ(c.ropeTheta, 10000.0);
  EXPECT_EQ(c.maxPositions, 2048);
  EXPECT_EQ(c.dtype, DType::F16);
  const LlamaConfig noKv = parseLlamaConfig(R"({"hidden_size": 64, "intermediate_size": 96,
    "num_attention_heads": 4, "num_hidden_layers": 1, "vocab_size": 10})",
                                            "c");
  EXPECT_EQ(noKv.kvHeads, 4);
  EXPECT_FALSE(noKv.tiedEmbeddings);
}

TEST(LlamaConfig, FeaturesWeDoNotImplementAreRefusedByName) {
  auto refused = [](const std::string& key, const std::string& value) {
    nlohmann::json j = nlohmann::json::parse(kConfig);
    j[key] = nlohmann::json::parse(value);
    return errorOf([&] { parseLlamaConfig(j.dump(), "ck/config.json"); });
  };
  EXPECT_NE(refused("rope_scaling", R"({"type": "linear", "factor": 2.0})").find("ck/config.json: rope_scaling: "),
            std::string::npos);
  EXPECT_NE(refused("sliding_window", "4096").find("sliding_window: 4096 asks for sliding-window attention"),
            std::string::npos);
  EXPECT_NE(refused("attention_bias", "true").find("attention_bias: true"), std::string::npos);
  EXPECT_NE(refused("mlp_bias", "true").find("mlp_bias: true"), std::string::npos);
  EXPECT_NE(refused("hidden_act", R"("gelu")").find("hidden_act: \"gelu\""), std::string::npos);
  EXPECT_NE(refused("model_type", R"("mistral")").find("model_type: \"mistral\" is not \"llama\""), std::string::npos);
  EXPECT_NE(refused("quantization_config", R"({"bits": 4})").find("quantization_config"), std::string::npos);
  EXPECT_NE(refused("num_key_value_heads", "3").find("num_key_value_heads: 3 does not divide 8"), std::string::npos);
  EXPECT_NE(refused("num_attention_heads", "7").find("num_attention_heads: 7 does not divide hidden_size 64"),
            std::string::npos);
  EXPECT_NE(refused("hidden_size", "-5").find("hidden_size: -5 is outside"), std::string::npos);
  EXPECT_NE(refused("vocab_size", "2.5").find("vocab_size: must be a whole number"), std::string::npos);
  EXPECT_NE(refused("torch_dtype", R"("int8")").find("torch_dtype: \"int8\""), std::string::npos);
  EXPECT_NE(refused("head_dim", "16").find("head_dim: 16 differs"), std::string::npos);
  EXPECT_NE(errorOf([] {
              parseLlamaConfig(R"({"hidden_size": 64})", "c.json");
            }).find("c.json: intermediate_size: is missing"),
            std::string::npos);
  // Harmless values of the same fields pass.
  nlohmann::json ok = nlohmann::json::parse(kConfig);
  ok["rope_scaling"] = nullptr;
  ok["attention_bias"] = false;
  ok["hidden_act"] = "silu";
  EXPECT_NO_THROW(parseLlamaConfig(ok.dump(), "c"));
}

class CheckpointFolder : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto r = testing::runProcess({LOUPE_PYTHON, kReference.string(), "random", (dir / "m").string(), "--untied"});
    ASSERT_EQ(r.exitCode, 0) << r.err;
  }
  // Rewrites one tensor's header entry (shape or name) in place, keeping the byte layout.
  void editHeader(const std::string& from, const std::string& to) {
    std::string bytes = testing::readFile(dir / "m" / "model.safetensors");
    const auto at = bytes.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    ASSERT_EQ(from.size(), to.size());
    bytes.replace(at, from.size(), to);
    testing::writeFile(dir / "m" / "model.safetensors", bytes);
  }
  testing::TempDir dir;
};

TEST_F(CheckpointFolder, AWrongShapeNamesTheTensorItsShapeAndTheExpectedOne) {
  // up_proj is [96, 64]; "[96, 64]" becomes "[64, 96]" with the same bytes.
  editHeader(R"("model.layers.1.mlp.up_proj.weight": {"dtype": "F16", "shape": [96, 64])",
             R"("model.layers.1.mlp.up_proj.weight": {"dtype": "F16", "shape": [64, 96])");
  const std::string e = errorOf([&] { loadCheckpoint(dir / "m"); });
  EXPECT_NE(e.find("tensor 'model.layers.1.mlp.up_proj.weight': has shape [64, 96], the config asks for [96, 64]"),
            std::string::npos)
      << e;
}

TEST_F(CheckpointFolder, AMissingTensorIsNamed) {
  editHeader("model.layers.0.self_attn.v_proj.weight", "model.layers.0.self_attn.x_proj.weight");
  const std::string e = errorOf([&] { loadCheckpoint(dir / "m"); });
  EXPECT_NE(e.find("tensor 'model.layers.0.self_attn.v_proj.weight': is missing"), std::string::npos) << e;
}

TEST_F(CheckpointFolder, AnUntiedModelWithoutItsHeadIsRefused) {
  editHeader("\"lm_head.weight\"", "\"lm_xxxx.weight\"");
  const std::string e = errorOf([&] { loadCheckpoint(dir / "m"); });
  EXPECT_NE(e.find("'lm_head.weight': is missing, and config.json says tie_word_embeddings is false"),
            std::string::npos)
      << e;
}

TEST_F(CheckpointFolder, AnIntegerWeightIsRefusedByName) {
  editHeader(R"("model.norm.weight": {"dtype": "F16")", R"("model.norm.weight": {"dtype": "I16")");
  EXPECT_NE(errorOf([&] { loadCheckpoint(dir / "m"); }).find("dtype I16 is not supported"), std::string::npos);
}

TEST_F(CheckpointFolder, ABrokenIndexIsRefusedNamingTheEntry) {
  fs::rename(dir / "m" / "model.safetensors", dir / "m" / "part.safetensors");
  nlohmann::json index;
  index["weight_map"]["model.embed_tokens.weight"] = "../part.safetensors";
  testing::writeFile(dir / "m" / "model.safetensors.index.json", index.dump());
  EXPECT_NE(errorOf([&] {
              loadCheckpoint(dir / "m");
            }).find("weight_map.model.embed_tokens.weight: \"../part.safetensors\" is not a file name inside"),
            std::string::npos);
  index["weight_map"]["model.embed_tokens.weight"] = "gone.safetensors";
  testing::writeFile(dir / "m" / "model.safetensors.index.json", index.dump());
  EXPECT_NE(errorOf([&] { loadCheckpoint(dir / "m"); }).find("the shard gone.safetensors is not in"),
            std::string::npos);
  index["weight_map"]["model.embed_tokens.weight"] = "part.safetensors";
  index["weight_map"]["model.extra.weight"] = "part.safetensors";
  testing::writeFile(dir / "m" / "model.safetensors.index.json", index.dump());
  EXPECT_NE(errorOf([&] { loadCheckpoint(dir / "m"); }).find("'model.extra.weight': is not in the shard"),
            std::string::npos);
}

TEST_F(CheckpointFolder, NoWeightsAndNotAFolderAreClearErrors) {
  fs::remove(dir / "m" / "model.safetensors");
  EXPECT_NE(errorOf([&] { loadCheckpoint(dir / "m"); }).find("has neither model.safetensors nor"), std::string::npos);
  EXPECT_NE(errorOf([&] { loadCheckpoint(dir / "m" / "config.json"); }).find("is not a checkpoint folder"),
            std::string::npos);
}

// Our encoder is SentencePiece's library; the ids must still be the ones
// Python's binding gives on the same file — 1,000 held-out lines and
// non-ASCII text (accents, CJK, emoji: byte fallback).
TEST(Tokenizer, IdsEqualPythonSentencepieceOnAThousandLines) {
  const fs::path model = kModels / "loupe-llama-2m" / "tokenizer.model";
  if (!fs::exists(model)) GTEST_SKIP() << model << " is not there";
  std::string text = testing::readFile(kModels / "heldout.txt");
  if (!text.empty() && text.back() == '\n') text.pop_back();
  text +=
      "\ncafé: a small restaurant — naïve façade, Ångström, Øresund\n日本語のテキスト: 東京\nemoji: 🙂🚀 ∑ "
      "√2 "
      "≈ "
      "1.414";
  testing::TempDir dir;
  testing::writeFile(dir / "lines.txt", text);
  const auto r = testing::runProcess({LOUPE_PYTHON, kReference.string(), "tokenize", model.string(),
                                      (dir / "lines.txt").string(), (dir / "ids.json").string()});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  const auto expected = nlohmann::json::parse(testing::readFile(dir / "ids.json"));
  Tokenizer tok(model);
  std::size_t line = 0, start = 0, compared = 0;
  while (start <= text.size()) {
    const std::size_t end = std::min(text.find('\n', start), text.size());
    const std::string s = text.substr(start, end - start);
    const std::vector<int> ids = tok.encode(s);
    ASSERT_EQ(ids, expected.at(line).get<std::vector<int>>()) << "line " << line << ": " << s;
    EXPECT_EQ(tok.decode(ids), s);
    ++line;
    ++compared;
    start = end + 1;
  }
  EXPECT_GE(compared, 1003u);
  EXPECT_EQ(tok.tokenText(tok.encode("happy")[0]).front(), ' ');  // "▁happy" reads " happy"
}

TEST(Tokenizer, NotASentencePieceModelIsAClearError) {
  testing::TempDir dir;
  testing::writeFile(dir / "t.model", "this is not a protobuf");
  EXPECT_NE(errorOf([&] { Tokenizer t(dir / "t.model"); }).find("t.model: is not a SentencePiece model"),
            std::string::npos);
  EXPECT_NE(errorOf([&] { Tokenizer t(dir.path()); }).find("is a directory"), std::string::npos);
}

}  // namespace
}  // namespace loupe::lm
