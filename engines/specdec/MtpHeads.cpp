#include "engines/specdec/MtpHeads.h"

#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

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

}  // namespace

MtpHeads::MtpHeads(int count, int hidden, int vocab, std::vector<float> lmHead) : m_hidden(hidden), m_vocab(vocab) {
  setProjection(std::move(lmHead));
  const std::size_t H = static_cast<std::size_t>(hidden);
  for (int k = 0; k < count; ++k) {
    MtpModule mod{std::vector<float>(H * 2 * H, 0.0f), std::vector<float>(H * H, 0.0f), std::vector<float>(H, 0.0f)};
    for (std::size_t i = 0; i < H; ++i) mod.m[i * 2 * H + i] = 1.0f;  // [I 0]: u = h
    m_modules.push_back(std::move(mod));
  }
  m_moments.resize(m_modules.size());
}

void MtpHeads::setProjection(std::vector<float> lmHead) {
  if (lmHead.size() != static_cast<std::size_t>(m_vocab) * static_cast<std::size_t>(m_hidden))
    throw std::invalid_argument("MtpHeads: the LM head must be vocab × hidden");
  m_proj = std::move(lmHead);
}

void MtpHeads::normalised(const float* emb, int T, std::vector<float>& x, const float* hPrev) const {
  const int H = m_hidden;
  x.assign(static_cast<std::size_t>(T) * 2 * H, 0.0f);
  for (int t = 0; t < T; ++t) {
    const float* e = emb + static_cast<std::size_t>(t) * H;
    double ss = 0;
    for (int i = 0; i < H; ++i) ss += static_cast<double>(e[i]) * e[i];
    const double inv = 1.0 / std::sqrt(ss / H + kNormEps);
    float* row = &x[static_cast<std::size_t>(t) * 2 * H];
    std::copy_n(hPrev + static_cast<std::size_t>(t) * H, H, row);
    for (int i = 0; i < H; ++i) row[H + i] = static_cast<float>(e[i] * inv);
  }
}

void MtpHeads::forward(int k, const float* hPrev, const float* emb, int T, float* zOut, float* logits) const {
  const MtpModule& mod = module(k);
  const int H = m_hidden;
  std::vector<float> x, u(static_cast<std::size_t>(T) * H), a(u.size());
  normalised(emb, T, x, hPrev);
  rowsTimesTransposed(x.data(), T, mod.m.data(), H, 2 * H, u.data(), false);
  for (int t = 0; t < T; ++t) std::copy_n(mod.b.data(), H, &a[static_cast<std::size_t>(t) * H]);
  rowsTimesTransposed(u.data(), T, mod.w.data(), H, H, a.data(), true);
  std::vector<float> z(u.size());
  for (std::size_t i = 0; i < z.size(); ++i) z[i] = u[i] + a[i] / (1.0f + std::exp(-a[i]));
  if (logits) rowsTimesTransposed(z.data(), T, m_proj.data(), m_vocab, H, logits, false);
  if (zOut) std::copy(z.begin(), z.end(), zOut);
}

MtpGradient MtpHeads::lossAndGradient(int k, const float* hPrev, const float* emb, int T, const int* targets) const {
  const MtpModule& mod = module(k);
  const int H = m_hidden, V = m_vocab, X = 2 * H;
  MtpGradient g;
  g.m.assign(mod.m.size(), 0.0);
  g.w.assign(mod.w.size(), 0.0);
  g.b.assign(mod.b.size(), 0.0);
  for (int t = 0; t < T; ++t) g.rows += targets[t] >= 0;
  if (g.rows == 0) return g;
  std::vector<float> xs;
  normalised(emb, T, xs, hPrev);
  std::vector<double> u(static_cast<std::size_t>(H)), a(u.size()), z(u.size()), dz(u.size()), da(u.size()),
      du(u.size());
  for (int t = 0; t < T; ++t) {
    const int y = targets[t];
    if (y < 0) continue;
    const float* x = &xs[static_cast<std::size_t>(t) * X];
    for (int i = 0; i < H; ++i) {
      double acc = 0;
      for (int j = 0; j < X; ++j) acc += static_cast<double>(mod.m[static_cast<std::size_t>(i) * X + j]) * x[j];
      u[static_cast<std::size_t>(i)] = acc;
    }
    for (int i = 0; i < H; ++i) {
      double acc = mod.b[static_cast<std::size_t>(i)];
      for (int j = 0; j < H; ++j)
        acc += static_cast<double>(mod.w[static_cast<std::size_t>(i) * H + j]) * u[static_cast<std::size_t>(j)];
      a[static_cast<std::size_t>(i)] = acc;
      z[static_cast<std::size_t>(i)] = u[static_cast<std::size_t>(i)] + acc * sigmoid(acc);
    }
    const RowLoss row = projectionLossReference(m_proj, V, H, z, y, g.rows, dz, nullptr);  // P frozen
    g.loss += row.loss;
    g.top1 += row.top1;
    for (int i = 0; i < H; ++i) {
      const double s = sigmoid(a[static_cast<std::size_t>(i)]);
      da[static_cast<std::size_t>(i)] =
          dz[static_cast<std::size_t>(i)] * s * (1.0 + a[static_cast<std::size_t>(i)] * (1.0 - s));
      g.b[static_cast<std::size_t>(i)] += da[static_cast<std::size_t>(i)];
      for (int j = 0; j < H; ++j)
        g.w[static_cast<std::size_t>(i) * H + j] += da[static_cast<std::size_t>(i)] * u[static_cast<std::size_t>(j)];
    }
    for (int j = 0; j < H; ++j) {
      double acc = dz[static_cast<std::size_t>(j)];
      for (int i = 0; i < H; ++i)
        acc += static_cast<double>(mod.w[static_cast<std::size_t>(i) * H + j]) * da[static_cast<std::size_t>(i)];
      du[static_cast<std::size_t>(j)] = acc;
    }
    for (int i = 0; i < H; ++i)
      for (int j = 0; j < X; ++j) g.m[static_cast<std::size_t>(i) * X + j] += du[static_cast<std::size_t>(i)] * x[j];
  }
  g.loss /= g.rows;
  return g;
}

MtpGradient MtpHeads::lossAndGradientFast(int k, const float* hPrev, const float* emb, int T,
                                          const int* targets) const {
  const MtpModule& mod = module(k);
  const int H = m_hidden, V = m_vocab, X = 2 * H;
  MtpGradient g;
  g.m.assign(mod.m.size(), 0.0);
  g.w.assign(mod.w.size(), 0.0);
  g.b.assign(mod.b.size(), 0.0);
  for (int t = 0; t < T; ++t) g.rows += targets[t] >= 0;
  if (g.rows == 0) return g;
  std::vector<float> x, u(static_cast<std::size_t>(T) * H), a(u.size()), z(u.size()),
      logits(static_cast<std::size_t>(T) * V);
  normalised(emb, T, x, hPrev);
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, T, H, X, 1.0f, x.data(), X, mod.m.data(), X, 0.0f, u.data(), H);
  for (int t = 0; t < T; ++t) std::copy_n(mod.b.data(), H, &a[static_cast<std::size_t>(t) * H]);
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, T, H, H, 1.0f, u.data(), H, mod.w.data(), H, 1.0f, a.data(), H);
  for (std::size_t i = 0; i < z.size(); ++i) z[i] = u[i] + a[i] / (1.0f + std::exp(-a[i]));
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, T, V, H, 1.0f, z.data(), H, m_proj.data(), H, 0.0f,
              logits.data(), V);
  // ∂L/∂ℓ in place of the logits (rows without a target: zero).
  for (int t = 0; t < T; ++t) {
    float* row = &logits[static_cast<std::size_t>(t) * V];
    const int y = targets[t];
    if (y < 0) {
      std::fill_n(row, V, 0.0f);
      continue;
    }
    const float top = *std::max_element(row, row + V);
    g.top1 += static_cast<int>(std::max_element(row, row + V) - row) == y;
    double sum = 0;
    for (int v = 0; v < V; ++v) sum += std::exp(static_cast<double>(row[v]) - top);
    g.loss += std::log(sum) - (static_cast<double>(row[y]) - top);
    for (int v = 0; v < V; ++v)
      row[v] = static_cast<float>((std::exp(static_cast<double>(row[v]) - top) / sum - (v == y ? 1.0 : 0.0)) / g.rows);
  }
  g.loss /= g.rows;
  std::vector<float> dz(u.size()), du, dW(mod.w.size()), dM(mod.m.size());
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, T, H, V, 1.0f, logits.data(), V, m_proj.data(), H, 0.0f,
              dz.data(), H);
  du = dz;                                       // ∂L/∂u = ∂L/∂z + Wᵀ·∂L/∂a
  for (std::size_t i = 0; i < dz.size(); ++i) {  // dz becomes ∂L/∂a
    const float s = 1.0f / (1.0f + std::exp(-a[i]));
    dz[i] *= s * (1.0f + a[i] * (1.0f - s));
    g.b[i % static_cast<std::size_t>(H)] += dz[i];
  }
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, T, H, H, 1.0f, dz.data(), H, mod.w.data(), H, 1.0f, du.data(),
              H);
  cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, H, H, T, 1.0f, dz.data(), H, u.data(), H, 0.0f, dW.data(), H);
  cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, H, X, T, 1.0f, du.data(), H, x.data(), X, 0.0f, dM.data(), X);
  std::copy(dW.begin(), dW.end(), g.w.begin());
  std::copy(dM.begin(), dM.end(), g.m.begin());
  return g;
}

void MtpHeads::adamStep(int k, const MtpGradient& g, double lr, double weightDecay) {
  constexpr double b1 = 0.9, b2 = 0.999, eps = 1e-8;
  Moments& mo = m_moments.at(static_cast<std::size_t>(k));
  if (mo.t == 0) {
    mo.m1.assign(g.m.size(), 0.0), mo.m2 = mo.m1;
    mo.w1.assign(g.w.size(), 0.0), mo.w2 = mo.w1;
    mo.b1.assign(g.b.size(), 0.0), mo.b2 = mo.b1;
  }
  ++mo.t;
  const double c1 = 1.0 - std::pow(b1, static_cast<double>(mo.t)), c2 = 1.0 - std::pow(b2, static_cast<double>(mo.t));
  auto update = [&](std::vector<float>& x, const std::vector<double>& grad, std::vector<double>& m1,
                    std::vector<double>& m2, double decay) {
    for (std::size_t i = 0; i < x.size(); ++i) {
      m1[i] = b1 * m1[i] + (1 - b1) * grad[i];
      m2[i] = b2 * m2[i] + (1 - b2) * grad[i] * grad[i];
      x[i] = static_cast<float>(x[i] - lr * ((m1[i] / c1) / (std::sqrt(m2[i] / c2) + eps) + decay * x[i]));
    }
  };
  MtpModule& mod = module(k);
  update(mod.m, g.m, mo.m1, mo.m2, weightDecay);
  update(mod.w, g.w, mo.w1, mo.w2, weightDecay);
  update(mod.b, g.b, mo.b1, mo.b2, 0.0);
}

void MtpHeads::write(const std::filesystem::path& file, bool half) const {
  std::vector<HeadTensor> tensors;
  for (int k = 0; k < count(); ++k) {
    const std::string p = "mtp." + std::to_string(k);
    tensors.push_back({p + ".eh_proj.weight", &module(k).m, {m_hidden, 2 * m_hidden}});
    tensors.push_back({p + ".block.linear.weight", &module(k).w, {m_hidden, m_hidden}});
    tensors.push_back({p + ".block.linear.bias", &module(k).b, {m_hidden}});
  }
  writeHeadTensors(file, tensors, half);
}

MtpHeads MtpHeads::read(const std::filesystem::path& file, int vocab, std::vector<float> lmHead) {
  const MappedSafetensors st(file);
  const std::string where = file.string();
  if (!st.contains("mtp.0.eh_proj.weight"))
    throw InputError(where + ": tensor 'mtp.0.eh_proj.weight'", "is missing: no MTP module 0");
  const Shape m0 = st.view("mtp.0.eh_proj.weight").shape();
  if (m0.size() != 2 || m0[1] != 2 * m0[0])
    throw InputError(where + ": tensor 'mtp.0.eh_proj.weight'", "must be H × 2H, is " + shapeToString(m0));
  MtpHeads heads;
  heads.m_hidden = static_cast<int>(m0[0]);
  heads.m_vocab = vocab;
  const std::int64_t H = heads.m_hidden;
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
  for (int k = 0; st.contains("mtp." + std::to_string(k) + ".eh_proj.weight"); ++k) {
    const std::string p = "mtp." + std::to_string(k);
    heads.m_modules.push_back({load(p + ".eh_proj.weight", {H, 2 * H}), load(p + ".block.linear.weight", {H, H}),
                               load(p + ".block.linear.bias", {H})});
  }
  heads.m_moments.resize(heads.m_modules.size());
  if (lmHead.size() != static_cast<std::size_t>(vocab) * static_cast<std::size_t>(H))
    throw InputError(where,
                     "holds modules for hidden size " + std::to_string(H) + "; the model's LM head does not match");
  heads.setProjection(std::move(lmHead));
  return heads;
}

}  // namespace loupe::specdec
