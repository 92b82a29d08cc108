// y (T × out) = x (T × in) · Wᵀ (+ y when accumulate), W row-major out × in:
// the heads' forward. Many rows go to OpenBLAS SGEMM; a decoding step's one
// or few rows are plain dot products here, because OpenBLAS hands even a
// 1-row SGEMM to its threads, whose wake-up costs more than the product
// and, beside another busy process, far more.
#pragma once

namespace loupe::specdec {

void rowsTimesTransposed(const float* x, int T, const float* w, int out, int in, float* y, bool accumulate);

}  // namespace loupe::specdec
