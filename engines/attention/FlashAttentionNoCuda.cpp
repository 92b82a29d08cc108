// A build without nvcc: the CUDA attention refuses, saying why (callers run the CPU path).
#include "engines/attention/FlashAttentionCuda.h"
#include "engines/core/Device.h"

namespace loupe::attention {

AttentionResult<float> flashAttentionCuda(const float*, const float*, const float*, const AttentionShape&,
                                          const FlashOptions&, TileTrace*) {
  throw CudaUnavailable(deviceReport().noCudaReason);
}

AttentionResult<float> flashAttentionCuda(const std::uint16_t*, const std::uint16_t*, const std::uint16_t*, DType,
                                          const AttentionShape&, const FlashOptions&, TileTrace*) {
  throw CudaUnavailable(deviceReport().noCudaReason);
}

double timeFlashAttentionCuda(const AttentionShape&, DType, bool, int) {
  throw CudaUnavailable(deviceReport().noCudaReason);
}

}  // namespace loupe::attention
