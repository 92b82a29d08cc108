// libFuzzer target: block-sparse layouts as text ("110/011/001",
// engines/attention/SparsePatterns.h, parseBlockLayout). The first two bytes
// pick the query and key block counts (1 … 16), the rest is the text. Any
// input may only parse or throw InputError; a parsed layout drives
// blockSparsePattern, and blockLayout over that pattern gives it back.
#include <cstddef>
#include <cstdint>
#include <string>

#include "engines/attention/SparsePatterns.h"
#include "engines/core/Error.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const int qBlocks = data[0] % 16 + 1, kBlocks = data[1] % 16 + 1;
  try {
    const auto layout = loupe::attention::parseBlockLayout(
        std::string(reinterpret_cast<const char*>(data) + 2, size - 2), qBlocks, kBlocks, "params.block_layout");
    if (layout.size() != static_cast<std::size_t>(qBlocks) * kBlocks) __builtin_trap();
    const int blockQ = 3, blockK = 2;
    const auto keep = loupe::attention::blockSparsePattern(layout, blockQ, blockK, kBlocks);
    if (loupe::attention::blockLayout(keep, qBlocks * blockQ, kBlocks * blockK, blockQ, blockK) != layout)
      __builtin_trap();
  } catch (const loupe::InputError&) {
  }
  return 0;
}
