// Convolution kernels whose speed the roofline measures: standard (im2col +
// OpenBLAS SGEMM), depthwise (a direct loop over each channel's plane) and
// pointwise (one SGEMM, no im2col), float32, NCHW, batch 1, padding (k − 1)/2.
// A float64 direct loop is the readable reference the tests hold them to.
//
// Threading: convolve() fans out over ThreadPool::shared() (depthwise,
// im2col) and OpenBLAS's own threads (SGEMM); one call at a time per Scratch.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace loupe::scaling {

enum class ConvKind { Standard, Depthwise, Pointwise };
const char* convKindName(ConvKind k);  // "standard", "depthwise", "pointwise"

struct ConvProblem {
  ConvKind kind = ConvKind::Standard;
  int channels = 0, height = 0, width = 0;
  int out = 0;  // output channels (depthwise: = channels)
  int kernel = 3, stride = 1;

  int pad() const { return (kernel - 1) / 2; }
  int outHeight() const { return (height + 2 * pad() - kernel) / stride + 1; }
  int outWidth() const { return (width + 2 * pad() - kernel) / stride + 1; }
  std::int64_t inputElements() const { return std::int64_t{channels} * height * width; }
  std::int64_t outputElements() const { return std::int64_t{out} * outHeight() * outWidth(); }
  std::int64_t weightElements() const;
  std::int64_t macs() const;
  double flops() const { return 2.0 * static_cast<double>(macs()); }
  // What a kernel must at least move: input, weights and output, once each (float32).
  double minimumBytes() const;
  double intensity() const { return flops() / minimumBytes(); }  // FLOP per byte
  std::string label() const;                                     // "depthwise 3×3 s1, 32×112×112 → 32"
};

// Throws InputError naming `field` for an impossible problem (non-positive
// sizes, pointwise with a kernel ≠ 1, depthwise with out ≠ channels, …).
void validate(const ConvProblem& p, const std::string& field = "problem");

// Deterministic input and weights for a problem (uniform in [−1, 1)).
std::vector<float> randomInput(const ConvProblem& p, std::uint64_t seed);
std::vector<float> randomWeights(const ConvProblem& p, std::uint64_t seed);

// The float64 direct loop: every output as Σ w·x over its window.
std::vector<double> convReference(const ConvProblem& p, const float* input, const float* weights);

// Buffers reused between calls (im2col's matrix).
struct ConvScratch {
  std::vector<float> columns;
};

// The fast paths; `output` holds outputElements() floats.
void convolve(const ConvProblem& p, const float* input, const float* weights, float* output, ConvScratch& scratch);

// OpenCV DNN's convolution layer on the same problem (the peer): the net is
// built once, run() feeds an input and copies the result out.
class OpenCvConv {
 public:
  OpenCvConv(const ConvProblem& p, const float* weights);
  ~OpenCvConv();
  OpenCvConv(const OpenCvConv&) = delete;
  OpenCvConv& operator=(const OpenCvConv&) = delete;
  void run(const float* input, float* output);

 private:
  struct Impl;
  Impl* m_impl;
};

}  // namespace loupe::scaling
