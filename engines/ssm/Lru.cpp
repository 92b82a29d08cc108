#include "engines/ssm/Lru.h"

#include <cmath>
#include <random>
#include <stdexcept>
#include <string>

#include "engines/core/ThreadPool.h"

namespace loupe::ssm {

using cd = std::complex<double>;

cd Lru::lambda(int j) const {
  const std::size_t i = static_cast<std::size_t>(j);
  return std::exp(cd(-std::exp(nuLog[i]), std::exp(thetaLog[i])));
}

double Lru::gamma(int j) const {
  return std::exp(gammaLog[static_cast<std::size_t>(j)]);
}

Lru lruInit(int state, int width, const LruInit& init, std::uint64_t seed) {
  if (state < 1 || width < 1)
    throw std::invalid_argument("LRU: state and width must be ≥ 1, got " + std::to_string(state) + " and " +
                                std::to_string(width));
  if (!(init.rMin >= 0 && init.rMin < init.rMax && init.rMax < 1))
    throw std::invalid_argument("LRU: the ring needs 0 ≤ r_min < r_max < 1, got r_min " + std::to_string(init.rMin) +
                                ", r_max " + std::to_string(init.rMax));
  if (!(init.maxPhase > 0)) throw std::invalid_argument("LRU: max_phase must be > 0");
  Lru l;
  l.state = state;
  l.width = width;
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  std::normal_distribution<double> normal;
  for (int j = 0; j < state; ++j) {
    // u₁ in (0, 1]: u₁ = 0 would put |λ|² at r_min² exactly, fine, but log(0) in ν when r_min = 0.
    const double u1 = 1.0 - uniform(rng), u2 = 1.0 - uniform(rng);
    const double nu =
        std::log(-0.5 * std::log(u1 * (init.rMax * init.rMax - init.rMin * init.rMin) + init.rMin * init.rMin));
    l.nuLog.push_back(nu);
    l.thetaLog.push_back(std::log(init.maxPhase * u2));
    const double modulus2 = std::exp(-2.0 * std::exp(nu));  // |λ|²
    l.gammaLog.push_back(std::log(std::sqrt(1.0 - modulus2)));
  }
  const double sb = 1.0 / std::sqrt(2.0 * width), sc = 1.0 / std::sqrt(static_cast<double>(state));
  for (int i = 0; i < state * width; ++i) l.B.emplace_back(normal(rng) * sb, normal(rng) * sb);
  for (int i = 0; i < width * state; ++i) l.C.emplace_back(normal(rng) * sc, normal(rng) * sc);
  for (int i = 0; i < width; ++i) l.D.push_back(normal(rng));
  return l;
}

namespace {

void checkInput(const Lru& l, const std::vector<double>& u) {
  if (u.size() % static_cast<std::size_t>(l.width) != 0)
    throw std::invalid_argument("LRU: input of " + std::to_string(u.size()) +
                                " values is not L × H with H = " + std::to_string(l.width));
}

// Steps [t0, t1) from state x (updated); writes y for those steps when given.
// λ_j and γ_j, computed once rather than per step.
struct Modes {
  std::vector<cd> lambda;
  std::vector<double> gamma;
  explicit Modes(const Lru& l) {
    for (int j = 0; j < l.state; ++j) lambda.push_back(l.lambda(j)), gamma.push_back(l.gamma(j));
  }
};

void scanSteps(const Lru& l, const Modes& m, const std::vector<double>& u, std::size_t t0, std::size_t t1,
               std::vector<cd>& x, double* y) {
  const std::size_t N = static_cast<std::size_t>(l.state), H = static_cast<std::size_t>(l.width);
  for (std::size_t t = t0; t < t1; ++t) {
    const double* ut = &u[t * H];
    for (std::size_t j = 0; j < N; ++j) {
      cd bu = 0;
      for (std::size_t h = 0; h < H; ++h) bu += l.B[j * H + h] * ut[h];
      x[j] = m.lambda[j] * x[j] + m.gamma[j] * bu;
    }
    if (!y) continue;
    for (std::size_t h = 0; h < H; ++h) {
      double acc = l.D[h] * ut[h];
      for (std::size_t j = 0; j < N; ++j) acc += (l.C[h * N + j] * x[j]).real();
      y[t * H + h] = acc;
    }
  }
}

}  // namespace

LruResult lruScan(const Lru& l, const std::vector<double>& u) {
  checkInput(l, u);
  const std::size_t L = u.size() / static_cast<std::size_t>(l.width);
  LruResult r;
  r.y.assign(u.size(), 0.0);
  r.lastState.assign(static_cast<std::size_t>(l.state), cd(0));
  scanSteps(l, Modes(l), u, 0, L, r.lastState, r.y.data());
  return r;
}

LruResult lruScanParallel(const Lru& l, const std::vector<double>& u, int chunk) {
  checkInput(l, u);
  if (chunk < 1) throw std::invalid_argument("LRU: chunk must be ≥ 1");
  const std::size_t L = u.size() / static_cast<std::size_t>(l.width), N = static_cast<std::size_t>(l.state);
  const std::size_t c = static_cast<std::size_t>(chunk), chunks = (L + c - 1) / c;
  const Modes modes(l);
  // Phase 1: every chunk but the last from zero state, its end state only
  // (the last chunk's end would feed no later chunk). B·u is computed again
  // in phase 3: storing it would take L·N complex values.
  std::vector<std::vector<cd>> ends(chunks, std::vector<cd>(N, cd(0)));
  ThreadPool::shared().parallelFor(0, static_cast<std::int64_t>(chunks) - 1, 1, [&](std::int64_t a, std::int64_t b) {
    for (std::int64_t k = a; k < b; ++k) {
      const std::size_t i = static_cast<std::size_t>(k);
      scanSteps(l, modes, u, i * c, std::min(L, (i + 1) * c), ends[i], nullptr);
    }
  });
  // Phase 2, along the chunks: start_{k+1} = Λ^len_k ⊙ start_k + end_k (the
  // associative combination (a₁, b₁)∘(a₂, b₂) = (a₁a₂, a₂b₁ + b₂) with a = Λ^len).
  // Every chunk but the last is full: Λ^c once.
  std::vector<std::vector<cd>> starts(chunks, std::vector<cd>(N, cd(0)));
  std::vector<cd> lambdaChunk(N);
  for (std::size_t j = 0; j < N; ++j) lambdaChunk[j] = std::pow(modes.lambda[j], static_cast<double>(c));
  for (std::size_t k = 0; k + 1 < chunks; ++k)
    for (std::size_t j = 0; j < N; ++j) starts[k + 1][j] = lambdaChunk[j] * starts[k][j] + ends[k][j];
  // Phase 3: every chunk again from its true start, with outputs.
  LruResult r;
  r.y.assign(u.size(), 0.0);
  ThreadPool::shared().parallelFor(0, static_cast<std::int64_t>(chunks), 1, [&](std::int64_t a, std::int64_t b) {
    for (std::int64_t k = a; k < b; ++k) {
      const std::size_t i = static_cast<std::size_t>(k);
      scanSteps(l, modes, u, i * c, std::min(L, (i + 1) * c), starts[i], r.y.data());
    }
  });
  r.lastState = chunks ? starts.back() : std::vector<cd>(N, cd(0));
  return r;
}

std::vector<double> lruKernel(const Lru& l, int length) {
  if (l.width != 1) throw std::invalid_argument("LRU kernel: defined for one input channel (H = 1)");
  std::vector<double> k(static_cast<std::size_t>(length), 0.0);
  for (int j = 0; j < l.state; ++j) {
    const cd w = l.C[static_cast<std::size_t>(j)] * l.gamma(j) * l.B[static_cast<std::size_t>(j)];
    const cd lambda = l.lambda(j);
    cd power = 1.0;
    for (int t = 0; t < length; ++t, power *= lambda) k[static_cast<std::size_t>(t)] += (w * power).real();
  }
  if (length > 0) k[0] += l.D[0];
  return k;
}

}  // namespace loupe::ssm
