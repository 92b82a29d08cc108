#include "engines/specdec/ResidualHeads.h"

#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "engines/core/DTypeConvert.h"
#include "engines/core/Error.h"
#include "engines/core/MappedSafetensors.h"
#include "engines/specdec/HeadFile.h"
#include "engines/specdec/HeadLoss.h"
#include "engines/specdec/RowGemm.h"

namespace loupe::specdec {

namespace {

double sigmoid(double a) {
  return 1.0 / (1.0 + std::exp(-a));
}

// Softmax of one row of logits (double), its cross-entropy against y, and
// whether y is its argmax.
double crossEntropy(const float* logits, int V, int y, std::vector<double>& p, bool& top1) {
  const float top = *std::max_element(logits, logits + V);
  double sum = 0;
  for (int v = 0; v < V; ++v) sum += p[static_cast<std::size_t>(v)] = std::exp(static_cast<double>(logits[v]) - top);
  for (double& x : p) x /= sum;
  top1 = static_cast<int>(std::max_element(logits, logits + V) - logits) == y;
  return -std::log(std::max(p[static_cast<std::size_t>(y)], 1e-300));
}

}  // namespace

ResidualHeads::ResidualHeads(int count, int hidden, int vocab, const std::vector<float>& lmHead)
    : m_hidden(hidden), m_vocab(vocab) {
  if (lmHead.size() != static_cast<std::size_t>(vocab) * hidden)
    throw std::invalid_argument("ResidualHeads: the LM head must be vocab × hidden");
  for (int k = 0; k < count; ++k)
    m_heads.push_back({std::vector<float>(static_cast<std::size_t>(hidden) * hidden, 0.0f),
                       std::vector<float>(static_cast<std::size_t>(hidden), 0.0f), lmHead});
}

void ResidualHeads::forward(int k, const float* h, int T, float* logits, float* zOut) const {
  const ResidualHead& hd = head(k);
  const int H = m_hidden, V = m_vocab;
  std::vector<float> z(static_cast<std::size_t>(T) * H);
  for (int t = 0; t < T; ++t) std::copy_n(hd.b.data(), H, &z[static_cast<std::size_t>(t) * H]);
  rowsTimesTransposed(h, T, hd.w.data(), H, H, z.data(), true);
  for (std::size_t i = 0; i < z.size(); ++i) {
    const float a = z[i];
    z[i] = h[i] + a / (1.0f + std::exp(-a));
  }
  rowsTimesTransposed(z.data(), T, hd.proj.data(), V, H, logits, false);
  if (zOut) std::copy(z.begin(), z.end(), zOut);
}

HeadGradient ResidualHeads::lossAndGradient(int k, const float* h, int T, const int* targets) const {
  const ResidualHead& hd = head(k);
  const int H = m_hidden, V = m_vocab;
  HeadGradient g;
  g.w.assign(hd.w.size(), 0.0);
  g.b.assign(hd.b.size(), 0.0);
  g.proj.assign(hd.proj.size(), 0.0);
  for (int t = 0; t < T; ++t) g.rows += targets[t] >= 0;
  if (g.rows == 0) return g;
  std::vector<double> a(static_cast<std::size_t>(H)), z(a.size()), dz(a.size());
  for (int t = 0; t < T; ++t) {
    const int y = targets[t];
    if (y < 0) continue;
    const float* ht = h + static_cast<std::size_t>(t) * H;
    for (int i = 0; i < H; ++i) {
      double acc = hd.b[static_cast<std::size_t>(i)];
      for (int j = 0; j < H; ++j) acc += static_cast<double>(hd.w[static_cast<std::size_t>(i) * H + j]) * ht[j];
      a[static_cast<std::size_t>(i)] = acc;
      z[static_cast<std::size_t>(i)] = ht[i] + acc * sigmoid(acc);
    }
    const RowLoss row = projectionLossReference(hd.proj, V, H, z, y, g.rows, dz, &g.proj);
    g.loss += row.loss;
    g.top1 += row.top1;
    for (int i = 0; i < H; ++i) {
      const double s = sigmoid(a[static_cast<std::size_t>(i)]);
      const double da = dz[static_cast<std::size_t>(i)] * s * (1.0 + a[static_cast<std::size_t>(i)] * (1.0 - s));
      g.b[static_cast<std::size_t>(i)] += da;
      for (int j = 0; j < H; ++j) g.w[static_cast<std::size_t>(i) * H + j] += da * ht[j];
    }
  }
  g.loss /= g.rows;
  return g;
}

HeadGradient ResidualHeads::lossAndGradientFast(int k, const float* h, int T, const int* targets) const {
  const ResidualHead& hd = head(k);
  const int H = m_hidden, V = m_vocab;
  HeadGradient g;
  for (int t = 0; t < T; ++t) g.rows += targets[t] >= 0;
  g.w.assign(hd.w.size(), 0.0);
  g.b.assign(hd.b.size(), 0.0);
  g.proj.assign(hd.proj.size(), 0.0);
  if (g.rows == 0) return g;
  // Forward, keeping a (pre-activation) and z.
  std::vector<float> a(static_cast<std::size_t>(T) * H), z(a.size()), logits(static_cast<std::size_t>(T) * V);
  for (int t = 0; t < T; ++t) std::copy_n(hd.b.data(), H, &a[static_cast<std::size_t>(t) * H]);
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, T, H, H, 1.0f, h, H, hd.w.data(), H, 1.0f, a.data(), H);
  for (std::size_t i = 0; i < a.size(); ++i) z[i] = h[i] + a[i] / (1.0f + std::exp(-a[i]));
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, T, V, H, 1.0f, z.data(), H, hd.proj.data(), H, 0.0f,
              logits.data(), V);
  // ∂L/∂ℓ in place of the logits (rows without a target: zero).
  std::vector<double> p(static_cast<std::size_t>(V));
  for (int t = 0; t < T; ++t) {
    float* row = &logits[static_cast<std::size_t>(t) * V];
    const int y = targets[t];
    if (y < 0) {
      std::fill_n(row, V, 0.0f);
      continue;
    }
    bool top1 = false;
    g.loss += crossEntropy(row, V, y, p, top1);
    g.top1 += top1;
    for (int v = 0; v < V; ++v)
      row[v] = static_cast<float>((p[static_cast<std::size_t>(v)] - (v == y ? 1.0 : 0.0)) / g.rows);
  }
  g.loss /= g.rows;
  // ∂L/∂P = dℓᵀ·z (V × H); ∂L/∂z = dℓ·P (T × H).
  std::vector<float> dP(hd.proj.size()), dz(a.size()), dW(hd.w.size());
  cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, V, H, T, 1.0f, logits.data(), V, z.data(), H, 0.0f, dP.data(),
              H);
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, T, H, V, 1.0f, logits.data(), V, hd.proj.data(), H, 0.0f,
              dz.data(), H);
  // ∂L/∂a = ∂L/∂z ⊙ SiLU'(a), in place of dz; ∂L/∂W = daᵀ·h; ∂L/∂b = Σ da.
  for (std::size_t i = 0; i < dz.size(); ++i) {
    const float s = 1.0f / (1.0f + std::exp(-a[i]));
    dz[i] *= s * (1.0f + a[i] * (1.0f - s));
    g.b[i % static_cast<std::size_t>(H)] += dz[i];
  }
  cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, H, H, T, 1.0f, dz.data(), H, h, H, 0.0f, dW.data(), H);
  std::copy(dP.begin(), dP.end(), g.proj.begin());
  std::copy(dW.begin(), dW.end(), g.w.begin());
  return g;
}

void ResidualHeads::write(const std::filesystem::path& file, bool half) const {
  std::vector<HeadTensor> tensors;
  for (int k = 0; k < count(); ++k) {
    const std::string p = std::to_string(k);
    tensors.push_back({p + ".0.linear.weight", &head(k).w, {m_hidden, m_hidden}});
    tensors.push_back({p + ".0.linear.bias", &head(k).b, {m_hidden}});
    tensors.push_back({p + ".1.weight", &head(k).proj, {m_vocab, m_hidden}});
  }
  writeHeadTensors(file, tensors, half);
}

ResidualHeads ResidualHeads::read(const std::filesystem::path& file) {
  const MappedSafetensors st(file);
  ResidualHeads heads;
  const std::string where = file.string();
  if (!st.contains("0.1.weight")) throw InputError(where + ": tensor '0.1.weight'", "is missing: no Medusa head 0");
  const Shape p0 = st.view("0.1.weight").shape();
  if (p0.size() != 2) throw InputError(where + ": tensor '0.1.weight'", "is not a matrix");
  heads.m_vocab = static_cast<int>(p0[0]);
  heads.m_hidden = static_cast<int>(p0[1]);
  const std::int64_t H = heads.m_hidden, V = heads.m_vocab;
  auto load = [&](const std::string& name, const Shape& shape) {
    if (!st.contains(name)) throw InputError(where + ": tensor '" + name + "'", "is missing");
    const ArrayView v = st.view(name);
    if (v.shape() != shape)
      throw InputError(where + ": tensor '" + name + "'",
                       "has shape " + shapeToString(v.shape()) + ", expected " + shapeToString(shape));
    if (v.dtype() != DType::F32 && v.dtype() != DType::F16 && v.dtype() != DType::BF16)
      throw InputError(where + ": tensor '" + name + "'", "must be F32, F16 or BF16");
    return toFloat32(v);
  };
  for (int k = 0; st.contains(std::to_string(k) + ".1.weight"); ++k) {
    const std::string p = std::to_string(k);
    heads.m_heads.push_back(
        {load(p + ".0.linear.weight", {H, H}), load(p + ".0.linear.bias", {H}), load(p + ".1.weight", {V, H})});
  }
  return heads;
}

HeadOptimizer::HeadOptimizer(const ResidualHeads& heads, double lr, double wd, double b1, double b2, double eps)
    : m_lr(lr), m_wd(wd), m_b1(b1), m_b2(b2), m_eps(eps) {
  for (int k = 0; k < heads.count(); ++k) {
    Moments m;
    m.mw.assign(heads.head(k).w.size(), 0.0);
    m.vw = m.mw;
    m.mb.assign(heads.head(k).b.size(), 0.0);
    m.vb = m.mb;
    m.mp.assign(heads.head(k).proj.size(), 0.0);
    m.vp = m.mp;
    m_moments.push_back(std::move(m));
  }
}

void HeadOptimizer::step(ResidualHeads& heads, int k, const HeadGradient& g) {
  Moments& m = m_moments.at(static_cast<std::size_t>(k));
  ++m.t;
  const double c1 = 1.0 - std::pow(m_b1, static_cast<double>(m.t)), c2 = 1.0 - std::pow(m_b2, static_cast<double>(m.t));
  auto update = [&](std::vector<float>& x, const std::vector<double>& grad, std::vector<double>& mm,
                    std::vector<double>& vv, double decay) {
    for (std::size_t i = 0; i < x.size(); ++i) {
      mm[i] = m_b1 * mm[i] + (1 - m_b1) * grad[i];
      vv[i] = m_b2 * vv[i] + (1 - m_b2) * grad[i] * grad[i];
      const double step = m_lr * ((mm[i] / c1) / (std::sqrt(vv[i] / c2) + m_eps) + decay * x[i]);
      x[i] = static_cast<float>(x[i] - step);
    }
  };
  ResidualHead& h = heads.head(k);
  update(h.w, g.w, m.mw, m.vw, m_wd);
  update(h.b, g.b, m.mb, m.vb, 0.0);
  update(h.proj, g.proj, m.mp, m.vp, m_wd);
}

}  // namespace loupe::specdec
