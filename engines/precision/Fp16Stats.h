// The fast paths behind tensorStats() for fp16: F16C conversions, counts in
// vector lanes and one joint histogram table, 8 values at a time (AVX2) or
// 16 (AVX-512). Each handles whole vectors only and returns how many values
// it took; the caller accounts for the tail value by value.
#pragma once

#include <cstddef>

#include "engines/precision/TensorStats.h"

namespace loupe::precision::detail {

std::size_t fp16StatsAvx2(const float* x, std::size_t n, TensorStats& s);
std::size_t fp16StatsAvx512(const float* x, std::size_t n, TensorStats& s);

}  // namespace loupe::precision::detail
