#include "engines/attention/SparsePatterns.h"

#include <memory>
#include <string>

#include "engines/core/Error.h"

namespace loupe::attention {

KeepFn localPattern(int window) {
  return [window](int, int i, int j) { return i - j >= 0 && i - j < window; };
}

KeepFn stridedPattern(int stride) {
  return [stride](int, int i, int j) { return j <= i && (i - j) % stride == 0; };
}

KeepFn fixedPattern(int block, int summary) {
  return [block, summary](int, int i, int j) {
    return j <= i && (j / block == i / block || j % block >= block - summary);
  };
}

KeepFn blockSparsePattern(std::vector<std::uint8_t> layout, int blockQ, int blockK, int kBlocks) {
  auto shared = std::make_shared<std::vector<std::uint8_t>>(std::move(layout));
  return [shared, blockQ, blockK, kBlocks](int, int i, int j) {
    return (*shared)[static_cast<std::size_t>(i / blockQ) * kBlocks + j / blockK] != 0;
  };
}

std::vector<std::uint8_t> blockLayout(const KeepFn& keep, int n, int m, int blockQ, int blockK, int head) {
  const int qBlocks = (n + blockQ - 1) / blockQ, kBlocks = (m + blockK - 1) / blockK;
  std::vector<std::uint8_t> layout(static_cast<std::size_t>(qBlocks) * kBlocks, 0);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < m; ++j)
      if (keep(head, i, j)) layout[static_cast<std::size_t>(i / blockQ) * kBlocks + j / blockK] = 1;
  return layout;
}

std::vector<std::uint8_t> parseBlockLayout(const std::string& text, int qBlocks, int kBlocks, const std::string& where,
                                           const std::string& context) {
  const std::string expected = "expected " + std::to_string(qBlocks) + " rows of " + std::to_string(kBlocks) +
                               " tiles (0 or 1) separated by '/'" + context;
  std::vector<std::uint8_t> layout;
  int rows = 0, col = 0;
  for (std::size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == '/') {
      if (col != kBlocks)
        throw InputError(where,
                         expected + "; row " + std::to_string(rows + 1) + " has " + std::to_string(col) + " tiles");
      ++rows;
      col = 0;
      continue;
    }
    if (text[i] != '0' && text[i] != '1')
      throw InputError(where,
                       expected + "; found '" + std::string(1, text[i]) + "' at character " + std::to_string(i + 1));
    layout.push_back(text[i] == '1');
    ++col;
  }
  if (rows != qBlocks) throw InputError(where, expected + "; got " + std::to_string(rows) + " rows");
  return layout;
}

}  // namespace loupe::attention
