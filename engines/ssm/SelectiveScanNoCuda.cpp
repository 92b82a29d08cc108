// A build without nvcc: the CUDA scan refuses, saying why (callers run the CPU scan).
#include "engines/core/Device.h"
#include "engines/ssm/SelectiveScanCuda.h"

namespace loupe::ssm {

ScanResult<float> selectiveScanCuda(const ScanShape&, const ScanInputs<float>&) {
  throw CudaUnavailable(deviceReport().noCudaReason);
}

double timeSelectiveScanCuda(const ScanShape&, int) {
  throw CudaUnavailable(deviceReport().noCudaReason);
}

}  // namespace loupe::ssm
