#include "experiments/kinds/ModelPrompt.h"

#include "engines/core/Error.h"
#include "experiments/kinds/LmKinds.h"

namespace loupe {

LoadedModel loadModel(const std::string& value) {
  const auto folder = modelFolder(value, "params.model");
  LoadedModel m;
  m.checkpoint = lm::loadCheckpoint(folder);
  if (m.checkpoint->tokenizer.empty())
    throw InputError("params.model", folder.string() + " has no tokenizer.model to read text with");
  m.tokenizer = std::make_unique<lm::Tokenizer>(m.checkpoint->tokenizer);
  if (m.tokenizer->vocabularySize() > m.checkpoint->config.vocab)
    throw InputError("params.model",
                     m.checkpoint->tokenizer.string() + " has " + std::to_string(m.tokenizer->vocabularySize()) +
                         " pieces, more than the model's vocab_size " + std::to_string(m.checkpoint->config.vocab));
  return m;
}

int LoadedModel::bos() const {
  return tokenizer->bosId() >= 0 ? tokenizer->bosId() : checkpoint->config.bosId;
}
int LoadedModel::eos() const {
  return tokenizer->eosId() >= 0 ? tokenizer->eosId() : checkpoint->config.eosId;
}

std::vector<int> LoadedModel::promptIds(const std::string& prompt, const std::string& field) const {
  std::vector<int> ids{bos()};
  for (int id : tokenizer->encode(prompt)) ids.push_back(id);
  if (static_cast<int>(ids.size()) > checkpoint->config.maxPositions)
    throw InputError(field, std::to_string(ids.size()) + " tokens exceed the model's " +
                                std::to_string(checkpoint->config.maxPositions) + " positions");
  return ids;
}

std::vector<std::string> LoadedModel::texts(const std::vector<int>& ids) const {
  std::vector<std::string> out;
  for (int id : ids) out.push_back(id < tokenizer->vocabularySize() ? tokenizer->tokenText(id) : "");
  return out;
}

void recordTexts(StepRecord& r, const char* bytesName, const char* lengthsName, const std::vector<std::string>& texts) {
  std::string all;
  std::vector<std::int64_t> lengths;
  for (const std::string& t : texts) {
    all += t;
    lengths.push_back(static_cast<std::int64_t>(t.size()));
  }
  r.textArray(bytesName, all);
  r.vector<std::int64_t>(lengthsName, lengths);
}

}  // namespace loupe
