#include <cuda_runtime.h>

#include <algorithm>
#include <string>
#include <vector>

#include "engines/core/CudaSupport.h"
#include "engines/ssm/SelectiveScanCuda.h"

namespace loupe::ssm {

namespace detail {
void checkScanShape(const ScanShape& s);  // SelectiveScan.cpp (ScanMath.h pulls in x86 intrinsics nvcc need not parse)
}  // namespace detail

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
  // B and C rows T + 1 apart: the lanes of a group read n = lane, lane + G, …
  // at one t, and a stride that is a multiple of 32 would put them all in one bank.
  const int ldBC = T + 1;
  float* sC = sB + (p.varyingB ? N * ldBC : 0);
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
      if (p.varyingB) sB[n * ldBC + t] = p.B[at];
      if (p.varyingC) sC[n * ldBC + t] = p.C[at];
    }
    __syncthreads();
    for (int t = 0; t < steps; ++t) {
      const float dt = sdt[slot * T + t], u = su[slot * T + t];
      float partial = 0.0f;
      for (int k = 0; k < perLane; ++k) {
        const int n = lane + k * p.group;
        if (n >= N) break;
        const float bn = p.varyingB ? sB[n * ldBC + t] : bConst[k];
        const float cn = p.varyingC ? sC[n * ldBC + t] : cConst[k];
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

// Floats staged per time step: u, Δ', z, y per channel; B and C per state when they vary.
int perStepFloats(const Params& p) {
  return 4 * p.channels + (p.varyingB ? p.state : 0) + (p.varyingC ? p.state : 0);
}
// And the padding column of each B and C row.
int paddingFloats(const Params& p) {
  return (p.varyingB ? p.state : 0) + (p.varyingC ? p.state : 0);
}
std::size_t sharedBytes(const Params& p) {
  return (static_cast<std::size_t>(perStepFloats(p)) * p.chunk + paddingFloats(p)) * sizeof(float);
}

// The launch shape: lanes per channel G, channels per block, chunk length.
Params planned(const ScanShape& s, bool softplus) {
  detail::checkScanShape(s);  // what the CPU paths refuse, this one does too
  if (deviceReport().cudaDevices.empty()) throw CudaUnavailable(deviceReport().noCudaReason);
  if (s.state > kMaxPerLane * 32)
    throw CudaUnavailable("the CUDA scan holds at most " + std::to_string(kMaxPerLane * 32) + " state entries");
  Params p{};
  p.batch = s.batch, p.dim = s.dim, p.length = s.length, p.state = s.state;
  p.varyingB = s.varyingB, p.varyingC = s.varyingC, p.softplus = softplus;
  p.group = 1;
  while (p.group < std::min(s.state, 32)) p.group *= 2;
  p.channels = kThreads / p.group;
  p.chunk = std::max(1, std::min(256, (kSharedFloats - paddingFloats(p)) / perStepFloats(p)));
  return p;
}

void launch(const Params& p) {
  const dim3 grid((p.dim + p.channels - 1) / p.channels, p.batch);
  if (p.batch > 65535) throw CudaUnavailable("the CUDA scan takes at most 65535 sequences per call");
  scanKernel<<<grid, kThreads, sharedBytes(p)>>>(p);
  cuda::check(cudaGetLastError(), "scanKernel launch");
}

struct Sizes {
  std::size_t seq, b, c, last;
};
Sizes sizes(const ScanShape& s) {
  const std::size_t bl = static_cast<std::size_t>(s.batch) * s.state * s.length,
                    dn = static_cast<std::size_t>(s.dim) * s.state;
  return {static_cast<std::size_t>(s.batch) * s.dim * s.length, s.varyingB ? bl : dn, s.varyingC ? bl : dn,
          static_cast<std::size_t>(s.batch) * s.dim * s.state};
}

__global__ void fill(float* p, std::size_t n, float lo, float hi, std::uint32_t seed) {
  for (std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<std::size_t>(gridDim.x) * blockDim.x) {
    p[i] = lo + (hi - lo) * cuda::hashUniform(i, seed);
  }
}

}  // namespace

ScanResult<float> selectiveScanCuda(const ScanShape& s, const ScanInputs<float>& in) {
  Params p = planned(s, in.deltaSoftplus);
  const Sizes n = sizes(s);
  cuda::Buffers mem;
  p.u = mem.upload<float>(in.u, n.seq, "upload u");
  p.delta = mem.upload<float>(in.delta, n.seq, "upload delta");
  p.A = mem.upload<float>(in.A, static_cast<std::size_t>(s.dim) * s.state, "upload A");
  p.B = mem.upload<float>(in.B, n.b, "upload B");
  p.C = mem.upload<float>(in.C, n.c, "upload C");
  p.D = mem.upload<float>(in.D, static_cast<std::size_t>(s.dim), "upload D");
  p.z = mem.upload<float>(in.z, n.seq, "upload z");
  p.bias = mem.upload<float>(in.deltaBias, static_cast<std::size_t>(s.dim), "upload delta bias");
  p.out = mem.allocate<float>(n.seq, "cudaMalloc(out)");
  p.last = mem.allocate<float>(n.last, "cudaMalloc(last state)");
  launch(p);
  ScanResult<float> r;
  r.out.resize(n.seq);
  r.lastState.resize(n.last);
  cuda::check(cudaMemcpy(r.out.data(), p.out, n.seq * sizeof(float), cudaMemcpyDeviceToHost), "download out");
  cuda::check(cudaMemcpy(r.lastState.data(), p.last, n.last * sizeof(float), cudaMemcpyDeviceToHost), "download state");
  return r;
}

double timeSelectiveScanCuda(const ScanShape& s, int repeats) {
  Params p = planned(s, true);
  const Sizes n = sizes(s);
  cuda::Buffers mem;
  auto filled = [&](std::size_t count, float lo, float hi, std::uint32_t seed) {
    float* d = mem.allocate<float>(count, "cudaMalloc(input)");
    fill<<<256, 256>>>(d, count, lo, hi, seed);
    return d;
  };
  p.u = filled(n.seq, -1, 1, 1);
  p.delta = filled(n.seq, -3, 0, 2);
  p.A = filled(static_cast<std::size_t>(s.dim) * s.state, -2, -0.1f, 3);
  p.B = filled(n.b, -1, 1, 4);
  p.C = filled(n.c, -1, 1, 5);
  p.D = filled(static_cast<std::size_t>(s.dim), -1, 1, 6);
  p.z = filled(n.seq, -1, 1, 7);
  p.bias = filled(static_cast<std::size_t>(s.dim), -1, 0, 8);
  p.out = mem.allocate<float>(n.seq, "cudaMalloc(out)");
  p.last = mem.allocate<float>(n.last, "cudaMalloc(last state)");
  cuda::check(cudaGetLastError(), "fill");
  return cuda::medianMilliseconds(repeats, [&] { launch(p); });
}

}  // namespace loupe::ssm
