#include "engines/attention/LinearAttention.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "engines/core/ThreadPool.h"

namespace loupe::attention {

double featureMap(FeatureMap map, double x) {
  if (map == FeatureMap::Relu) return x > 0 ? x : 0.0;
  return x > 0 ? x + 1.0 : std::exp(x);  // elu(x) + 1
}

std::vector<float> linearAttention(const float* q, const float* k, const float* v, const AttentionShape& s,
                                   FeatureMap map, bool causal, int chunk) {
  if (causal && s.n != s.m) throw std::invalid_argument("causal linear attention needs as many queries as keys");
  chunk = std::max(1, chunk);
  std::vector<float> out(static_cast<std::size_t>(s.heads) * s.n * s.dv, 0.0f);
  ThreadPool::shared().parallelFor(0, s.heads, 1, [&](std::int64_t h0, std::int64_t h1) {
    std::vector<double> phiQ(static_cast<std::size_t>(s.n) * s.d), phiK(static_cast<std::size_t>(s.m) * s.d);
    std::vector<double> state(static_cast<std::size_t>(s.d) * s.dv), z(static_cast<std::size_t>(s.d));
    for (std::int64_t h = h0; h < h1; ++h) {
      const float* qh = q + static_cast<std::size_t>(h) * s.n * s.d;
      const float* kh = k + static_cast<std::size_t>(h) * s.m * s.d;
      const float* vh = v + static_cast<std::size_t>(h) * s.m * s.dv;
      float* oh = out.data() + static_cast<std::size_t>(h) * s.n * s.dv;
      for (std::size_t i = 0; i < phiQ.size(); ++i) phiQ[i] = featureMap(map, qh[i]);
      for (std::size_t i = 0; i < phiK.size(); ++i) phiK[i] = featureMap(map, kh[i]);
      std::fill(state.begin(), state.end(), 0.0);
      std::fill(z.begin(), z.end(), 0.0);
      auto absorb = [&](int j) {  // S += φ(k_j) v_jᵀ, z += φ(k_j)
        for (int a = 0; a < s.d; ++a) {
          const double f = phiK[static_cast<std::size_t>(j) * s.d + a];
          z[a] += f;
          for (int c = 0; c < s.dv; ++c)
            state[static_cast<std::size_t>(a) * s.dv + c] += f * vh[static_cast<std::size_t>(j) * s.dv + c];
        }
      };
      if (!causal) {
        for (int j = 0; j < s.m; ++j) absorb(j);
      }
      std::vector<double> num(static_cast<std::size_t>(s.dv));
      for (int c0 = 0; c0 < s.n; c0 += causal ? chunk : s.n) {
        const int c1 = causal ? std::min(s.n, c0 + chunk) : s.n;
        for (int i = c0; i < c1; ++i) {
          const double* fq = &phiQ[static_cast<std::size_t>(i) * s.d];
          // Across chunks: the running state.
          double den = 0;
          std::fill(num.begin(), num.end(), 0.0);
          for (int a = 0; a < s.d; ++a) {
            den += fq[a] * z[a];
            for (int c = 0; c < s.dv; ++c) num[c] += fq[a] * state[static_cast<std::size_t>(a) * s.dv + c];
          }
          // Inside the chunk (causal): the quadratic form over keys c0 … i.
          if (causal) {
            for (int j = c0; j <= i; ++j) {
              double w = 0;
              for (int a = 0; a < s.d; ++a) w += fq[a] * phiK[static_cast<std::size_t>(j) * s.d + a];
              den += w;
              for (int c = 0; c < s.dv; ++c) num[c] += w * vh[static_cast<std::size_t>(j) * s.dv + c];
            }
          }
          for (int c = 0; c < s.dv; ++c)
            oh[static_cast<std::size_t>(i) * s.dv + c] = den > 0 ? static_cast<float>(num[c] / den) : 0.0f;
        }
        if (causal)
          for (int j = c0; j < c1; ++j) absorb(j);
      }
    }
  });
  return out;
}

}  // namespace loupe::attention
