#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "engines/attention/Attention.h"
#include "engines/core/Cancellation.h"

namespace loupe::attention {

double defaultScale(int d) {
  return 1.0 / std::sqrt(static_cast<double>(d));
}

void checkKvLayout(const AttentionShape& s, const char* who, bool denseOnly) {
  const int kv = kvHeadCount(s);
  if (kv <= 0 || s.heads % kv != 0)
    throw std::invalid_argument(std::string(who) + ": " + std::to_string(s.heads) +
                                " query heads are not a multiple of " + std::to_string(kv) + " key/value heads");
  if (s.kvRowStride != 0 && s.kvRowStride < s.m)
    throw std::invalid_argument(std::string(who) + ": a key/value row stride of " + std::to_string(s.kvRowStride) +
                                " cannot hold " + std::to_string(s.m) + " rows");
  if (denseOnly && (s.kvHeads != 0 || s.kvRowStride != 0))
    throw std::invalid_argument(std::string(who) + " reads K and V with as many heads as Q, densely packed");
}

template <class T>
AttentionResult<T> naiveAttention(const T* q, const T* k, const T* v, const AttentionShape& s, double scale,
                                  bool causal, const KeepFn& keep) {
  AttentionResult<T> r;
  r.out.assign(static_cast<std::size_t>(s.heads) * s.n * s.dv, T(0));
  r.lse.assign(static_cast<std::size_t>(s.heads) * s.n, T(0));
  checkKvLayout(s, "naiveAttention");
  std::vector<T> scores(static_cast<std::size_t>(s.m));
  const T kNegInf = -std::numeric_limits<T>::infinity();
  for (int h = 0; h < s.heads; ++h) {
    const T* qh = q + static_cast<std::size_t>(h) * s.n * s.d;
    const T* kh = k + static_cast<std::size_t>(kvHeadOf(s, h)) * kvRowsBetweenHeads(s) * s.d;
    const T* vh = v + static_cast<std::size_t>(kvHeadOf(s, h)) * kvRowsBetweenHeads(s) * s.dv;
    for (int i = 0; i < s.n; ++i) {
      pollCancel();  // a float64 reference at large N runs for seconds (Cancellation.h)
      // S = q_i · Kᵀ · scale, masked to −inf.
      T rowMax = kNegInf;
      for (int j = 0; j < s.m; ++j) {
        const bool visible = (!causal || causallyVisible(i, j, s.n, s.m)) && (!keep || keep(h, i, j));
        if (!visible) {
          scores[j] = kNegInf;
          continue;
        }
        T dot = 0;
        for (int c = 0; c < s.d; ++c)
          dot += qh[static_cast<std::size_t>(i) * s.d + c] * kh[static_cast<std::size_t>(j) * s.d + c];
        scores[j] = dot * static_cast<T>(scale);
        rowMax = std::max(rowMax, scores[j]);
      }
      T* o = &r.out[(static_cast<std::size_t>(h) * s.n + i) * s.dv];
      if (rowMax == kNegInf) {  // nothing visible
        r.lse[static_cast<std::size_t>(h) * s.n + i] = kNegInf;
        continue;
      }
      // P = softmax(S), O = P·V.
      T sum = 0;
      for (int j = 0; j < s.m; ++j) {
        scores[j] = scores[j] == kNegInf ? T(0) : std::exp(scores[j] - rowMax);
        sum += scores[j];
      }
      for (int j = 0; j < s.m; ++j) {
        const T p = scores[j] / sum;
        if (p == 0) continue;
        const T* vr = vh + static_cast<std::size_t>(j) * s.dv;
        for (int c = 0; c < s.dv; ++c) o[c] += p * vr[c];
      }
      r.lse[static_cast<std::size_t>(h) * s.n + i] = rowMax + std::log(sum);
    }
  }
  return r;
}

std::vector<float> attentionProbabilities(const float* q, const float* k, const AttentionShape& s, double scale,
                                          bool causal, const KeepFn& keep, int head, int r0, int r1, int c0, int c1) {
  std::vector<float> out(static_cast<std::size_t>(r1 - r0) * (c1 - c0), 0.0f);
  std::vector<double> row(static_cast<std::size_t>(s.m));
  const float* qh = q + static_cast<std::size_t>(head) * s.n * s.d;
  checkKvLayout(s, "attentionProbabilities");
  const float* kh = k + static_cast<std::size_t>(kvHeadOf(s, head)) * kvRowsBetweenHeads(s) * s.d;
  for (int i = r0; i < r1; ++i) {
    double rowMax = -INFINITY;
    for (int j = 0; j < s.m; ++j) {
      const bool visible = (!causal || causallyVisible(i, j, s.n, s.m)) && (!keep || keep(head, i, j));
      double dot = 0;
      if (visible) {
        for (int c = 0; c < s.d; ++c)
          dot += static_cast<double>(qh[static_cast<std::size_t>(i) * s.d + c]) *
                 kh[static_cast<std::size_t>(j) * s.d + c];
      }
      row[j] = visible ? dot * scale : -INFINITY;
      rowMax = std::max(rowMax, row[j]);
    }
    if (rowMax == -INFINITY) continue;
    double sum = 0;
    for (int j = 0; j < s.m; ++j) sum += row[j] == -INFINITY ? 0.0 : std::exp(row[j] - rowMax);
    for (int j = c0; j < c1; ++j) {
      out[static_cast<std::size_t>(i - r0) * (c1 - c0) + (j - c0)] =
          row[j] == -INFINITY ? 0.0f : static_cast<float>(std::exp(row[j] - rowMax) / sum);
    }
  }
  return out;
}

AttentionResult<float> standardAttention(const float* q, const float* k, const float* v, const AttentionShape& s,
                                         double scale, bool causal) {
  checkKvLayout(s, "standardAttention", true);
  AttentionResult<float> r;
  r.out.assign(static_cast<std::size_t>(s.heads) * s.n * s.dv, 0.0f);
  r.lse.assign(static_cast<std::size_t>(s.heads) * s.n, 0.0f);
  const float negInf = -std::numeric_limits<float>::infinity();
  for (int h = 0; h < s.heads; ++h) {
    const float* qh = q + static_cast<std::size_t>(h) * s.n * s.d;
    const float* kh = k + static_cast<std::size_t>(h) * s.m * s.d;
    const float* vh = v + static_cast<std::size_t>(h) * s.m * s.dv;
    // The whole n × m matrix, as an unfused framework holds it between kernels.
    std::vector<float> p(static_cast<std::size_t>(s.n) * s.m);
    for (int i = 0; i < s.n; ++i) {
      pollCancel();
      float* row = &p[static_cast<std::size_t>(i) * s.m];
      for (int j = 0; j < s.m; ++j) {
        if (causal && !causallyVisible(i, j, s.n, s.m)) {
          row[j] = negInf;
          continue;
        }
        float dot = 0;
        for (int c = 0; c < s.d; ++c)
          dot += qh[static_cast<std::size_t>(i) * s.d + c] * kh[static_cast<std::size_t>(j) * s.d + c];
        row[j] = dot * static_cast<float>(scale);
      }
    }
    for (int i = 0; i < s.n; ++i) {
      float* row = &p[static_cast<std::size_t>(i) * s.m];
      const float rowMax = *std::max_element(row, row + s.m);
      float* lse = &r.lse[static_cast<std::size_t>(h) * s.n + i];
      if (rowMax == negInf) {
        std::fill(row, row + s.m, 0.0f);
        *lse = negInf;
        continue;
      }
      float sum = 0;
      for (int j = 0; j < s.m; ++j) sum += row[j] = row[j] == negInf ? 0.0f : std::exp(row[j] - rowMax);
      for (int j = 0; j < s.m; ++j) row[j] /= sum;
      *lse = rowMax + std::log(sum);
    }
    for (int i = 0; i < s.n; ++i) {
      float* o = &r.out[(static_cast<std::size_t>(h) * s.n + i) * s.dv];
      for (int j = 0; j < s.m; ++j) {
        const float pij = p[static_cast<std::size_t>(i) * s.m + j];
        const float* vr = vh + static_cast<std::size_t>(j) * s.dv;
        for (int c = 0; c < s.dv; ++c) o[c] += pij * vr[c];
      }
    }
  }
  return r;
}

template AttentionResult<float> naiveAttention(const float*, const float*, const float*, const AttentionShape&, double,
                                               bool, const KeepFn&);
template AttentionResult<double> naiveAttention(const double*, const double*, const double*, const AttentionShape&,
                                                double, bool, const KeepFn&);

}  // namespace loupe::attention
