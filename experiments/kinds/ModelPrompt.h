// What the kinds that read a language model share (lm.*, attention.tiles
// with a model, precision.tensor_stats with source "model"): the model a
// `model` parameter names with its tokenizer, a prompt as the model reads
// it (<s> first), and lists of token texts recorded as LmRecords.h says
// (bytes concatenated + lengths). Kinds-internal: it exposes the engine.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "engines/lm/Checkpoint.h"
#include "engines/lm/Tokenizer.h"
#include "experiments/Records.h"

namespace loupe {

struct LoadedModel;
// The draft heads shipped beside a model (medusa_lm_head.safetensors,
// mtp_heads.safetensors) when `file` is empty, else `file`; "" when neither.
std::string headsFileOr(const LoadedModel& model, const std::string& file, const std::string& shippedName);

struct LoadedModel {
  std::shared_ptr<const lm::Checkpoint> checkpoint;
  std::unique_ptr<lm::Tokenizer> tokenizer;
  std::filesystem::path folder;  // the checkpoint's

  int bos() const;
  int eos() const;
  // <s> + the prompt's ids; more than the model's positions is refused
  // naming `field`.
  std::vector<int> promptIds(const std::string& prompt, const std::string& field) const;
  // Each id's text (tokenizer.tokenText; "" for an id past the tokenizer).
  std::vector<std::string> texts(const std::vector<int>& ids) const;
};

// The model `value` names (LmKinds.h: modelFolder), with its tokenizer;
// errors name params.model.
LoadedModel loadModel(const std::string& value);

// The non-empty lines of a UTF-8 text file (at most 256 MB), the first
// `maxLines` (0: all); errors name `field`, and so does a file without one.
std::vector<std::string> readTextLines(const std::string& file, const std::string& field, std::size_t maxLines);

void recordTexts(StepRecord& record, const char* bytesName, const char* lengthsName,
                 const std::vector<std::string>& texts);

}  // namespace loupe
