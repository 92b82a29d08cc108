#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>
#include <mma.h>

#include <algorithm>
#include <cmath>
#include <mutex>
#include <string>
#include <type_traits>
#include <vector>

#include "engines/attention/FlashAttentionCuda.h"
#include "engines/core/CudaSupport.h"

namespace loupe::attention {

namespace {

using namespace nvcuda;

constexpr int kTile = 64;  // query rows and key rows per tile
constexpr int kWarps = 4;  // 16 query rows each
constexpr int kRows = 16;  // WMMA's M
constexpr int kThreads = 32 * kWarps;

template <class T>
__device__ inline T fromFloat(float x);
template <>
__device__ inline float fromFloat<float>(float x) {
  return x;
}
template <>
__device__ inline __half fromFloat<__half>(float x) {
  return __float2half_rn(x);
}
template <>
__device__ inline __nv_bfloat16 fromFloat<__nv_bfloat16>(float x) {
  return __float2bfloat16_rn(x);
}

__device__ inline bool visible(int i, int j, int n, int m) {
  return j <= i + (m - n);
}

struct Args {
  int heads, n, m;
  float scale;
  bool causal;
  const void *q, *k, *v;
  float *out, *lse;
  // Trace, kBlocks per (head, qBlock) row; nullptr when not asked.
  unsigned char* state;
  float *maxBefore, *maxAfter, *rescale;  // (lo, hi) pairs for the maxima
};

// S_w (16 × 64) = Q_w · K_tileᵀ for this warp's 16 rows.
template <class T, int D>
__device__ void scores(const T* sQ, const T* sK, float* sS, int warp, int lane) {
  if constexpr (std::is_same_v<T, float>) {
    // CUDA cores: lane → row lane / 2, 32 columns.
    const int r = lane / 2, c0 = (lane % 2) * 32;
    const float* qRow = sQ + (warp * kRows + r) * D;
    for (int c = c0; c < c0 + 32; ++c) {
      const float* kRow = sK + c * D;
      float acc = 0.0f;
      for (int e = 0; e < D; ++e) acc = fmaf(qRow[e], kRow[e], acc);
      sS[r * kTile + c] = acc;
    }
  } else {
    for (int cb = 0; cb < kTile / 16; ++cb) {
      wmma::fragment<wmma::accumulator, 16, 16, 16, float> acc;
      wmma::fill_fragment(acc, 0.0f);
      for (int kk = 0; kk < D / 16; ++kk) {
        wmma::fragment<wmma::matrix_a, 16, 16, 16, T, wmma::row_major> a;
        wmma::fragment<wmma::matrix_b, 16, 16, 16, T, wmma::col_major> b;  // Kᵀ: K's rows are its columns
        wmma::load_matrix_sync(a, sQ + warp * kRows * D + kk * 16, D);
        wmma::load_matrix_sync(b, sK + cb * 16 * D + kk * 16, D);
        wmma::mma_sync(acc, a, b, acc);
      }
      wmma::store_matrix_sync(sS + cb * 16, acc, kTile, wmma::mem_row_major);
    }
  }
}

// O_w (16 × D) += P_w (16 × 64) · V_tile (64 × D).
template <class T, int D>
__device__ void accumulate(const T* sP, const T* sV, float* sO, int lane) {
  if constexpr (std::is_same_v<T, float>) {
    const int r = lane / 2, c0 = (lane % 2) * (D / 2);
    for (int c = c0; c < c0 + D / 2; ++c) {
      float acc = sO[r * D + c];
      for (int j = 0; j < kTile; ++j) acc = fmaf(sP[r * kTile + j], sV[j * D + c], acc);
      sO[r * D + c] = acc;
    }
  } else {
    for (int cb = 0; cb < D / 16; ++cb) {
      wmma::fragment<wmma::accumulator, 16, 16, 16, float> acc;
      wmma::load_matrix_sync(acc, sO + cb * 16, D, wmma::mem_row_major);
      for (int kk = 0; kk < kTile / 16; ++kk) {
        wmma::fragment<wmma::matrix_a, 16, 16, 16, T, wmma::row_major> a;
        wmma::fragment<wmma::matrix_b, 16, 16, 16, T, wmma::row_major> b;
        wmma::load_matrix_sync(a, sP + kk * 16, kTile);
        wmma::load_matrix_sync(b, sV + kk * 16 * D + cb * 16, D);
        wmma::mma_sync(acc, a, b, acc);
      }
      wmma::store_matrix_sync(sO + cb * 16, acc, D, wmma::mem_row_major);
    }
  }
}

template <class T, int D>
constexpr std::size_t sharedBytes() {
  auto round = [](std::size_t b) { return (b + 127) / 128 * 128; };
  return 3 * round(kTile * D * sizeof(T))             // Q, K, V tiles
         + round(kWarps * kRows * kTile * 4)          // S
         + round(kWarps * kRows * kTile * sizeof(T))  // P
         + round(kWarps * kRows * D * 4)              // O
         + 4 * round(kTile * 4);                      // m, l, and a row's max before / rescale
}

// grid: (query blocks, heads); d = dv = D.
template <class T, int D>
__global__ void __launch_bounds__(kThreads) flashKernel(Args a) {
  extern __shared__ __align__(128) unsigned char smem[];
  auto round = [](std::size_t b) { return (b + 127) / 128 * 128; };
  T* sQ = reinterpret_cast<T*>(smem);
  T* sK = reinterpret_cast<T*>(smem + round(kTile * D * sizeof(T)));
  T* sV = reinterpret_cast<T*>(smem + 2 * round(kTile * D * sizeof(T)));
  float* sS = reinterpret_cast<float*>(smem + 3 * round(kTile * D * sizeof(T)));
  T* sP = reinterpret_cast<T*>(reinterpret_cast<unsigned char*>(sS) + round(kWarps * kRows * kTile * 4));
  float* sO =
      reinterpret_cast<float*>(reinterpret_cast<unsigned char*>(sP) + round(kWarps * kRows * kTile * sizeof(T)));
  float* sM = reinterpret_cast<float*>(reinterpret_cast<unsigned char*>(sO) + round(kWarps * kRows * D * 4));
  float* sL = sM + round(kTile * 4) / 4;
  float* sBefore = sL + round(kTile * 4) / 4;
  float* sAlpha = sBefore + round(kTile * 4) / 4;

  const int qb = blockIdx.x, h = blockIdx.y, warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int i0 = qb * kTile, rows = min(kTile, a.n - i0);
  const int kBlocks = (a.m + kTile - 1) / kTile;
  const T* q = static_cast<const T*>(a.q) + (static_cast<std::size_t>(h) * a.n + i0) * D;
  const T* k = static_cast<const T*>(a.k) + static_cast<std::size_t>(h) * a.m * D;
  const T* v = static_cast<const T*>(a.v) + static_cast<std::size_t>(h) * a.m * D;
  for (int i = threadIdx.x; i < kTile * D; i += kThreads) sQ[i] = i / D < rows ? q[i] : fromFloat<T>(0.0f);
  for (int i = threadIdx.x; i < kWarps * kRows * D; i += kThreads) sO[i] = 0.0f;
  for (int i = threadIdx.x; i < kTile; i += kThreads) sM[i] = -INFINITY, sL[i] = 0.0f;
  const std::size_t traceRow = (static_cast<std::size_t>(h) * gridDim.x + qb) * kBlocks;

  T* sPw = sP + warp * kRows * kTile;
  float* sSw = sS + warp * kRows * kTile;
  float* sOw = sO + warp * kRows * D;
  for (int kb = 0; kb < kBlocks; ++kb) {
    const int j0 = kb * kTile, cols = min(kTile, a.m - j0);
    if (a.causal && !visible(i0 + rows - 1, j0, a.n, a.m)) break;  // this and every later tile: skipped
    const bool partial = a.causal && !visible(i0, j0 + cols - 1, a.n, a.m);
    __syncthreads();  // the previous tile's K and V are no longer read
    for (int i = threadIdx.x; i < kTile * D; i += kThreads) {
      const bool in = i / D < cols;
      sK[i] = in ? k[static_cast<std::size_t>(j0) * D + i] : fromFloat<T>(0.0f);
      sV[i] = in ? v[static_cast<std::size_t>(j0) * D + i] : fromFloat<T>(0.0f);
    }
    __syncthreads();
    scores<T, D>(sQ, sK, sSw, warp, lane);
    __syncwarp();
    // Online softmax: two lanes per row, 32 columns each.
    const int r = lane / 2, half = lane % 2, row = warp * kRows + r, i = i0 + row;
    const float mOld = sM[row];
    float local = -INFINITY;
    for (int c = half * 32; c < half * 32 + 32; ++c) {
      const bool keep = row < rows && c < cols && (!a.causal || visible(i, j0 + c, a.n, a.m));
      const float s = keep ? sSw[r * kTile + c] * a.scale : -INFINITY;
      sSw[r * kTile + c] = s;
      local = fmaxf(local, s);
    }
    local = fmaxf(local, __shfl_xor_sync(0xffffffffu, local, 1));
    const float mNew = fmaxf(mOld, local);
    const float alpha = mNew == -INFINITY ? 1.0f : expf(mOld - mNew);
    float sum = 0.0f;
    for (int c = half * 32; c < half * 32 + 32; ++c) {
      const float s = sSw[r * kTile + c];
      const float p = s == -INFINITY ? 0.0f : expf(s - mNew);
      sum += p;
      sPw[r * kTile + c] = fromFloat<T>(p);
    }
    sum += __shfl_xor_sync(0xffffffffu, sum, 1);
    for (int c = half * (D / 2); c < half * (D / 2) + D / 2; ++c) sOw[r * D + c] *= alpha;
    __syncwarp();
    if (half == 0) {
      sBefore[row] = mOld;
      sAlpha[row] = mOld == -INFINITY ? 1.0f : alpha;  // a row's first keys rescale nothing (as the CPU counts)
      sM[row] = mNew;
      sL[row] = alpha * sL[row] + sum;
    }
    accumulate<T, D>(sPw, sV, sOw, lane);
    if (a.state) {
      __syncthreads();
      if (threadIdx.x == 0) {
        float bLo = INFINITY, bHi = -INFINITY, aLo = INFINITY, aHi = -INFINITY, smallest = 1.0f;
        for (int x = 0; x < rows; ++x) {
          bLo = fminf(bLo, sBefore[x]), bHi = fmaxf(bHi, sBefore[x]);
          aLo = fminf(aLo, sM[x]), aHi = fmaxf(aHi, sM[x]);
          smallest = fminf(smallest, sAlpha[x]);
        }
        const std::size_t t = traceRow + kb;
        a.state[t] = partial ? 1 : 0;
        a.maxBefore[2 * t] = bLo, a.maxBefore[2 * t + 1] = bHi;
        a.maxAfter[2 * t] = aLo, a.maxAfter[2 * t + 1] = aHi;
        a.rescale[t] = smallest;
      }
    }
  }
  __syncthreads();
  for (int idx = threadIdx.x; idx < rows * D; idx += kThreads) {
    const int row = idx / D, c = idx % D;
    const float l = sL[row];
    a.out[(static_cast<std::size_t>(h) * a.n + i0 + row) * D + c] = l > 0 ? sO[row * D + c] / l : 0.0f;
  }
  for (int row = threadIdx.x; row < rows; row += kThreads) {
    const float l = sL[row];
    a.lse[static_cast<std::size_t>(h) * a.n + i0 + row] = l > 0 ? sM[row] + logf(l) : -INFINITY;
  }
}

template <class T, int D>
void launch(const Args& a, int qBlocks, cudaStream_t stream = nullptr) {
  constexpr std::size_t bytes = sharedBytes<T, D>();
  // Once per kernel: check that this GPU gives a block that much shared
  // memory (sm_86/89/120 allow 99 KiB, sm_80 163, sm_90 227), then ask for it.
  static std::once_flag configured;
  std::call_once(configured, [] {
    int limit = 0;
    cuda::check(cudaDeviceGetAttribute(&limit, cudaDevAttrMaxSharedMemoryPerBlockOptin, 0),
                "cudaDeviceGetAttribute(shared memory)");
    if (static_cast<std::size_t>(limit) < bytes)
      throw CudaUnavailable("this kernel needs " + std::to_string(bytes) +
                            " bytes of shared memory per block; the GPU allows " + std::to_string(limit));
    cuda::check(
        cudaFuncSetAttribute(flashKernel<T, D>, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(bytes)),
        "cudaFuncSetAttribute(shared memory)");
  });
  if (a.heads > 65535) throw CudaUnavailable("the CUDA kernel takes at most 65535 heads per call");
  flashKernel<T, D><<<dim3(qBlocks, a.heads), kThreads, bytes, stream>>>(a);
  cuda::check(cudaGetLastError(), "flash attention launch");
}

// Element type 0: f32, 1: f16, 2: bf16.
void dispatch(int type, int d, const Args& a, int qBlocks, cudaStream_t stream = nullptr) {
  if (d == 64) {
    if (type == 0) return launch<float, 64>(a, qBlocks, stream);
    if (type == 1) return launch<__half, 64>(a, qBlocks, stream);
    return launch<__nv_bfloat16, 64>(a, qBlocks, stream);
  }
  if (type == 0) return launch<float, 128>(a, qBlocks, stream);
  if (type == 1) return launch<__half, 128>(a, qBlocks, stream);
  return launch<__nv_bfloat16, 128>(a, qBlocks, stream);
}

void requireSupported(const AttentionShape& s, const FlashOptions& o) {
  if (deviceReport().cudaDevices.empty()) throw CudaUnavailable(deviceReport().noCudaReason);
  if (s.d != s.dv || (s.d != 64 && s.d != 128))
    throw CudaUnavailable("the CUDA kernel takes d = dv = 64 or 128, not d = " + std::to_string(s.d) +
                          ", dv = " + std::to_string(s.dv));
  if (o.blockMask || o.keep) throw CudaUnavailable("block and element masks run on the CPU");
  if (s.kvHeads != 0 || s.kvRowStride != 0)
    throw CudaUnavailable("grouped key/value heads and strided KV caches run on the CPU");
  if (o.blockQ != kTile || o.blockK != kTile) throw CudaUnavailable("the CUDA kernel tiles 64 × 64");
}

template <class E>
AttentionResult<float> run(const E* q, const E* k, const E* v, int type, const AttentionShape& s, const FlashOptions& o,
                           TileTrace* trace) {
  requireSupported(s, o);
  if (s.heads <= 0 || s.n <= 0) {  // nothing to compute (an empty grid is a launch error)
    if (trace) *trace = TileTrace{};
    return {};
  }
  const int qBlocks = (s.n + kTile - 1) / kTile, kBlocks = (s.m + kTile - 1) / kTile;
  const std::size_t qn = static_cast<std::size_t>(s.heads) * s.n * s.d,
                    kn = static_cast<std::size_t>(s.heads) * s.m * s.d;
  cuda::Buffers mem;
  Args a{};
  a.heads = s.heads, a.n = s.n, a.m = s.m, a.causal = o.causal;
  a.scale = static_cast<float>(o.scale > 0 ? o.scale : 1.0 / std::sqrt(static_cast<double>(s.d)));
  a.q = mem.upload(q, qn, "upload Q");
  a.k = mem.upload(k, kn, "upload K");
  a.v = mem.upload(v, kn, "upload V");
  a.out = mem.allocate<float>(static_cast<std::size_t>(s.heads) * s.n * s.dv, "cudaMalloc(out)");
  a.lse = mem.allocate<float>(static_cast<std::size_t>(s.heads) * s.n, "cudaMalloc(lse)");
  const std::size_t tiles = static_cast<std::size_t>(s.heads) * qBlocks * kBlocks;
  if (trace) {
    a.state = mem.allocate<unsigned char>(tiles, "cudaMalloc(trace)");
    cuda::check(cudaMemset(a.state, 2, tiles), "cudaMemset(trace)");  // 2 = skipped until a tile runs
    a.maxBefore = mem.allocate<float>(2 * tiles, "cudaMalloc(trace)");
    a.maxAfter = mem.allocate<float>(2 * tiles, "cudaMalloc(trace)");
    a.rescale = mem.allocate<float>(tiles, "cudaMalloc(trace)");
  }
  dispatch(type, s.d, a, qBlocks);
  AttentionResult<float> r;
  r.out.resize(static_cast<std::size_t>(s.heads) * s.n * s.dv);
  r.lse.resize(static_cast<std::size_t>(s.heads) * s.n);
  cuda::check(cudaMemcpy(r.out.data(), a.out, r.out.size() * 4, cudaMemcpyDeviceToHost), "download out");
  cuda::check(cudaMemcpy(r.lse.data(), a.lse, r.lse.size() * 4, cudaMemcpyDeviceToHost), "download lse");
  if (trace) {
    std::vector<unsigned char> state(tiles);
    std::vector<float> before(2 * tiles), after(2 * tiles), rescale(tiles);
    cuda::check(cudaMemcpy(state.data(), a.state, tiles, cudaMemcpyDeviceToHost), "download trace");
    cuda::check(cudaMemcpy(before.data(), a.maxBefore, 2 * tiles * 4, cudaMemcpyDeviceToHost), "download trace");
    cuda::check(cudaMemcpy(after.data(), a.maxAfter, 2 * tiles * 4, cudaMemcpyDeviceToHost), "download trace");
    cuda::check(cudaMemcpy(rescale.data(), a.rescale, tiles * 4, cudaMemcpyDeviceToHost), "download trace");
    trace->qBlocks = qBlocks, trace->kBlocks = kBlocks;
    trace->events.clear();
    const std::int64_t element = sizeof(E);
    for (int h = 0; h < s.heads; ++h)
      for (int qb = 0; qb < qBlocks; ++qb)
        for (int kb = 0; kb < kBlocks; ++kb) {
          const std::size_t t = (static_cast<std::size_t>(h) * qBlocks + qb) * kBlocks + kb;
          TileEvent ev;
          ev.head = h, ev.qBlock = qb, ev.kBlock = kb;
          ev.state = static_cast<TileState>(state[t]);
          if (ev.state != TileState::Skipped) {
            const std::int64_t rows = std::min(kTile, s.n - qb * kTile), cols = std::min(kTile, s.m - kb * kTile);
            ev.maxBeforeLo = before[2 * t], ev.maxBeforeHi = before[2 * t + 1];
            ev.maxAfterLo = after[2 * t], ev.maxAfterHi = after[2 * t + 1];
            ev.rescale = rescale[t];
            ev.flops = 2 * rows * cols * s.d + 2 * rows * cols * s.dv;
            ev.bytesRead = cols * (s.d + s.dv) * element + (kb == 0 ? rows * s.d * element : 0);
          }
          trace->events.push_back(ev);
        }
  }
  return r;
}

}  // namespace

AttentionResult<float> flashAttentionCuda(const float* q, const float* k, const float* v, const AttentionShape& shape,
                                          const FlashOptions& options, TileTrace* trace) {
  return run(q, k, v, 0, shape, options, trace);
}

AttentionResult<float> flashAttentionCuda(const std::uint16_t* q, const std::uint16_t* k, const std::uint16_t* v,
                                          DType type, const AttentionShape& shape, const FlashOptions& options,
                                          TileTrace* trace) {
  if (type != DType::F16 && type != DType::BF16) throw CudaUnavailable("16-bit inputs are f16 or bf16");
  return run(q, k, v, type == DType::F16 ? 1 : 2, shape, options, trace);
}

namespace {
__global__ void fillRandom(std::uint16_t* p, std::size_t n, int type, std::uint32_t seed) {
  for (std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<std::size_t>(gridDim.x) * blockDim.x) {
    const float u = cuda::hashUniform(i, seed) * 2.0f - 1.0f;
    if (type == 1) {
      p[i] = __half_as_ushort(__float2half_rn(u));
    } else {
      p[i] = __bfloat16_as_ushort(__float2bfloat16_rn(u));
    }
  }
}
}  // namespace

double timeFlashAttentionCuda(const AttentionShape& s, DType type, bool causal, int repeats) {
  FlashOptions o;
  o.causal = causal;
  requireSupported(s, o);
  if (type != DType::F16 && type != DType::BF16) throw CudaUnavailable("the benchmark times f16 or bf16");
  const int t = type == DType::F16 ? 1 : 2;
  const std::size_t qn = static_cast<std::size_t>(s.heads) * s.n * s.d,
                    kn = static_cast<std::size_t>(s.heads) * s.m * s.d;
  cuda::Buffers mem;
  Args a{};
  a.heads = s.heads, a.n = s.n, a.m = s.m, a.causal = causal;
  a.scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(s.d)));
  auto* q = mem.allocate<std::uint16_t>(qn, "cudaMalloc(Q)");
  auto* k = mem.allocate<std::uint16_t>(kn, "cudaMalloc(K)");
  auto* v = mem.allocate<std::uint16_t>(kn, "cudaMalloc(V)");
  fillRandom<<<256, 256>>>(q, qn, t, 1);
  fillRandom<<<256, 256>>>(k, kn, t, 2);
  fillRandom<<<256, 256>>>(v, kn, t, 3);
  cuda::check(cudaGetLastError(), "fill");
  a.q = q, a.k = k, a.v = v;
  a.out = mem.allocate<float>(static_cast<std::size_t>(s.heads) * s.n * s.dv, "cudaMalloc(out)");
  a.lse = mem.allocate<float>(static_cast<std::size_t>(s.heads) * s.n, "cudaMalloc(lse)");
  const int qBlocks = (s.n + kTile - 1) / kTile;
  return cuda::medianMilliseconds(repeats, [&] { dispatch(t, s.d, a, qBlocks); });
}

}  // namespace loupe::attention
