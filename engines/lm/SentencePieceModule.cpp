// The SentencePiece module: Debian's libsentencepiece behind a C interface,
// loaded by Tokenizer.cpp in a link-map namespace of its own
// (SentencePieceModule.h says why).
#include "engines/lm/SentencePieceModule.h"

#include <sentencepiece_processor.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

namespace {

using Processor = sentencepiece::SentencePieceProcessor;

long copyOut(const std::string& s, char* out, std::size_t capacity) {
  if (s.size() <= capacity) std::memcpy(out, s.data(), s.size());
  return static_cast<long>(s.size());
}

}  // namespace

extern "C" {

void* loupe_spm_load(const char* bytes, std::size_t size, char* error, std::size_t errorSize) {
  try {
    auto* p = new Processor();
    const auto status = p->LoadFromSerializedProto(std::string_view(bytes, size));
    if (status.ok() && p->GetPieceSize() > 0) return p;
    const std::string why = status.ok() ? "it has no pieces" : status.ToString();
    delete p;
    if (errorSize > 0) {
      const std::size_t n = std::min(why.size(), errorSize - 1);
      std::memcpy(error, why.data(), n);
      error[n] = '\0';
    }
  } catch (...) {
    if (errorSize > 0) std::strncpy(error, "SentencePiece failed", errorSize);
  }
  return nullptr;
}

void loupe_spm_free(void* p) {
  delete static_cast<Processor*>(p);
}
int loupe_spm_pieces(void* p) {
  return static_cast<Processor*>(p)->GetPieceSize();
}
int loupe_spm_bos(void* p) {
  return static_cast<Processor*>(p)->bos_id();
}
int loupe_spm_eos(void* p) {
  return static_cast<Processor*>(p)->eos_id();
}

int loupe_spm_kind(void* p, int id) {
  const auto* sp = static_cast<Processor*>(p);
  if (sp->IsControl(id)) return 1;
  if (sp->IsUnknown(id)) return 2;
  if (sp->IsByte(id)) return 3;
  if (sp->IsUnused(id)) return 4;
  return 0;
}

long loupe_spm_encode(void* p, const char* text, std::size_t size, int* ids, std::size_t capacity) {
  try {
    std::vector<int> out;
    if (!static_cast<Processor*>(p)->Encode(std::string_view(text, size), &out).ok()) return -1;
    if (out.size() <= capacity) std::copy(out.begin(), out.end(), ids);
    return static_cast<long>(out.size());
  } catch (...) {
    return -1;
  }
}

long loupe_spm_decode(void* p, const int* ids, std::size_t count, char* out, std::size_t capacity) {
  try {
    std::string text;
    if (!static_cast<Processor*>(p)->Decode(std::vector<int>(ids, ids + count), &text).ok()) return -1;
    return copyOut(text, out, capacity);
  } catch (...) {
    return -1;
  }
}

long loupe_spm_piece(void* p, int id, char* out, std::size_t capacity) {
  try {
    return copyOut(static_cast<Processor*>(p)->IdToPiece(id), out, capacity);
  } catch (...) {
    return -1;
  }
}
}
