#include "engines/specdec/RowGemm.h"

#include <cblas.h>

#include <cstddef>

namespace loupe::specdec {

void rowsTimesTransposed(const float* x, int T, const float* w, int out, int in, float* y, bool accumulate) {
  constexpr int kFewRows = 4;
  if (T > kFewRows) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, T, out, in, 1.0f, x, in, w, in, accumulate ? 1.0f : 0.0f, y,
                out);
    return;
  }
  for (int t = 0; t < T; ++t) {
    const float* xr = x + static_cast<std::size_t>(t) * in;
    float* yr = y + static_cast<std::size_t>(t) * out;
    for (int o = 0; o < out; ++o) {
      const float* wr = w + static_cast<std::size_t>(o) * in;
      // Eight partial sums, so the compiler may vectorise without
      // reassociating one float sum (-O3, CMakeLists.txt).
      float part[8] = {0, 0, 0, 0, 0, 0, 0, 0};
      int i = 0;
      for (; i + 8 <= in; i += 8)
        for (int j = 0; j < 8; ++j) part[j] += wr[i + j] * xr[i + j];
      float acc = ((part[0] + part[1]) + (part[2] + part[3])) + ((part[4] + part[5]) + (part[6] + part[7]));
      for (; i < in; ++i) acc += wr[i] * xr[i];
      yr[o] = accumulate ? yr[o] + acc : acc;
    }
  }
}

}  // namespace loupe::specdec
