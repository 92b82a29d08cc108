#include "engines/lm/Tokenizer.h"

#include <sentencepiece_processor.h>

#include "engines/core/Error.h"
#include "engines/core/InputFile.h"

namespace loupe::lm {

Tokenizer::Tokenizer(const std::filesystem::path& model)
    : m_sp(std::make_unique<sentencepiece::SentencePieceProcessor>()), m_file(model.string()) {
  // Read by us (a regular file, at most 64 MB), parsed by SentencePiece from memory.
  const std::string bytes = readInputFile(model, std::uint64_t{64} << 20);
  const auto status = m_sp->LoadFromSerializedProto(bytes);
  if (!status.ok()) throw InputError(m_file, "is not a SentencePiece model: " + status.ToString());
  if (m_sp->GetPieceSize() <= 0) throw InputError(m_file, "has no pieces");
}

Tokenizer::~Tokenizer() = default;

int Tokenizer::vocabularySize() const {
  return m_sp->GetPieceSize();
}
int Tokenizer::bosId() const {
  return m_sp->bos_id();
}
int Tokenizer::eosId() const {
  return m_sp->eos_id();
}

std::vector<int> Tokenizer::encode(const std::string& text) const {
  std::vector<int> ids;
  const auto status = m_sp->Encode(text, &ids);
  if (!status.ok()) throw InputError(m_file, "cannot encode the text: " + status.ToString());
  return ids;
}

std::string Tokenizer::decode(const std::vector<int>& ids) const {
  for (int id : ids)
    if (id < 0 || id >= vocabularySize())
      throw InputError(m_file, "token id " + std::to_string(id) + " is outside the vocabulary");
  std::string text;
  const auto status = m_sp->Decode(ids, &text);
  if (!status.ok()) throw InputError(m_file, "cannot decode: " + status.ToString());
  return text;
}

std::string Tokenizer::tokenText(int id) const {
  if (id < 0 || id >= vocabularySize())
    throw InputError(m_file, "token id " + std::to_string(id) + " is outside the vocabulary");
  if (m_sp->IsControl(id) || m_sp->IsUnknown(id)) return m_sp->IdToPiece(id);
  if (m_sp->IsByte(id)) {  // "<0xE2>"
    const std::string piece = m_sp->IdToPiece(id);
    return std::string(1, static_cast<char>(std::stoi(piece.substr(3, 2), nullptr, 16)));
  }
  std::string piece = m_sp->IdToPiece(id);
  std::string out;
  for (std::size_t i = 0; i < piece.size();) {
    if (piece.compare(i, 3, "\xe2\x96\x81") == 0) {  // U+2581 LOWER ONE EIGHTH BLOCK: SentencePiece's space
      out += ' ';
      i += 3;
    } else {
      out += piece[i++];
    }
  }
  return out;
}

}  // namespace loupe::lm
