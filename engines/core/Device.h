// Which compute devices this process can use, and how a recipe's
// "device": "auto" | "cpu" | "cuda" resolves to one of them.
//
// The CUDA query runs once per process (thread-safe) and never throws: any
// CUDA error — no driver (cudaErrorInsufficientDriver; docs/ARCHITECTURE.md), no device, a
// CPU-only build — becomes an empty device list plus the reason, so callers
// fall back to the CPU and can say why.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace loupe {

struct CudaDeviceInfo {
  int index = 0;
  std::string name;
  int computeMajor = 0;
  int computeMinor = 0;
  std::size_t totalMemoryBytes = 0;
};

struct DeviceReport {
  bool builtWithCuda = false;
  std::vector<CudaDeviceInfo> cudaDevices;
  std::string noCudaReason;  // empty when at least one device is usable
};

// Cached after the first call.
const DeviceReport& deviceReport();

enum class DeviceKind { Cpu, Cuda };

// Thrown by an engine's CUDA path when this build or machine has no usable
// device, or on any CUDA error; what() says why. Callers run the CPU path
// instead and log the reason.
struct CudaUnavailable : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::string_view deviceKindName(DeviceKind kind);  // "cpu" / "cuda"

// Resolves a requested device for an engine kind. "auto" picks CUDA when the
// kind has a CUDA path and a device exists, else the CPU. "cuda" when it cannot
// be honoured throws InputError naming `where` and the reason; so does a name
// other than auto/cpu/cuda.
// Device-to-device copy bandwidth of CUDA device 0 (read + write bytes per
// second / 1e9) over `bytes`, the median of `repeats` copies: the ceiling the
// GPU benchmarks compare memory-bound kernels with. Throws CudaUnavailable
// without a device.
double cudaCopyGBs(std::size_t bytes, int repeats);

DeviceKind resolveDevice(std::string_view request, bool kindSupportsCuda, const std::string& where = "device");

}  // namespace loupe
