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
      float acc = 0.0f;
      for (int i = 0; i < in; ++i) acc += wr[i] * xr[i];  // vectorised at -O3 (CMakeLists.txt)
      yr[o] = accumulate ? yr[o] + acc : acc;
    }
  }
}

}  // namespace loupe::specdec
