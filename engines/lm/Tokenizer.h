// A SentencePiece tokenizer (tokenizer.model beside a Llama checkpoint),
// through Debian's libsentencepiece — the library Llama's own tokenizer
// runs on, so ids are the ones the model was trained with. The library runs
// in a module loaded into a link-map namespace of its own
// (SentencePieceModule.h says why): $LOUPE_SENTENCEPIECE_MODULE, else the
// one this build made, else libloupe_sentencepiece.so beside the program.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace loupe::lm {

class Tokenizer {
 public:
  // Throws InputError naming the file when it is not a SentencePiece model.
  explicit Tokenizer(const std::filesystem::path& model);
  ~Tokenizer();
  Tokenizer(const Tokenizer&) = delete;
  Tokenizer& operator=(const Tokenizer&) = delete;

  int vocabularySize() const;
  int bosId() const;
  int eosId() const;
  // The text's ids, without <s> (the caller adds it where the model wants it).
  std::vector<int> encode(const std::string& text) const;
  std::string decode(const std::vector<int>& ids) const;
  // One token as it reads inside a text: "▁" as a space, a byte piece as its
  // byte (possibly half a UTF-8 character), control tokens as "<s>", "</s>".
  std::string tokenText(int id) const;

  struct Module;  // the SentencePiece module's entry points (Tokenizer.cpp)

 private:
  const Module& m_module;
  void* m_processor = nullptr;
  std::string m_file;
};

}  // namespace loupe::lm
