// The GPU path of RangeCounts.h: a grid-stride loop over the values, each
// block counting into shared-memory histograms (277 exponent bins, 6 outcome
// slots) and adding them to the global counts once at the end.
#include <cuda_runtime.h>

#include <algorithm>
#include <string>

#include "engines/core/Device.h"
#include "engines/precision/RangeCounts.h"

namespace loupe::precision {

namespace {

constexpr int kThreads = 256;
constexpr int kBins = RangeCounts::kExponentBins + kRangeSlots;

__global__ void countKernel(const float* values, std::size_t count, OutcomeEdges edges, unsigned long long* global) {
  __shared__ unsigned int local[kBins];
  for (int i = threadIdx.x; i < kBins; i += blockDim.x) local[i] = 0;
  __syncthreads();
  const std::size_t stride = static_cast<std::size_t>(gridDim.x) * blockDim.x;
  for (std::size_t i = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < count; i += stride) {
    const float x = values[i];
    atomicAdd(&local[RangeCounts::kExponentBins + rangeSlot(x, edges)], 1u);
    const int bin = exponentBin(x);
    if (bin >= 0) atomicAdd(&local[bin], 1u);
  }
  __syncthreads();
  for (int i = threadIdx.x; i < kBins; i += blockDim.x)
    if (local[i]) atomicAdd(&global[i], static_cast<unsigned long long>(local[i]));
}

void check(cudaError_t err, const char* what) {
  if (err != cudaSuccess) throw CudaUnavailable(std::string(what) + ": " + cudaGetErrorString(err));
}

// Frees what it holds on every path out (a failed call throws).
struct DeviceBuffers {
  float* values = nullptr;
  unsigned long long* counts = nullptr;
  ~DeviceBuffers() {
    cudaFree(values);
    cudaFree(counts);
  }
};

}  // namespace

RangeCounts rangeCountsCuda(const float* values, std::size_t count, Format format) {
  if (deviceReport().cudaDevices.empty()) throw CudaUnavailable(deviceReport().noCudaReason);
  const OutcomeEdges edges = outcomeEdges(format);
  DeviceBuffers d;
  check(cudaMalloc(&d.values, count * sizeof(float) + 1), "cudaMalloc(values)");
  check(cudaMalloc(&d.counts, kBins * sizeof(unsigned long long)), "cudaMalloc(counts)");
  check(cudaMemcpy(d.values, values, count * sizeof(float), cudaMemcpyHostToDevice), "cudaMemcpy(values)");
  check(cudaMemset(d.counts, 0, kBins * sizeof(unsigned long long)), "cudaMemset(counts)");
  int sms = 0;
  check(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, 0), "cudaDeviceGetAttribute");
  const std::size_t wanted = (count + kThreads - 1) / kThreads;
  const int blocks = static_cast<int>(std::max<std::size_t>(1, std::min<std::size_t>(wanted, 8u * sms)));
  countKernel<<<blocks, kThreads>>>(d.values, count, edges, d.counts);
  check(cudaGetLastError(), "countKernel launch");
  unsigned long long host[kBins];
  check(cudaMemcpy(host, d.counts, sizeof host, cudaMemcpyDeviceToHost), "cudaMemcpy(counts)");
  RangeCounts r;
  r.count = static_cast<std::int64_t>(count);
  for (int i = 0; i < RangeCounts::kExponentBins; ++i) r.exponentHistogram[i] = static_cast<std::int64_t>(host[i]);
  for (int s = 0; s < kRangeSlots; ++s) r.slots[s] = static_cast<std::int64_t>(host[RangeCounts::kExponentBins + s]);
  return r;
}

}  // namespace loupe::precision
