#include "engines/core/CpuFeatures.h"

namespace loupe {

bool cpuHasAvx2Fma() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

bool cpuHasAvx2FmaF16c() {
  __builtin_cpu_init();
  return cpuHasAvx2Fma() && __builtin_cpu_supports("f16c");
}

bool cpuHasAvx512() {
  __builtin_cpu_init();
  return cpuHasAvx2FmaF16c() && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
         __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq");
}

}  // namespace loupe
