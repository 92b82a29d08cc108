#include "engines/scaling/ConvKernels.h"

#include <cblas.h>

#include <algorithm>
#include <cstring>
#include <random>

#include "engines/core/Cancellation.h"
#include "engines/core/Error.h"
#include "engines/core/ThreadPool.h"

namespace loupe::scaling {

const char* convKindName(ConvKind k) {
  switch (k) {
    case ConvKind::Standard:
      return "standard";
    case ConvKind::Depthwise:
      return "depthwise";
    case ConvKind::Pointwise:
      return "pointwise";
  }
  return "?";
}

std::int64_t ConvProblem::weightElements() const {
  const std::int64_t perOutput = kind == ConvKind::Depthwise ? 1 : channels;
  return std::int64_t{out} * perOutput * kernel * kernel;
}

std::int64_t ConvProblem::macs() const {
  const std::int64_t perOutput = (kind == ConvKind::Depthwise ? 1 : channels) * std::int64_t{kernel} * kernel;
  return outputElements() * perOutput;
}

double ConvProblem::minimumBytes() const {
  return 4.0 * static_cast<double>(inputElements() + weightElements() + outputElements());
}

std::string ConvProblem::label() const {
  const std::string k = std::to_string(kernel);
  return std::string(convKindName(kind)) + " " + k + "×" + k + " s" + std::to_string(stride) + ", " +
         std::to_string(channels) + "×" + std::to_string(height) + "×" + std::to_string(width) + " → " +
         std::to_string(out);
}

void validate(const ConvProblem& p, const std::string& field) {
  if (p.channels <= 0 || p.height <= 0 || p.width <= 0 || p.out <= 0)
    throw InputError(field, "channels, height, width and out must be positive");
  if (p.kernel <= 0 || p.kernel % 2 == 0)
    throw InputError(field, "kernel must be odd and positive, not " + std::to_string(p.kernel));
  if (p.stride <= 0) throw InputError(field, "stride must be positive");
  if (p.kind == ConvKind::Pointwise && (p.kernel != 1 || p.stride != 1))
    throw InputError(field, "a pointwise convolution is 1×1 at stride 1");
  if (p.kind == ConvKind::Depthwise && p.out != p.channels)
    throw InputError(field, "a depthwise convolution has as many outputs as inputs");
}

namespace {

std::vector<float> uniform(std::int64_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::vector<float> v(static_cast<std::size_t>(n));
  for (auto& e : v) e = u(rng);
  return v;
}

// Rows of the im2col matrix: (c, ky, kx) × (oy, ox), zero where the window
// leaves the input.
void im2col(const ConvProblem& p, const float* in, float* cols) {
  const int k = p.kernel, oh = p.outHeight(), ow = p.outWidth(), pad = p.pad(), s = p.stride;
  ThreadPool::shared().parallelFor(0, std::int64_t{p.channels} * k * k, 4, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t row = begin; row < end; ++row) {
      const int c = static_cast<int>(row / (k * k)), ky = static_cast<int>(row / k % k), kx = static_cast<int>(row % k);
      float* dst = cols + row * oh * ow;
      const float* plane = in + std::int64_t{c} * p.height * p.width;
      for (int oy = 0; oy < oh; ++oy, dst += ow) {
        const int iy = oy * s + ky - pad;
        if (iy < 0 || iy >= p.height) {
          std::fill(dst, dst + ow, 0.0f);
          continue;
        }
        const float* src = plane + std::int64_t{iy} * p.width;
        for (int ox = 0; ox < ow; ++ox) {
          const int ix = ox * s + kx - pad;
          dst[ox] = ix >= 0 && ix < p.width ? src[ix] : 0.0f;
        }
      }
    }
  });
}

// Any k and stride: each channel's plane on its own; for every weight, a
// shifted row times a scalar added into the output row.
void depthwise(const ConvProblem& p, const float* in, const float* w, float* out) {
  const int k = p.kernel, oh = p.outHeight(), ow = p.outWidth(), pad = p.pad(), s = p.stride;
  ThreadPool::shared().parallelFor(0, p.channels, 1, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t c = begin; c < end; ++c) {
      const float* plane = in + c * p.height * p.width;
      const float* wc = w + c * k * k;
      float* dstPlane = out + c * oh * ow;
      for (int oy = 0; oy < oh; ++oy) {
        float* dst = dstPlane + std::int64_t{oy} * ow;
        std::fill(dst, dst + ow, 0.0f);
        for (int ky = 0; ky < k; ++ky) {
          const int iy = oy * s + ky - pad;
          if (iy < 0 || iy >= p.height) continue;
          const float* src = plane + std::int64_t{iy} * p.width;
          for (int kx = 0; kx < k; ++kx) {
            const float wv = wc[ky * k + kx];
            // ox with 0 ≤ ox·s + kx − pad < width.
            const int first = std::max(0, (pad - kx + s - 1) / s);
            const int reach = p.width - 1 + pad - kx;  // negative: no ox (division would round toward 0)
            const int last = reach < 0 ? -1 : std::min(ow - 1, reach / s);
            const float* row = src + kx - pad;
            if (s == 1)
              for (int ox = first; ox <= last; ++ox) dst[ox] += wv * row[ox];
            else
              for (int ox = first; ox <= last; ++ox) dst[ox] += wv * row[ox * s];
          }
        }
      }
    }
  });
}

// Stride 1 with a fixed k: each plane copied once into a zero-bordered
// buffer, then every output is one unrolled k×k sum over contiguous rows —
// no bounds tests, no re-reading of the output row per tap, so the ox loop
// vectorises (k² FMAs per vector of outputs).
template <int K>
void depthwisePadded(const ConvProblem& p, const float* in, const float* w, float* out) {
  constexpr int pad = (K - 1) / 2;
  const int h = p.height, wd = p.width, pw = wd + 2 * pad;
  ThreadPool::shared().parallelFor(0, p.channels, 1, [&](std::int64_t begin, std::int64_t end) {
    std::vector<float> padded(static_cast<std::size_t>(h + 2 * pad) * pw, 0.0f);  // the border stays 0
    for (std::int64_t c = begin; c < end; ++c) {
      const float* plane = in + c * h * wd;
      for (int y = 0; y < h; ++y)
        std::copy_n(plane + std::int64_t{y} * wd, wd, padded.data() + std::int64_t{y + pad} * pw + pad);
      float wk[K * K];
      std::copy_n(w + c * K * K, K * K, wk);
      float* dstPlane = out + c * h * wd;
      for (int oy = 0; oy < h; ++oy) {
        const float* rows[K];
        for (int ky = 0; ky < K; ++ky) rows[ky] = padded.data() + std::int64_t{oy + ky} * pw;
        float* __restrict__ dst = dstPlane + std::int64_t{oy} * wd;
        for (int ox = 0; ox < wd; ++ox) {
          float acc = 0.0f;
          for (int ky = 0; ky < K; ++ky)
            for (int kx = 0; kx < K; ++kx) acc += wk[ky * K + kx] * rows[ky][ox + kx];
          dst[ox] = acc;
        }
      }
    }
  });
}

}  // namespace

std::vector<float> randomInput(const ConvProblem& p, std::uint64_t seed) {
  return uniform(p.inputElements(), seed);
}
std::vector<float> randomWeights(const ConvProblem& p, std::uint64_t seed) {
  return uniform(p.weightElements(), seed ^ 0x9e3779b97f4a7c15ULL);
}

std::vector<double> convReference(const ConvProblem& p, const float* in, const float* w) {
  validate(p);
  const int k = p.kernel, oh = p.outHeight(), ow = p.outWidth(), pad = p.pad();
  const bool dw = p.kind == ConvKind::Depthwise;
  std::vector<double> out(static_cast<std::size_t>(p.outputElements()));
  for (int o = 0; o < p.out; ++o) {
    pollCancel();  // the float64 loop of a large layer takes seconds
    for (int oy = 0; oy < oh; ++oy)
      for (int ox = 0; ox < ow; ++ox) {
        double sum = 0;
        for (int c = dw ? o : 0; c < (dw ? o + 1 : p.channels); ++c)
          for (int ky = 0; ky < k; ++ky)
            for (int kx = 0; kx < k; ++kx) {
              const int iy = oy * p.stride + ky - pad, ix = ox * p.stride + kx - pad;
              if (iy < 0 || iy >= p.height || ix < 0 || ix >= p.width) continue;
              const std::int64_t wi =
                  dw ? (std::int64_t{o} * k + ky) * k + kx : ((std::int64_t{o} * p.channels + c) * k + ky) * k + kx;
              sum += double{w[wi]} * in[(std::int64_t{c} * p.height + iy) * p.width + ix];
            }
        out[(std::int64_t{o} * oh + oy) * ow + ox] = sum;
      }
  }
  return out;
}

void convolve(const ConvProblem& p, const float* in, const float* w, float* out, ConvScratch& scratch) {
  validate(p);
  const int spatial = p.outHeight() * p.outWidth();
  switch (p.kind) {
    case ConvKind::Depthwise:
      if (p.stride == 1 && p.kernel == 3) return depthwisePadded<3>(p, in, w, out);
      if (p.stride == 1 && p.kernel == 5) return depthwisePadded<5>(p, in, w, out);
      depthwise(p, in, w, out);
      return;
    case ConvKind::Pointwise:
      // out (Cout × HW) = W (Cout × Cin) · in (Cin × HW)
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, p.out, spatial, p.channels, 1.0f, w, p.channels, in,
                  spatial, 0.0f, out, spatial);
      return;
    case ConvKind::Standard: {
      const int depth = p.channels * p.kernel * p.kernel;
      scratch.columns.resize(static_cast<std::size_t>(depth) * spatial);
      im2col(p, in, scratch.columns.data());
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, p.out, spatial, depth, 1.0f, w, depth,
                  scratch.columns.data(), spatial, 0.0f, out, spatial);
      return;
    }
  }
}

}  // namespace loupe::scaling
