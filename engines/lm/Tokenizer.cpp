#include "engines/lm/Tokenizer.h"

#include <dlfcn.h>
#include <unistd.h>

#include <climits>
#include <stdexcept>

#include "engines/core/Error.h"
#include "engines/core/InputFile.h"
#include "engines/lm/SentencePieceModule.h"

namespace loupe::lm {

namespace fs = std::filesystem;

// The module's entry points, resolved once per process.
struct Tokenizer::Module {
  decltype(&loupe_spm_load) load;
  decltype(&loupe_spm_free) free;
  decltype(&loupe_spm_pieces) pieces;
  decltype(&loupe_spm_bos) bos;
  decltype(&loupe_spm_eos) eos;
  decltype(&loupe_spm_kind) kind;
  decltype(&loupe_spm_encode) encode;
  decltype(&loupe_spm_decode) decode;
  decltype(&loupe_spm_piece) piece;
};

namespace {

fs::path modulePath() {
  if (const char* env = std::getenv("LOUPE_SENTENCEPIECE_MODULE"); env && *env) return env;
#ifdef LOUPE_SENTENCEPIECE_MODULE_PATH
  if (fs::exists(LOUPE_SENTENCEPIECE_MODULE_PATH)) return LOUPE_SENTENCEPIECE_MODULE_PATH;
#endif
  char self[PATH_MAX] = {};
  const ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
  return (n > 0 ? fs::path(std::string(self, static_cast<std::size_t>(n))).parent_path() : fs::path(".")) /
         "libloupe_sentencepiece.so";
}

template <class F>
F symbol(void* handle, const char* name, const fs::path& path) {
  void* s = ::dlsym(handle, name);
  if (!s) throw std::runtime_error(path.string() + ": the SentencePiece module lacks " + name);
  return reinterpret_cast<F>(s);
}

const Tokenizer::Module& loadModule() {
  static const Tokenizer::Module module = [] {
    const fs::path path = modulePath();
    // A namespace of its own: its libsentencepiece's protobuf never meets
    // the process's libprotobuf (SentencePieceModule.h).
    void* h = ::dlmopen(LM_ID_NEWLM, path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!h) throw std::runtime_error("cannot load the SentencePiece module " + path.string() + ": " + ::dlerror());
    Tokenizer::Module m;
    m.load = symbol<decltype(m.load)>(h, "loupe_spm_load", path);
    m.free = symbol<decltype(m.free)>(h, "loupe_spm_free", path);
    m.pieces = symbol<decltype(m.pieces)>(h, "loupe_spm_pieces", path);
    m.bos = symbol<decltype(m.bos)>(h, "loupe_spm_bos", path);
    m.eos = symbol<decltype(m.eos)>(h, "loupe_spm_eos", path);
    m.kind = symbol<decltype(m.kind)>(h, "loupe_spm_kind", path);
    m.encode = symbol<decltype(m.encode)>(h, "loupe_spm_encode", path);
    m.decode = symbol<decltype(m.decode)>(h, "loupe_spm_decode", path);
    m.piece = symbol<decltype(m.piece)>(h, "loupe_spm_piece", path);
    return m;
  }();
  return module;
}

// Calls `f(buffer, capacity)` until the text fits.
template <class F>
std::string grow(F f, const std::string& file, const char* what) {
  std::string out(256, '\0');
  for (int attempt = 0; attempt < 2; ++attempt) {
    const long n = f(out.data(), out.size());
    if (n < 0) throw InputError(file, std::string("SentencePiece cannot ") + what);
    if (static_cast<std::size_t>(n) <= out.size()) {
      out.resize(static_cast<std::size_t>(n));
      return out;
    }
    out.assign(static_cast<std::size_t>(n), '\0');
  }
  throw InputError(file, std::string("SentencePiece gave no stable size to ") + what);
}

}  // namespace

Tokenizer::Tokenizer(const fs::path& model) : m_module(loadModule()), m_file(model.string()) {
  // Read by us (a regular file, at most 64 MB), parsed by SentencePiece from memory.
  const std::string bytes = readInputFile(model, std::uint64_t{64} << 20);
  char error[512] = {};
  m_processor = m_module.load(bytes.data(), bytes.size(), error, sizeof error);
  if (!m_processor) throw InputError(m_file, std::string("is not a SentencePiece model: ") + error);
}

Tokenizer::~Tokenizer() {
  if (m_processor) m_module.free(m_processor);
}

int Tokenizer::vocabularySize() const {
  return m_module.pieces(m_processor);
}
int Tokenizer::bosId() const {
  return m_module.bos(m_processor);
}
int Tokenizer::eosId() const {
  return m_module.eos(m_processor);
}

std::vector<int> Tokenizer::encode(const std::string& text) const {
  std::vector<int> ids(text.size() + 16);
  for (int attempt = 0; attempt < 2; ++attempt) {
    const long n = m_module.encode(m_processor, text.data(), text.size(), ids.data(), ids.size());
    if (n < 0) throw InputError(m_file, "SentencePiece cannot encode the text");
    if (static_cast<std::size_t>(n) <= ids.size()) {
      ids.resize(static_cast<std::size_t>(n));
      return ids;
    }
    ids.resize(static_cast<std::size_t>(n));
  }
  throw InputError(m_file, "SentencePiece gave no stable length for the text");
}

std::string Tokenizer::decode(const std::vector<int>& ids) const {
  for (int id : ids)
    if (id < 0 || id >= vocabularySize())
      throw InputError(m_file, "token id " + std::to_string(id) + " is outside the vocabulary");
  return grow(
      [&](char* out, std::size_t cap) { return m_module.decode(m_processor, ids.data(), ids.size(), out, cap); },
      m_file, "decode the ids");
}

std::string Tokenizer::tokenText(int id) const {
  if (id < 0 || id >= vocabularySize())
    throw InputError(m_file, "token id " + std::to_string(id) + " is outside the vocabulary");
  const std::string piece = grow([&](char* out, std::size_t cap) { return m_module.piece(m_processor, id, out, cap); },
                                 m_file, "name a piece");
  const int kind = m_module.kind(m_processor, id);
  if (kind == 1 || kind == 2) return piece;  // "<s>", "</s>", "<unk>"
  if (kind == 3 && piece.size() == 6) {      // "<0xE2>": one raw byte (possibly half a UTF-8 character)
    return std::string(1, static_cast<char>(std::stoi(piece.substr(3, 2), nullptr, 16)));
  }
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
