// One step of Mamba's selective scan from a carried state — what a
// recurrent model runs for each generated token after a prompt's parallel
// scan (whose lastState is the state to carry):
//   Δ' = softplus(Δ + bias) (if asked),  x ← exp(Δ'·A) ⊙ x + Δ'·B·u,
//   y = ⟨x, C⟩ + D·u,  out = y · SiLU(z)
// for every channel d of one sequence; B and C are this step's (N each).
// The same recurrence as selectiveScanReference, step after step (tested:
// a scan of L tokens equals a scan of the first k and L − k steps).
#pragma once

namespace loupe::ssm {

struct ScanStep {
  int dim = 1, state = 16;           // channels D, state size N
  const float* u = nullptr;          // dim
  const float* delta = nullptr;      // dim
  const float* A = nullptr;          // dim × N
  const float* B = nullptr;          // N
  const float* C = nullptr;          // N
  const float* D = nullptr;          // dim, optional
  const float* z = nullptr;          // dim, optional
  const float* deltaBias = nullptr;  // dim, optional
  bool deltaSoftplus = false;
  float* deltaOut = nullptr;  // dim, optional: receives the Δ' each channel stepped with
};

// state: dim × N, updated in place; out: dim.
//
// Two paths, tested against each other: selectiveScanStepReference is the
// definition above, channel by channel with libm's exp and log1p;
// selectiveScanStep vectorises it (Δ' and the gate eight channels at a
// time, each channel's N states in vector lanes, the scan's polynomial exp
// — within a few float ulps of the reference), with AVX2 + FMA where the
// CPU has them and the baseline build of the same code elsewhere
// (selectiveScanStepBaseline runs that one anywhere, for the tests).
// The fast paths throw std::invalid_argument for a NaN in A (their exp
// would clamp it to a finite decay and hide it); the reference lets the
// NaN through into the state and the output, as the definition does.
void selectiveScanStep(const ScanStep& step, float* state, float* out);
void selectiveScanStepBaseline(const ScanStep& step, float* state, float* out);
void selectiveScanStepReference(const ScanStep& step, float* state, float* out);

}  // namespace loupe::ssm
