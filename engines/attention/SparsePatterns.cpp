#include "engines/attention/SparsePatterns.h"

#include <memory>

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

}  // namespace loupe::attention
