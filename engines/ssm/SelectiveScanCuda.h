// Mamba's selective scan on the GPU, with the inputs, layout and result of
// selectiveScan() (SelectiveScan.h). Each (batch, channel) pair is scanned
// by a group of lanes of one warp that hold its N state entries in
// registers (lane ℓ holds n = ℓ, ℓ + G, …; G = min(32, next power of two ≥ N));
// ⟨x_t, C_t⟩ is a shuffle reduction within the group. The sequence runs in
// chunks whose u, Δ, z, B and C are staged in shared memory with coalesced
// loads, and y is written back a chunk at a time.
//
// Throws CudaUnavailable (engines/core/Device.h) without a usable device,
// on any CUDA error, and for N > 256 (the registers one lane can hold).
#pragma once

#include "engines/ssm/SelectiveScan.h"

namespace loupe::ssm {

ScanResult<float> selectiveScanCuda(const ScanShape& shape, const ScanInputs<float>& in);

// For the GPU benchmark: the kernel alone on device-resident inputs (Δ
// through softplus, gate on), timed with CUDA events; the median of
// `repeats` runs in milliseconds.
double timeSelectiveScanCuda(const ScanShape& shape, int repeats);

}  // namespace loupe::ssm
