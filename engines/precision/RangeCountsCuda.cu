// The GPU path of RangeCounts.h: a grid-stride loop over the values, each
// block counting into shared-memory histograms (277 exponent bins, 6 outcome
// slots) and adding them to the global counts once at the end.
#include <cuda_runtime.h>

#include <algorithm>
#include <string>
#include <vector>

#include "engines/core/CudaSupport.h"
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

struct Device {
  float* values;
  unsigned long long* counts;
};

int blocksFor(std::size_t count) {
  int sms = 0;
  cuda::check(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, 0), "cudaDeviceGetAttribute");
  const std::size_t wanted = (count + kThreads - 1) / kThreads;
  return static_cast<int>(std::max<std::size_t>(1, std::min<std::size_t>(wanted, 8u * sms)));
}

// |x| = e^(8·g) with g uniform-ish in [−1, 1), random sign: decades of range.
__global__ void fillSpread(float* p, std::size_t n) {
  for (std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<std::size_t>(gridDim.x) * blockDim.x) {
    const float g = cuda::hashUniform(i, 0) * 2.0f - 1.0f;
    p[i] = (i & 1 ? -1.0f : 1.0f) * expf(8.0f * g);
  }
}

}  // namespace

double timeRangeCountsCuda(std::size_t count, Format format, int repeats) {
  if (deviceReport().cudaDevices.empty()) throw CudaUnavailable(deviceReport().noCudaReason);
  const OutcomeEdges edges = outcomeEdges(format);
  cuda::Buffers mem;
  Device d{mem.allocate<float>(count, "cudaMalloc(values)"),
           mem.allocate<unsigned long long>(kBins, "cudaMalloc(counts)")};
  fillSpread<<<256, 256>>>(d.values, count);
  cuda::check(cudaGetLastError(), "fill");
  const int blocks = blocksFor(count);
  auto once = [&] {
    cuda::check(cudaMemsetAsync(d.counts, 0, kBins * sizeof(unsigned long long)), "cudaMemset(counts)");
    countKernel<<<blocks, kThreads>>>(d.values, count, edges, d.counts);
    cuda::check(cudaGetLastError(), "countKernel launch");
  };
  return cuda::medianMilliseconds(repeats, once);
}

RangeCounts rangeCountsCuda(const float* values, std::size_t count, Format format) {
  if (deviceReport().cudaDevices.empty()) throw CudaUnavailable(deviceReport().noCudaReason);
  const OutcomeEdges edges = outcomeEdges(format);
  cuda::Buffers mem;
  Device d{mem.allocate<float>(count, "cudaMalloc(values)"),
           mem.allocate<unsigned long long>(kBins, "cudaMalloc(counts)")};
  cuda::check(cudaMemcpy(d.values, values, count * sizeof(float), cudaMemcpyHostToDevice), "cudaMemcpy(values)");
  cuda::check(cudaMemset(d.counts, 0, kBins * sizeof(unsigned long long)), "cudaMemset(counts)");
  const int blocks = blocksFor(count);
  countKernel<<<blocks, kThreads>>>(d.values, count, edges, d.counts);
  cuda::check(cudaGetLastError(), "countKernel launch");
  unsigned long long host[kBins];
  cuda::check(cudaMemcpy(host, d.counts, sizeof host, cudaMemcpyDeviceToHost), "cudaMemcpy(counts)");
  RangeCounts r;
  r.count = static_cast<std::int64_t>(count);
  for (int i = 0; i < RangeCounts::kExponentBins; ++i) r.exponentHistogram[i] = static_cast<std::int64_t>(host[i]);
  for (int s = 0; s < kRangeSlots; ++s) r.slots[s] = static_cast<std::int64_t>(host[RangeCounts::kExponentBins + s]);
  return r;
}

}  // namespace loupe::precision
