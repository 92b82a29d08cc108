// Test signals for HiPPO's online approximation, sampled at L points on
// t ∈ [0, 1) (cell centres t_k = (k + ½)/L, the convention of
// reconstructLegs): a sum of three seeded sines, a unit step at t = ½
// (a discontinuity: Gibbs ringing shows in the reconstruction), a linear
// chirp sin(2π(f₀t + (f₁ − f₀)t²/2)) from 1 to 20 cycles per unit, and
// seeded white noise (standard normal).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace loupe::ssm {

enum class Signal { Sines, Step, Chirp, Noise };

// "sines", "step", "chirp", "noise"; throws std::invalid_argument on others.
Signal signalFromName(const std::string& name);

std::vector<double> makeSignal(Signal signal, int length, std::uint64_t seed);

}  // namespace loupe::ssm
