// The C interface of the SentencePiece module (SentencePieceModule.cpp),
// which Tokenizer.cpp loads with dlmopen into a link-map namespace of its
// own. Why: Debian's libsentencepiece.so.0 carries its own copy of
// protobuf-lite and exports its symbols; OpenCV's DNN module loads
// libprotobuf.so.32 into the same process, and whichever comes first in the
// symbol search order hijacks the other's protobuf calls — a process that
// links both crashes in libprotobuf's static initialisers before main().
// In a namespace of its own the module sees only its own protobuf.
//
// Only plain C crosses the boundary: each side has its own C++ runtime and
// heap, so nothing allocated on one side is freed on the other, and no
// exception leaves the module. Buffers belong to the caller; a call whose
// buffer is too small returns the size it needs.
#pragma once

#include <cstddef>

extern "C" {

// A processor for the serialized model, or null with the reason in `error`.
void* loupe_spm_load(const char* bytes, std::size_t size, char* error, std::size_t errorSize);
void loupe_spm_free(void* processor);
int loupe_spm_pieces(void* processor);
int loupe_spm_bos(void* processor);
int loupe_spm_eos(void* processor);
// 0 normal, 1 control, 2 unknown, 3 byte, 4 other (user-defined, unused).
int loupe_spm_kind(void* processor, int id);
// The ids of `text` into `ids` (at most `capacity`); returns how many there
// are (more than capacity: call again with room), −1 on failure.
long loupe_spm_encode(void* processor, const char* text, std::size_t size, int* ids, std::size_t capacity);
// The text of `ids` / the piece of `id` into `out`; returns its length (as
// above), −1 on failure.
long loupe_spm_decode(void* processor, const int* ids, std::size_t count, char* out, std::size_t capacity);
long loupe_spm_piece(void* processor, int id, char* out, std::size_t capacity);
}
