// Seeded random inputs for tests and benchmarks: the same seed gives the
// same values on every run and machine (the standard engines are fully
// specified; std::normal_distribution is libstdc++'s, the only one we build
// with). Header-only, so the GPU test and benchmark programs, which link no
// test support library, can use it too.
//
// NormalDraws keeps one engine and one distribution across fills: a test
// that draws q, then k, then v from one generator gets exactly the values
// it got before with one `std::normal_distribution g` (which caches every
// second value, so a fresh distribution per fill would not).
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

namespace loupe::testing {

template <class T = float, class Engine = std::mt19937>
class NormalDraws {
 public:
  explicit NormalDraws(std::uint64_t seed, T mean = T(0), T stddev = T(1))
      : m_engine(static_cast<typename Engine::result_type>(seed)), m_normal(mean, stddev) {}

  T operator()() { return m_normal(m_engine); }

  // Resizes `x` to n and fills it with the next n draws.
  void fill(std::vector<T>& x, std::size_t n) {
    x.resize(n);
    for (auto& e : x) e = m_normal(m_engine);
  }
  std::vector<T> vector(std::size_t n) {
    std::vector<T> x;
    fill(x, n);
    return x;
  }

  // For a test that also draws other distributions from the same engine.
  Engine& engine() { return m_engine; }

 private:
  Engine m_engine;
  std::normal_distribution<T> m_normal;
};

// n draws of N(0, 1) from Engine(seed): what
//   Engine rng(seed); std::normal_distribution<T> g; for (auto& e : x) e = g(rng);
// gives.
template <class T = float, class Engine = std::mt19937>
std::vector<T> normalVector(std::size_t n, std::uint64_t seed) {
  return NormalDraws<T, Engine>(seed).vector(n);
}

}  // namespace loupe::testing
