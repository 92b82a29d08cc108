#include "engines/core/Device.h"

#include "engines/core/Error.h"

#ifdef LOUPE_HAVE_CUDA
#include "engines/core/CudaSupport.h"
#endif

namespace loupe {

namespace {

DeviceReport queryDevices() {
  DeviceReport report;
#ifdef LOUPE_HAVE_CUDA
  report.builtWithCuda = true;
  int count = 0;
  const cudaError_t err = cudaGetDeviceCount(&count);
  if (err != cudaSuccess) {
    // No driver gives cudaErrorInsufficientDriver, not cudaErrorNoDevice:
    // every error means "no usable device".
    report.noCudaReason = std::string("CUDA runtime: ") + cudaGetErrorString(err);
    return report;
  }
  std::string tooOld;
  for (int i = 0; i < count; ++i) {
    cudaDeviceProp prop{};
    if (cudaGetDeviceProperties(&prop, i) != cudaSuccess) continue;
    // The kernels are built for sm_80 and sm_90 (SASS and PTX): an older GPU
    // could only fail every launch with "no kernel image".
    if (prop.major < 8) {
      tooOld += (tooOld.empty() ? "" : ", ") + std::string(prop.name) + " (sm_" + std::to_string(prop.major) +
                std::to_string(prop.minor) + ")";
      continue;
    }
    report.cudaDevices.push_back({i, prop.name, prop.major, prop.minor, static_cast<std::size_t>(prop.totalGlobalMem)});
  }
  if (report.cudaDevices.empty())
    report.noCudaReason = tooOld.empty() ? "no CUDA device found"
                                         : "Loupe's CUDA kernels need sm_80 or newer; this machine has " + tooOld;
#else
  report.noCudaReason = "this build of Loupe has no CUDA support (configured with LOUPE_CUDA off or no nvcc)";
#endif
  return report;
}

}  // namespace

const DeviceReport& deviceReport() {
  static const DeviceReport report = queryDevices();
  return report;
}

std::string_view deviceKindName(DeviceKind kind) {
  return kind == DeviceKind::Cuda ? "cuda" : "cpu";
}

DeviceKind resolveDevice(std::string_view request, bool kindSupportsCuda, const std::string& where) {
  if (request == "cpu") return DeviceKind::Cpu;
  if (request == "auto") {
    return kindSupportsCuda && !deviceReport().cudaDevices.empty() ? DeviceKind::Cuda : DeviceKind::Cpu;
  }
  if (request == "cuda") {
    if (!kindSupportsCuda) throw InputError(where, "this engine kind has no CUDA path; use cpu or auto");
    if (deviceReport().cudaDevices.empty()) {
      throw InputError(where, "cuda requested but unavailable: " + deviceReport().noCudaReason);
    }
    return DeviceKind::Cuda;
  }
  throw InputError(where, "must be one of \"auto\", \"cpu\", \"cuda\", got \"" + std::string(request) + "\"");
}

}  // namespace loupe

namespace loupe {

double cudaCopyGBs(std::size_t bytes, int repeats) {
  if (deviceReport().cudaDevices.empty()) throw CudaUnavailable(deviceReport().noCudaReason);
#ifdef LOUPE_HAVE_CUDA
  cuda::Buffers mem;
  char* a = mem.allocate<char>(bytes, "cudaMalloc");
  char* b = mem.allocate<char>(bytes, "cudaMalloc");
  cuda::check(cudaMemset(b, 1, bytes), "cudaMemset");
  const double ms = cuda::medianMilliseconds(
      repeats, [&] { cuda::check(cudaMemcpyAsync(a, b, bytes, cudaMemcpyDeviceToDevice), "cudaMemcpyAsync"); });
  if (ms <= 0) throw CudaUnavailable("a device copy of " + std::to_string(bytes) + " bytes timed at 0 ms");
  return 2.0 * static_cast<double>(bytes) / (ms * 1e-3) / 1e9;
#else
  (void)bytes, (void)repeats;
  return 0;
#endif
}

}  // namespace loupe
