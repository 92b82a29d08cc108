// What the CUDA paths share (included only where CUDA is built: .cu files
// and the device query): errors turned into CudaUnavailable naming the
// call, device buffers freed on every way out, and event-timed medians.
#pragma once

#include <cuda_runtime_api.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "engines/core/Device.h"

namespace loupe::cuda {

inline void check(cudaError_t err, const char* what) {
  if (err != cudaSuccess) throw CudaUnavailable(std::string(what) + ": " + cudaGetErrorString(err));
}

// Device allocations, all freed when this goes (a failed call throws).
class Buffers {
 public:
  Buffers() = default;
  Buffers(const Buffers&) = delete;
  Buffers& operator=(const Buffers&) = delete;
  ~Buffers() {
    for (void* p : m_blocks) cudaFree(p);
  }
  template <class T>
  T* allocate(std::size_t count, const char* what) {
    void* p = nullptr;
    check(cudaMalloc(&p, std::max<std::size_t>(count, 1) * sizeof(T)), what);
    m_blocks.push_back(p);
    return static_cast<T*>(p);
  }
  // A device copy of `count` host values; nullptr stays nullptr.
  template <class T>
  T* upload(const T* host, std::size_t count, const char* what) {
    if (!host) return nullptr;
    T* p = allocate<T>(count, what);
    check(cudaMemcpy(p, host, count * sizeof(T), cudaMemcpyHostToDevice), what);
    return p;
  }

 private:
  std::vector<void*> m_blocks;
};

// Runs `launch` once to warm up, then `repeats` times between CUDA events;
// the median in milliseconds.
// A CUDA event, destroyed on every way out.
class Event {
 public:
  Event() { check(cudaEventCreate(&m_event), "cudaEventCreate"); }
  ~Event() { cudaEventDestroy(m_event); }
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;
  cudaEvent_t get() const { return m_event; }

 private:
  cudaEvent_t m_event = nullptr;
};

template <class Launch>
double medianMilliseconds(int repeats, Launch&& launch) {
  launch();
  const Event start, stop;
  std::vector<float> ms;
  for (int r = 0; r < std::max(1, repeats); ++r) {
    check(cudaEventRecord(start.get()), "cudaEventRecord");
    launch();
    check(cudaEventRecord(stop.get()), "cudaEventRecord");
    check(cudaEventSynchronize(stop.get()), "cudaEventSynchronize");
    float one = 0;
    check(cudaEventElapsedTime(&one, start.get(), stop.get()), "cudaEventElapsedTime");
    ms.push_back(one);
  }
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

#if defined(__CUDACC__)
// A uniform value in [0, 1) from an index and a seed (a multiplicative hash
// with two xorshifts): how the GPU benchmarks fill device buffers without a
// host copy.
__device__ inline float hashUniform(std::size_t i, std::uint32_t seed) {
  std::uint32_t x = static_cast<std::uint32_t>(i) * 2654435761u ^ seed;
  x ^= x >> 15, x *= 2246822519u, x ^= x >> 13;
  return (x & 0xffffff) / 16777216.0f;
}
#endif

}  // namespace loupe::cuda
