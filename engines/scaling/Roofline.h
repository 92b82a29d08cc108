// The roofline (Williams, Waterman & Patterson, CACM 2009) of this machine,
// measured: a kernel of intensity I (FLOP per byte of compulsory traffic)
// can reach at most min(peak FLOP/s, I · bandwidth). The ridge point
// peak / bandwidth separates memory-bound kernels (left) from compute-bound
// ones (right).
//
// - Peak FLOP/s: independent FMA chains in registers on every hardware
//   thread, with the widest vectors this CPU has (AVX-512, AVX2 or scalar).
// - SGEMM ceiling: OpenBLAS on a large square product (what real code gets).
// - Bandwidth: STREAM's triad a = b + s·c over arrays far larger than the
//   caches, counted as STREAM counts it (3 arrays × 4 bytes per element).
//
// Kernels whose data fit in cache can land above the DRAM roof; that is
// measured, not an error.
#pragma once

#include <string>
#include <vector>

#include "engines/scaling/ConvKernels.h"

namespace loupe::scaling {

struct MachinePeaks {
  // The compute roof: the higher of the FMA loop and SGEMM. On a shared
  // host a stolen time slice can slow the FMA loop below what SGEMM then
  // reaches; a rate that was reached is the better ceiling.
  double peakGflops = 0;
  double fmaGflops = 0;    // register-only FMA chains, all threads
  double sgemmGflops = 0;  // OpenBLAS SGEMM ceiling
  double triadGBs = 0;     // STREAM triad
  double copyGBs = 0;      // memcpy, read + write
  int threads = 0;
  std::string isa;                                        // "avx512", "avx2", "scalar"
  double ridge() const { return peakGflops / triadGBs; }  // FLOP per byte
};

// Each figure is the best of `repeats` timed runs after a warm-up.
MachinePeaks measurePeaks(int repeats = 5);

// What the roof allows at an intensity (GFLOP/s).
double attainableGflops(const MachinePeaks& peaks, double intensity);

enum class ConvImpl { Loupe, OpenCv };
const char* convImplName(ConvImpl i);  // "loupe", "opencv"

struct KernelPoint {
  ConvProblem problem;
  ConvImpl impl = ConvImpl::Loupe;
  double seconds = 0;      // median of the timed runs
  double gflops = 0;       // problem.flops() / seconds
  double gbs = 0;          // problem.minimumBytes() / seconds
  double maxAbsError = 0;  // against the float64 reference, when checked
};

// Times `repeats` runs (after one warm-up) and takes the median; when
// `check` is set, compares the output with convReference first.
KernelPoint measureKernel(const ConvProblem& p, ConvImpl impl, int repeats, bool check);

// Layer shapes from EfficientNet-B0 and ThunderNet's SNet: standard,
// depthwise (3×3 and 5×5) and pointwise convolutions. "quick" has three of
// each kind, "full" a wider sweep of sizes.
std::vector<ConvProblem> kernelSweep(const std::string& name);

}  // namespace loupe::scaling
