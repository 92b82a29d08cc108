// Which x86 vector instruction sets this CPU has, asked once at run time so
// one binary carries the fast paths and picks the widest it may use.
#pragma once

namespace loupe {

bool cpuHasAvx2Fma();      // AVX2 + FMA (Haswell, Zen and later)
bool cpuHasAvx2FmaF16c();  // and F16C, the fp16 ⇄ fp32 conversions
bool cpuHasAvx512();       // AVX-512 F, VL, BW and DQ, with the above

}  // namespace loupe
