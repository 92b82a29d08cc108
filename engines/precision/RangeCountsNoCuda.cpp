// A build without nvcc: the CUDA range statistics refuse, saying why.
#include "engines/precision/RangeCounts.h"

namespace loupe::precision {

RangeCounts rangeCountsCuda(const float*, std::size_t, Format) {
  throw CudaUnavailable(deviceReport().noCudaReason);
}

double timeRangeCountsCuda(std::size_t, Format, int) {
  throw CudaUnavailable(deviceReport().noCudaReason);
}

}  // namespace loupe::precision
