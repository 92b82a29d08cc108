// FlashAttention forward on the GPU, behind the arguments of
// flashAttention() (FlashAttention.h): 64 × 64 tiles, one thread block per
// (head, query block), four warps of 16 query rows each, the online softmax
// in float32 (running max m, sum l, output O per row in shared memory).
//
// - f16 / bf16 inputs: Q·Kᵀ and P·V on the tensor cores (WMMA 16×16×16,
//   float32 accumulation); P is rounded to the input type before P·V, as
//   FlashAttention does.
// - f32 inputs: the same loop on the CUDA cores.
// - Causal masking skips tiles wholly above the diagonal and masks the ones
//   it cuts; the optional trace comes from per-tile counters the kernel
//   writes (state, row maxima before and after, smallest rescale).
//
// Head dims: d = dv ∈ {64, 128}. Block masks, element masks and tile sizes
// other than 64 × 64 run on the CPU. Each of those, no usable device, or any
// CUDA error throws CudaUnavailable (engines/core/Device.h) with the reason;
// callers run flashAttention() instead and log it.
#pragma once

#include "engines/attention/FlashAttention.h"

namespace loupe::attention {

AttentionResult<float> flashAttentionCuda(const float* q, const float* k, const float* v, const AttentionShape& shape,
                                          const FlashOptions& options, TileTrace* trace = nullptr);
AttentionResult<float> flashAttentionCuda(const std::uint16_t* q, const std::uint16_t* k, const std::uint16_t* v,
                                          DType type, const AttentionShape& shape, const FlashOptions& options,
                                          TileTrace* trace = nullptr);

// For the GPU benchmark: the kernel alone on random device-resident inputs,
// timed with CUDA events; the median of `repeats` runs in milliseconds.
double timeFlashAttentionCuda(const AttentionShape& shape, DType type, bool causal, int repeats);

}  // namespace loupe::attention
