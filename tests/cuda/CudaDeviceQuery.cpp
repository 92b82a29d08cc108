// cuda_device_query: what this process's CUDA query finds, as one JSON
// object on stdout — {"built_with_cuda", "devices": [{index, name, sm,
// memory_bytes}], "no_cuda_reason"} — and one line on stderr: the devices, or
// "no CUDA device: <why>". Exit status 0 when a usable device exists, 3 when
// none. The GPU bundle's run.sh starts with it (scripts/gpu-bundle.sh).
#include <cstdio>
#include <nlohmann/json.hpp>

#include "engines/core/Device.h"

int main() {
  const loupe::DeviceReport& report = loupe::deviceReport();
  nlohmann::json devices = nlohmann::json::array();
  for (const auto& d : report.cudaDevices) {
    devices.push_back({{"index", d.index},
                       {"name", d.name},
                       {"sm", std::to_string(d.computeMajor) + std::to_string(d.computeMinor)},
                       {"memory_bytes", d.totalMemoryBytes}});
    std::fprintf(stderr, "CUDA device %d: %s (sm_%d%d, %.1f GiB)\n", d.index, d.name.c_str(), d.computeMajor,
                 d.computeMinor, d.totalMemoryBytes / 1073741824.0);
  }
  if (report.cudaDevices.empty()) std::fprintf(stderr, "no CUDA device: %s\n", report.noCudaReason.c_str());
  const nlohmann::json out = {
      {"built_with_cuda", report.builtWithCuda}, {"devices", devices}, {"no_cuda_reason", report.noCudaReason}};
  std::printf("%s\n", out.dump().c_str());
  return report.cudaDevices.empty() ? 3 : 0;
}
