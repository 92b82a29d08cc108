#include "engines/attention/Gau.h"

#include <algorithm>

namespace loupe::attention {

namespace {

double relu2(double x) {
  return x > 0 ? x * x : 0.0;
}

// Row i of Z through a per-dimension scale and offset.
template <class T>
void transform(const GauInputs& in, int i, const std::vector<float>& gamma, const std::vector<float>& beta, T* out) {
  for (int c = 0; c < in.s; ++c)
    out[c] = static_cast<T>(in.z[static_cast<std::size_t>(i) * in.s + c]) * gamma[c] + beta[c];
}

}  // namespace

std::vector<float> gauQuadratic(const GauInputs& in, bool causal) {
  std::vector<double> q(in.s), k(in.s), acc(in.e);
  std::vector<float> out(static_cast<std::size_t>(in.n) * in.e);
  for (int i = 0; i < in.n; ++i) {
    transform(in, i, in.gammaQ, in.betaQ, q.data());
    std::fill(acc.begin(), acc.end(), 0.0);
    for (int j = 0; j < in.n; ++j) {
      if (causal && j > i) break;
      transform(in, j, in.gammaK, in.betaK, k.data());
      double dot = 0;
      for (int c = 0; c < in.s; ++c) dot += q[c] * k[c];
      const double a = relu2(dot / in.n);
      if (a == 0) continue;
      for (int c = 0; c < in.e; ++c) acc[c] += a * in.v[static_cast<std::size_t>(j) * in.e + c];
    }
    for (int c = 0; c < in.e; ++c)
      out[static_cast<std::size_t>(i) * in.e + c] =
          static_cast<float>(in.u[static_cast<std::size_t>(i) * in.e + c] * acc[c]);
  }
  return out;
}

std::vector<float> gauMixedChunk(const GauInputs& in, int chunk, bool causal) {
  chunk = std::max(1, std::min(chunk, in.n));
  std::vector<float> out(static_cast<std::size_t>(in.n) * in.e);
  std::vector<double> kv(static_cast<std::size_t>(in.s) * in.e, 0.0);  // Σ K_linᵀ·V over absorbed chunks
  std::vector<double> q(in.s), k(in.s), acc(in.e);
  // Non-causal: every chunk sees the linear state of all chunks.
  auto absorb = [&](int j0, int j1) {
    for (int j = j0; j < j1; ++j) {
      transform(in, j, in.gammaKLin, in.betaKLin, k.data());
      for (int a = 0; a < in.s; ++a)
        for (int c = 0; c < in.e; ++c)
          kv[static_cast<std::size_t>(a) * in.e + c] += k[a] * in.v[static_cast<std::size_t>(j) * in.e + c];
    }
  };
  if (!causal) absorb(0, in.n);
  for (int g0 = 0; g0 < in.n; g0 += chunk) {
    const int g1 = std::min(in.n, g0 + chunk), len = g1 - g0;
    for (int i = g0; i < g1; ++i) {
      std::fill(acc.begin(), acc.end(), 0.0);
      // Across chunks: linear.
      transform(in, i, in.gammaQLin, in.betaQLin, q.data());
      for (int a = 0; a < in.s; ++a)
        for (int c = 0; c < in.e; ++c) acc[c] += q[a] * kv[static_cast<std::size_t>(a) * in.e + c] / in.n;
      // Inside the chunk: quadratic.
      transform(in, i, in.gammaQ, in.betaQ, q.data());
      for (int j = g0; j < g1; ++j) {
        if (causal && j > i) break;
        transform(in, j, in.gammaK, in.betaK, k.data());
        double dot = 0;
        for (int c = 0; c < in.s; ++c) dot += q[c] * k[c];
        const double a = relu2(dot / len);
        if (a == 0) continue;
        for (int c = 0; c < in.e; ++c) acc[c] += a * in.v[static_cast<std::size_t>(j) * in.e + c];
      }
      for (int c = 0; c < in.e; ++c)
        out[static_cast<std::size_t>(i) * in.e + c] =
            static_cast<float>(in.u[static_cast<std::size_t>(i) * in.e + c] * acc[c]);
    }
    if (causal) absorb(g0, g1);  // later chunks see this one
  }
  return out;
}

std::vector<double> gauMixedChunkReference(const GauInputs& in, int chunk, bool causal) {
  chunk = std::max(1, std::min(chunk, in.n));
  const int n = in.n;
  std::vector<double> a(static_cast<std::size_t>(n) * n, 0.0), q(in.s), k(in.s);
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < n; ++j) {
      const int gi = i / chunk, gj = j / chunk;
      double w = 0;
      if (gi == gj && !(causal && j > i)) {  // quadratic inside the chunk
        const int len = std::min(n, (gi + 1) * chunk) - gi * chunk;
        transform(in, i, in.gammaQ, in.betaQ, q.data());
        transform(in, j, in.gammaK, in.betaK, k.data());
        double dot = 0;
        for (int c = 0; c < in.s; ++c) dot += q[c] * k[c];
        w += relu2(dot / len);
      }
      // Linear: every chunk when non-causal (the paper sums h = 1 … G, its
      // own chunk included), only earlier chunks when causal (h < g).
      if (causal ? gj < gi : true) {
        transform(in, i, in.gammaQLin, in.betaQLin, q.data());
        transform(in, j, in.gammaKLin, in.betaKLin, k.data());
        double dot = 0;
        for (int c = 0; c < in.s; ++c) dot += q[c] * k[c];
        w += dot / n;
      }
      a[static_cast<std::size_t>(i) * n + j] = w;
    }
  }
  std::vector<double> out(static_cast<std::size_t>(n) * in.e, 0.0);
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < n; ++j) {
      const double w = a[static_cast<std::size_t>(i) * n + j];
      for (int c = 0; c < in.e; ++c)
        out[static_cast<std::size_t>(i) * in.e + c] += w * in.v[static_cast<std::size_t>(j) * in.e + c];
    }
    for (int c = 0; c < in.e; ++c)
      out[static_cast<std::size_t>(i) * in.e + c] *= in.u[static_cast<std::size_t>(i) * in.e + c];
  }
  return out;
}

}  // namespace loupe::attention
