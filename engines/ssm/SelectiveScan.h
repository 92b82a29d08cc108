// Mamba's selective scan (Gu & Dao 2023; the recurrence of
// mamba_ssm/ops/selective_scan_interface.py::selective_scan_ref):
//   Δ' = softplus(Δ + bias)  (if asked; else Δ + bias, bias optional)
//   x_t = exp(Δ'_t·A) ⊙ x_{t−1} + Δ'_t·B_t·u_t    (ZOH for A, Euler for B)
//   y_t = ⟨x_t, C_t⟩ + D·u_t;  out = y · SiLU(z)  (z optional)
// per batch b and channel d, with a state of N entries per channel.
//
// Layout (Mamba's): u, Δ, z: [batch][dim][L]; A: [dim][N]; B, C:
// [batch][N][L] when they vary with the input (the "selective" case) or
// [dim][N] when constant; D, bias: [dim]. Out: [batch][dim][L]; the last
// state [batch][dim][N].
//
// Three paths, tested against each other and against Mamba's reference:
// - selectiveScanReference<T>: the readable loop (T = double for tests);
// - selectiveScan: 8 channels in the lanes of a vector, groups of them in
//   parallel;
// - selectiveScanChunked: the parallel (associative) scan — L cut into
//   chunks scanned from zero state in parallel, chunk-end states combined
//   with (a₁, b₁)∘(a₂, b₂) = (a₁a₂, a₂b₁ + b₂) (the chunk's Ā product is
//   exp(A·ΣΔ')), then each chunk rescanned from its true start state.
#pragma once

#include <cstdint>
#include <vector>

namespace loupe::ssm {

struct ScanShape {
  int batch = 1;
  int dim = 1;     // channels D
  int length = 1;  // L
  int state = 16;  // N
  bool varyingB = true;
  bool varyingC = true;
};

template <class T>
struct ScanInputs {
  const T* u = nullptr;
  const T* delta = nullptr;
  const T* A = nullptr;
  const T* B = nullptr;
  const T* C = nullptr;
  const T* D = nullptr;          // optional
  const T* z = nullptr;          // optional
  const T* deltaBias = nullptr;  // optional
  bool deltaSoftplus = false;
};

template <class T>
struct ScanResult {
  std::vector<T> out;        // batch × dim × L
  std::vector<T> lastState;  // batch × dim × N
};

template <class T>
ScanResult<T> selectiveScanReference(const ScanShape& shape, const ScanInputs<T>& in);

// Which instruction set the fast path uses: Auto picks the best this CPU
// has; tests name each one to check every build against the reference.
enum class ScanIsa { Auto, Avx512, Avx2, Baseline };
bool scanIsaAvailable(ScanIsa isa);

ScanResult<float> selectiveScan(const ScanShape& shape, const ScanInputs<float>& in, ScanIsa isa = ScanIsa::Auto);
// The same into a result whose buffers are reused when they already have
// the right sizes; B and C's time-major copies live in the calling thread's
// scratch, so repeated calls of one shape (a model's forward loop) allocate
// nothing and take no page faults.
void selectiveScanInto(const ScanShape& shape, const ScanInputs<float>& in, ScanResult<float>& result,
                       ScanIsa isa = ScanIsa::Auto);

// isa: Auto or Avx2 (the AVX2 build where the CPU has it), Baseline (the
// portable one); there is no AVX-512 build of the chunked scan.
ScanResult<float> selectiveScanChunked(const ScanShape& shape, const ScanInputs<float>& in, int chunk,
                                       ScanIsa isa = ScanIsa::Auto);

// One channel (b, d) followed step by step in float64, for the panel: Δ'
// and the gate SiLU(z) over time, the state (N × L, row n is x_n over t)
// and y. The same recurrence as selectiveScanReference.
struct ScanTrace {
  std::vector<double> delta, gate, y;  // L each (gate is 1 without z)
  std::vector<double> state;           // N × L
};
ScanTrace selectiveScanTrace(const ScanShape& shape, const ScanInputs<float>& in, int batch, int channel);

// softplus as torch computes it (beta 1, threshold 20: x above 20 is x).
template <class T>
T softplus(T x);

}  // namespace loupe::ssm
