#include "engines/attention/IoModel.h"

#include <algorithm>

namespace loupe::attention {

std::int64_t naiveIoBytes(const AttentionShape& s) {
  const std::int64_t h = s.heads, n = s.n, m = s.m;
  return 4 * h * (n * s.d + m * s.d + m * s.dv + n * s.dv + 4 * n * m);
}

std::int64_t tiledReadBytes(const AttentionShape& s, int blockQ, int blockK) {
  (void)blockK;  // every K/V row is read once per query block, whatever the K block size
  const std::int64_t qBlocks = (s.n + blockQ - 1) / blockQ;
  return 4LL * s.heads * (static_cast<std::int64_t>(s.n) * s.d + qBlocks * s.m * (s.d + s.dv));
}

BlockSizes flashBlockSizes(std::int64_t onChipBytes, int d) {
  const std::int64_t floats = onChipBytes / 4;
  const int bc = static_cast<int>(std::max<std::int64_t>(1, (floats + 4LL * d - 1) / (4LL * d)));
  return {std::min(bc, d), bc};
}

}  // namespace loupe::attention
