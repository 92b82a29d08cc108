#include <cuda_runtime.h>

#include <algorithm>
#include <cub/device/device_select.cuh>
#include <string>
#include <vector>

#include "engines/core/CudaSupport.h"
#include "engines/rgbd/DepthToCloudCuda.h"

namespace loupe::rgbd {

namespace {

struct Point3 {
  float x, y, z;
};
struct Colour3 {
  std::uint8_t r, g, b;
};

template <class Depth>
__global__ void backProject(const Depth* raw, float scale, const float* xFactor, const float* yFactor, int width,
                            int height, float zMin, float zMax, Point3* xyz, char* valid) {
  const int u = blockIdx.x * blockDim.x + threadIdx.x, v = blockIdx.y * blockDim.y + threadIdx.y;
  if (u >= width || v >= height) return;
  const std::size_t i = static_cast<std::size_t>(v) * width + u;
  const float z = static_cast<float>(raw[i]) * scale;
  const bool ok = z > 0.0f && z >= zMin && z < zMax;
  // Invalid: the quiet NaN 0x7fc00000 in x, y and z, the bits the CPU path
  // writes (x86 returns the NaN operand of NaN·x; a GPU multiply would give
  // its canonical 0x7fffffff).
  const float nan = __int_as_float(0x7fc00000);
  xyz[i] = ok ? Point3{xFactor[u] * z, yFactor[v] * z, z} : Point3{nan, nan, nan};
  valid[i] = ok;
}

// Keeps the flagged elements in order; returns how many.
template <class T>
std::size_t select(cuda::Buffers& mem, const T* in, const char* flags, T* out, std::size_t n) {
  int* count = mem.allocate<int>(1, "cudaMalloc(count)");
  std::size_t tempBytes = 0;
  cuda::check(cub::DeviceSelect::Flagged(nullptr, tempBytes, in, flags, out, count, static_cast<int>(n)), "cub select");
  void* temp = mem.allocate<char>(tempBytes, "cudaMalloc(cub scratch)");
  cuda::check(cub::DeviceSelect::Flagged(temp, tempBytes, in, flags, out, count, static_cast<int>(n)), "cub select");
  int host = 0;
  cuda::check(cudaMemcpy(&host, count, sizeof host, cudaMemcpyDeviceToHost), "cudaMemcpy(count)");
  return static_cast<std::size_t>(host);
}

template <class Depth>
void depthToCloud(const Depth* raw, double depthScale, const std::uint8_t* rgb, const PinholeIntrinsics& k,
                  DepthRange range, PointCloud& organized, PointCloud* compact) {
  if (deviceReport().cudaDevices.empty()) throw CudaUnavailable(deviceReport().noCudaReason);
  const int w = k.width, h = k.height;
  const std::size_t n = static_cast<std::size_t>(w) * h;
  // The factors exactly as the CPU fast path makes them.
  std::vector<float> xFactor(static_cast<std::size_t>(w)), yFactor(static_cast<std::size_t>(h));
  for (int u = 0; u < w; ++u) xFactor[static_cast<std::size_t>(u)] = static_cast<float>((u - k.cx) / k.fx);
  for (int v = 0; v < h; ++v) yFactor[static_cast<std::size_t>(v)] = static_cast<float>((v - k.cy) / k.fy);
  cuda::Buffers mem;
  auto* dRaw = mem.allocate<Depth>(n, "cudaMalloc(depth)");
  auto* dX = mem.allocate<float>(xFactor.size(), "cudaMalloc(x factors)");
  auto* dY = mem.allocate<float>(yFactor.size(), "cudaMalloc(y factors)");
  auto* dXyz = mem.allocate<Point3>(n, "cudaMalloc(points)");
  auto* dValid = mem.allocate<char>(n, "cudaMalloc(valid)");
  cuda::check(cudaMemcpy(dRaw, raw, n * sizeof(Depth), cudaMemcpyHostToDevice), "cudaMemcpy(depth)");
  cuda::check(cudaMemcpy(dX, xFactor.data(), xFactor.size() * sizeof(float), cudaMemcpyHostToDevice), "cudaMemcpy(x)");
  cuda::check(cudaMemcpy(dY, yFactor.data(), yFactor.size() * sizeof(float), cudaMemcpyHostToDevice), "cudaMemcpy(y)");
  organized.width = w;
  organized.height = h;
  if (n == 0) {  // an empty grid is a launch error; an empty frame is empty clouds
    organized.xyz.clear(), organized.rgb.clear(), organized.normals.clear();
    if (compact) *compact = PointCloud{};
    return;
  }
  const dim3 block(32, 8), grid((w + 31) / 32, (h + 7) / 8);
  backProject<<<grid, block>>>(dRaw, static_cast<float>(depthScale), dX, dY, w, h,
                               static_cast<float>(std::max(range.min, 0.0)), static_cast<float>(range.max), dXyz,
                               dValid);
  cuda::check(cudaGetLastError(), "backProject launch");
  organized.width = w;
  organized.height = h;
  organized.xyz.resize(n * 3);
  organized.normals.clear();
  cuda::check(cudaMemcpy(organized.xyz.data(), dXyz, n * sizeof(Point3), cudaMemcpyDeviceToHost), "cudaMemcpy(points)");
  if (rgb)
    organized.rgb.assign(rgb, rgb + n * 3);
  else
    organized.rgb.clear();
  if (!compact) return;
  auto* dKept = mem.allocate<Point3>(n, "cudaMalloc(kept points)");
  const std::size_t kept = select(mem, dXyz, dValid, dKept, n);
  compact->width = static_cast<int>(kept);
  compact->height = 1;
  compact->normals.clear();
  compact->xyz.resize(kept * 3);
  cuda::check(cudaMemcpy(compact->xyz.data(), dKept, kept * sizeof(Point3), cudaMemcpyDeviceToHost),
              "cudaMemcpy(kept)");
  compact->rgb.clear();
  if (!rgb) return;
  auto* dRgb = mem.allocate<Colour3>(n, "cudaMalloc(colours)");
  auto* dRgbKept = mem.allocate<Colour3>(n, "cudaMalloc(kept colours)");
  cuda::check(cudaMemcpy(dRgb, rgb, n * sizeof(Colour3), cudaMemcpyHostToDevice), "cudaMemcpy(colours)");
  if (select(mem, dRgb, dValid, dRgbKept, n) != kept) throw CudaUnavailable("colour selection kept a different count");
  compact->rgb.resize(kept * 3);
  cuda::check(cudaMemcpy(compact->rgb.data(), dRgbKept, kept * sizeof(Colour3), cudaMemcpyDeviceToHost),
              "cudaMemcpy(kept colours)");
}

// Raw depth in millimetres, uniform over 0.2 … 6 m with ~5 % zeros (holes).
__global__ void fillDepth(std::uint16_t* raw, std::size_t n) {
  const std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x;
  if (i >= n) return;
  const float hole = cuda::hashUniform(i, 7), mm = cuda::hashUniform(i, 11);
  raw[i] = hole < 0.05f ? 0 : static_cast<std::uint16_t>(200.0f + 5800.0f * mm);
}

}  // namespace

double timeDepthToCloudCuda(int width, int height, int repeats, std::size_t& kept) {
  if (deviceReport().cudaDevices.empty()) throw CudaUnavailable(deviceReport().noCudaReason);
  const std::size_t n = static_cast<std::size_t>(width) * height;
  if (n == 0) throw CudaUnavailable("timeDepthToCloudCuda: empty frame");
  const PinholeIntrinsics k{width, height, 525.0, 525.0, width / 2.0, height / 2.0};
  std::vector<float> xFactor(static_cast<std::size_t>(width)), yFactor(static_cast<std::size_t>(height));
  for (int u = 0; u < width; ++u) xFactor[static_cast<std::size_t>(u)] = static_cast<float>((u - k.cx) / k.fx);
  for (int v = 0; v < height; ++v) yFactor[static_cast<std::size_t>(v)] = static_cast<float>((v - k.cy) / k.fy);
  cuda::Buffers mem;
  auto* dRaw = mem.allocate<std::uint16_t>(n, "cudaMalloc(depth)");
  auto* dX = mem.upload(xFactor.data(), xFactor.size(), "cudaMalloc(x factors)");
  auto* dY = mem.upload(yFactor.data(), yFactor.size(), "cudaMalloc(y factors)");
  auto* dXyz = mem.allocate<Point3>(n, "cudaMalloc(points)");
  auto* dValid = mem.allocate<char>(n, "cudaMalloc(valid)");
  auto* dKept = mem.allocate<Point3>(n, "cudaMalloc(kept points)");
  int* dCount = mem.allocate<int>(1, "cudaMalloc(count)");
  fillDepth<<<static_cast<unsigned>((n + 255) / 256), 256>>>(dRaw, n);
  cuda::check(cudaGetLastError(), "fillDepth launch");
  std::size_t tempBytes = 0;
  cuda::check(cub::DeviceSelect::Flagged(nullptr, tempBytes, dXyz, dValid, dKept, dCount, static_cast<int>(n)),
              "cub select");
  void* temp = mem.allocate<char>(tempBytes, "cudaMalloc(cub scratch)");
  const dim3 block(32, 8), grid((width + 31) / 32, (height + 7) / 8);
  const double ms = cuda::medianMilliseconds(repeats, [&] {
    backProject<<<grid, block>>>(dRaw, 1e-3f, dX, dY, width, height, 0.0f, 10.0f, dXyz, dValid);
    cuda::check(cudaGetLastError(), "backProject launch");
    cuda::check(cub::DeviceSelect::Flagged(temp, tempBytes, dXyz, dValid, dKept, dCount, static_cast<int>(n)),
                "cub select");
  });
  int host = 0;
  cuda::check(cudaMemcpy(&host, dCount, sizeof host, cudaMemcpyDeviceToHost), "cudaMemcpy(count)");
  kept = static_cast<std::size_t>(host);
  return ms;
}

void depthToCloudCuda(const std::uint16_t* raw, double depthScale, const std::uint8_t* rgb, const PinholeIntrinsics& k,
                      DepthRange range, PointCloud& organized, PointCloud* compact) {
  depthToCloud(raw, depthScale, rgb, k, range, organized, compact);
}

void depthToCloudCuda(const float* depthMetres, const std::uint8_t* rgb, const PinholeIntrinsics& k, DepthRange range,
                      PointCloud& organized, PointCloud* compact) {
  depthToCloud(depthMetres, 1.0, rgb, k, range, organized, compact);
}

}  // namespace loupe::rgbd
