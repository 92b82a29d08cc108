#include "experiments/kinds/ModelPrompt.h"

#include <algorithm>

#include "engines/core/Error.h"
#include "engines/core/InputFile.h"
#include "experiments/kinds/LmKinds.h"

namespace loupe {

LoadedModel loadModel(const std::string& value) {
  const auto folder = modelFolder(value, "params.model");
  LoadedModel m;
  m.checkpoint = lm::loadCheckpoint(folder);
  m.folder = folder;
  if (m.checkpoint->tokenizer.empty())
    throw InputError("params.model", folder.string() + " has no tokenizer.model to read text with");
  m.tokenizer = std::make_unique<lm::Tokenizer>(m.checkpoint->tokenizer);
  if (m.tokenizer->vocabularySize() > m.checkpoint->config.vocab)
    throw InputError("params.model",
                     m.checkpoint->tokenizer.string() + " has " + std::to_string(m.tokenizer->vocabularySize()) +
                         " pieces, more than the model's vocab_size " + std::to_string(m.checkpoint->config.vocab));
  return m;
}

std::string headsFileOr(const LoadedModel& model, const std::string& file, const std::string& shippedName) {
  if (!file.empty()) return file;
  const auto shipped = model.folder / shippedName;
  return std::filesystem::exists(shipped) ? shipped.string() : std::string();
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

std::vector<std::string> readTextLines(const std::string& file, const std::string& field, std::size_t maxLines) {
  std::string text;
  try {
    text = readInputFile(file, std::uint64_t{256} << 20);
  } catch (const InputError& e) {
    throw InputError(field, e.what());
  }
  std::vector<std::string> lines;
  for (std::size_t at = 0; at < text.size() && (maxLines == 0 || lines.size() < maxLines);) {
    const std::size_t end = std::min(text.find('\n', at), text.size());
    if (end > at) lines.push_back(text.substr(at, end - at));
    at = end + 1;
  }
  if (lines.empty()) throw InputError(field, file + ": has no non-empty line");
  return lines;
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
