#include "engines/ssm/Signals.h"

#include <cmath>
#include <numbers>
#include <random>
#include <stdexcept>

namespace loupe::ssm {

Signal signalFromName(const std::string& name) {
  if (name == "sines") return Signal::Sines;
  if (name == "step") return Signal::Step;
  if (name == "chirp") return Signal::Chirp;
  if (name == "noise") return Signal::Noise;
  throw std::invalid_argument("unknown signal '" + name + "' (sines, step, chirp, noise)");
}

std::vector<double> makeSignal(Signal signal, int length, std::uint64_t seed) {
  if (length < 1) throw std::invalid_argument("signal length must be ≥ 1");
  std::vector<double> f(static_cast<std::size_t>(length));
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal;
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  const double twoPi = 2 * std::numbers::pi;
  double freq[3] = {}, phase[3] = {}, amp[3] = {};
  if (signal == Signal::Sines)
    for (int i = 0; i < 3; ++i) freq[i] = 1 + 7 * uniform(rng), phase[i] = twoPi * uniform(rng), amp[i] = 1.0 / (i + 1);
  for (int k = 0; k < length; ++k) {
    const double t = (k + 0.5) / length;
    double v = 0;
    switch (signal) {
      case Signal::Sines:
        for (int i = 0; i < 3; ++i) v += amp[i] * std::sin(twoPi * freq[i] * t + phase[i]);
        break;
      case Signal::Step:
        v = t < 0.5 ? 0.0 : 1.0;
        break;
      case Signal::Chirp:
        v = std::sin(twoPi * (1.0 * t + (20.0 - 1.0) * t * t / 2));
        break;
      case Signal::Noise:
        v = normal(rng);
        break;
    }
    f[static_cast<std::size_t>(k)] = v;
  }
  return f;
}

}  // namespace loupe::ssm
