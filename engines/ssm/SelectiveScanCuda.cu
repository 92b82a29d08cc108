#include <cuda_runtime.h>

#include <algorithm>
#include <string>
#include <vector>

#include "engines/core/Device.h"
#include "engines/ssm/SelectiveScanCuda.h"

namespace loupe::ssm {

namespace {

constexpr int kThreads = 128;
constexpr int kMaxPerLane = 8;        // N ≤ 8 · 32
constexpr int kSharedFloats = 10240;  // 40 KiB of staging per block

struct Params {
  int batch, dim, length, state;
  bool varyingB, varyingC, softplus;
  int group;     // lanes per channel G (a power of two ≤ 32)
  int channels;  // channels per block: kThreads / G
  int chunk;     // time steps staged at a time
  const float *u, *delta, *A, *B, *C, *D, *z, *bias;
  float *out, *last;
};

__device__ float softplus(float x) {
  return x > 20.0f ? x : log1pf(expf(x));
}

// grid: (⌈dim / channels⌉, batch).
__global__ void scanKernel(Params p) {
  extern __shared__ float shared[];
  const int b = blockIdx.y;
  const int lane = threadIdx.x % p.group, slot = threadIdx.x / p.group;
  const int d0 = blockIdx.x * p.channels, d = d0 + slot;
  const bool active = d < p.dim;
  const int T = p.chunk, N = p.state;
  // Staging: u, Δ', z, y per (channel, t); B and C per (n, t) when they vary.
  float* su = shared;
  float* sdt = su + p.channels * T;
  float* sz = sdt + p.channels * T;
  float* sy = sz + p.channels * T;
  float* sB = sy + p.channels * T;
  float* sC = sB + (p.varyingB ? N * T : 0);
  float a[kMaxPerLane], x[kMaxPerLane], bConst[kMaxPerLane], cConst[kMaxPerLane];
  const int perLane = (N + p.group - 1) / p.group;
  for (int k = 0; k < kMaxPerLane; ++k) {
    const int n = lane + k * p.group;
    const bool have = active && k < perLane && n < N;
    a[k] = have ? p.A[d * N + n] : 0.0f;
    x[k] = 0.0f;
    bConst[k] = have && !p.varyingB ? p.B[d * N + n] : 0.0f;
    cConst[k] = have && !p.varyingC ? p.C[d * N + n] : 0.0f;
  }
  const float Dd = active && p.D ? p.D[d] : 0.0f;
  for (int t0 = 0; t0 < p.length; t0 += T) {
    const int steps = min(T, p.length - t0);
    __syncthreads();  // the previous chunk's y is written out
    for (int i = threadIdx.x; i < p.channels * steps; i += blockDim.x) {
      const int c = i / steps, t = i % steps, dc = d0 + c;
      if (dc >= p.dim) continue;
      const std::size_t at = (static_cast<std::size_t>(b) * p.dim + dc) * p.length + t0 + t;
      su[c * T + t] = p.u[at];
      const float dt = p.delta[at] + (p.bias ? p.bias[dc] : 0.0f);
      sdt[c * T + t] = p.softplus ? softplus(dt) : dt;
      sz[c * T + t] = p.z ? p.z[at] : 0.0f;
    }
    for (int i = threadIdx.x; i < N * steps; i += blockDim.x) {
      const int n = i / steps, t = i % steps;
      const std::size_t at = (static_cast<std::size_t>(b) * N + n) * p.length + t0 + t;
      if (p.varyingB) sB[n * T + t] = p.B[at];
      if (p.varyingC) sC[n * T + t] = p.C[at];
    }
    __syncthreads();
    for (int t = 0; t < steps; ++t) {
      const float dt = sdt[slot * T + t], u = su[slot * T + t];
      float partial = 0.0f;
      for (int k = 0; k < perLane; ++k) {
        const int n = lane + k * p.group;
        if (n >= N) break;
        const float bn = p.varyingB ? sB[n * T + t] : bConst[k];
        const float cn = p.varyingC ? sC[n * T + t] : cConst[k];
        x[k] = expf(dt * a[k]) * x[k] + dt * bn * u;
        partial += x[k] * cn;
      }
      for (int offset = p.group / 2; offset > 0; offset /= 2)
        partial += __shfl_xor_sync(0xffffffffu, partial, offset, p.group);
      if (lane == 0) {
        float y = partial + Dd * u;
        if (p.z) {
          const float zv = sz[slot * T + t];
          y *= zv / (1.0f + expf(-zv));
        }
        sy[slot * T + t] = y;
      }
    }
    __syncthreads();
    for (int i = threadIdx.x; i < p.channels * steps; i += blockDim.x) {
      const int c = i / steps, t = i % steps, dc = d0 + c;
      if (dc < p.dim) p.out[(static_cast<std::size_t>(b) * p.dim + dc) * p.length + t0 + t] = sy[c * T + t];
    }
  }
  if (!active) return;
  for (int k = 0; k < perLane; ++k) {
    const int n = lane + k * p.group;
    if (n < N) p.last[(static_cast<std::size_t>(b) * p.dim + d) * N + n] = x[k];
  }
}

void check(cudaError_t err, const char* what) {
  if (err != cudaSuccess) throw CudaUnavailable(std::string(what) + ": " + cudaGetErrorString(err));
}

class DeviceMemory {
 public:
  ~DeviceMemory() {
    for (void* p : m_blocks) cudaFree(p);
  }
  // A copy of count host floats (nullptr stays nullptr).
  const float* upload(const float* host, std::size_t count, const char* what) {
    if (!host) return nullptr;
    float* p = allocate(count, what);
    check(cudaMemcpy(p, host, count * sizeof(float), cudaMemcpyHostToDevice), what);
    return p;
  }
  float* allocate(std::size_t count, const char* what) {
    void* p = nullptr;
    check(cudaMalloc(&p, std::max<std::size_t>(count, 1) * sizeof(float)), what);
    m_blocks.push_back(p);
    return static_cast<float*>(p);
  }

 private:
  std::vector<void*> m_blocks;
};

}  // namespace

ScanResult<float> selectiveScanCuda(const ScanShape& s, const ScanInputs<float>& in) {
  if (deviceReport().cudaDevices.empty()) throw CudaUnavailable(deviceReport().noCudaReason);
  if (s.state > kMaxPerLane * 32)
    throw CudaUnavailable("the CUDA scan holds at most " + std::to_string(kMaxPerLane * 32) + " state entries");
  Params p{};
  p.batch = s.batch, p.dim = s.dim, p.length = s.length, p.state = s.state;
  p.varyingB = s.varyingB, p.varyingC = s.varyingC, p.softplus = in.deltaSoftplus;
  p.group = 1;
  while (p.group < std::min(s.state, 32)) p.group *= 2;
  p.channels = kThreads / p.group;
  const int perStep = 4 * p.channels + (s.varyingB ? s.state : 0) + (s.varyingC ? s.state : 0);
  p.chunk = std::max(1, std::min(256, kSharedFloats / perStep));
  const std::size_t seq = static_cast<std::size_t>(s.batch) * s.dim * s.length;
  const std::size_t bcSize =
      s.varyingB ? static_cast<std::size_t>(s.batch) * s.state * s.length : static_cast<std::size_t>(s.dim) * s.state;
  const std::size_t ccSize =
      s.varyingC ? static_cast<std::size_t>(s.batch) * s.state * s.length : static_cast<std::size_t>(s.dim) * s.state;
  DeviceMemory mem;
  p.u = mem.upload(in.u, seq, "upload u");
  p.delta = mem.upload(in.delta, seq, "upload delta");
  p.A = mem.upload(in.A, static_cast<std::size_t>(s.dim) * s.state, "upload A");
  p.B = mem.upload(in.B, bcSize, "upload B");
  p.C = mem.upload(in.C, ccSize, "upload C");
  p.D = mem.upload(in.D, static_cast<std::size_t>(s.dim), "upload D");
  p.z = mem.upload(in.z, seq, "upload z");
  p.bias = mem.upload(in.deltaBias, static_cast<std::size_t>(s.dim), "upload delta bias");
  const std::size_t lastSize = static_cast<std::size_t>(s.batch) * s.dim * s.state;
  p.out = mem.allocate(seq, "cudaMalloc(out)");
  p.last = mem.allocate(lastSize, "cudaMalloc(last state)");
  const dim3 grid((s.dim + p.channels - 1) / p.channels, s.batch);
  scanKernel<<<grid, kThreads, static_cast<std::size_t>(perStep) * p.chunk * sizeof(float)>>>(p);
  check(cudaGetLastError(), "scanKernel launch");
  ScanResult<float> r;
  r.out.resize(seq);
  r.lastState.resize(lastSize);
  check(cudaMemcpy(r.out.data(), p.out, seq * sizeof(float), cudaMemcpyDeviceToHost), "download out");
  check(cudaMemcpy(r.lastState.data(), p.last, lastSize * sizeof(float), cudaMemcpyDeviceToHost), "download state");
  return r;
}

}  // namespace loupe::ssm
