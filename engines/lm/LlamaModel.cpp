#include "engines/lm/LlamaModel.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

#include "engines/attention/FlashAttention.h"
#include "engines/core/Cancellation.h"
#include "engines/core/CheckedSize.h"
#include "engines/core/Error.h"
#include "engines/core/ThreadPool.h"
#include "engines/lm/Linear.h"

namespace loupe::lm {

namespace {

// x ← x / √(mean(x²) + ε) · g, row by row (the sum of squares in double).
void rmsNorm(const float* x, int rows, int width, const std::vector<float>& g, double eps, float* out) {
  for (int t = 0; t < rows; ++t) {
    const float* xr = x + static_cast<std::size_t>(t) * width;
    double ss = 0;
    for (int c = 0; c < width; ++c) ss += static_cast<double>(xr[c]) * xr[c];
    const float inv = static_cast<float>(1.0 / std::sqrt(ss / width + eps));
    float* o = out + static_cast<std::size_t>(t) * width;
    for (int c = 0; c < width; ++c) o[c] = xr[c] * inv * g[static_cast<std::size_t>(c)];
  }
}

// Rotate-half RoPE of one head vector at table row `pos`.
void rotate(float* v, int headDim, const float* cosRow, const float* sinRow) {
  const int half = headDim / 2;
  for (int i = 0; i < half; ++i) {
    const float a = v[i], b = v[i + half];
    v[i] = a * cosRow[i] - b * sinRow[i];
    v[i + half] = b * cosRow[i] + a * sinRow[i];
  }
}

}  // namespace

LlamaModel::LlamaModel(std::shared_ptr<const Checkpoint> checkpoint, int capacity) : m_ck(std::move(checkpoint)) {
  const LlamaConfig& c = m_ck->config;
  m_capacity = capacity > 0 ? capacity : std::min(c.maxPositions, 4096);
  const std::string where = m_ck->folder.string();
  const std::uint64_t perLayer = checkedMul(checkedMul(static_cast<std::uint64_t>(m_capacity),
                                                       static_cast<std::uint64_t>(c.kvWidth()), where, "the KV cache"),
                                            2 * sizeof(float), where, "the KV cache");
  checkWithinBudget(checkedMul(perLayer, static_cast<std::uint64_t>(c.layers), where, "the KV cache"), where,
                    "a KV cache of " + std::to_string(m_capacity) + " tokens");
  const std::size_t layerFloats = static_cast<std::size_t>(m_capacity) * c.kvWidth();
  m_keys.assign(static_cast<std::size_t>(c.layers), std::vector<float>(layerFloats));
  m_values.assign(static_cast<std::size_t>(c.layers), std::vector<float>(layerFloats));
  // Widened weights for prompts, when they are not f32 already and fit.
  const std::uint64_t wideBytes = static_cast<std::uint64_t>(c.parameterCount()) * sizeof(float);
  if (m_ck->embed.dtype != DType::F32 && wideBytes <= std::min<std::uint64_t>(memoryBudgetBytes() / 8, 1ULL << 30)) {
    m_wide = std::make_unique<WideWeights>();
    auto widen = [&](const Matrix& m) {
      m_wide->store.emplace_back(static_cast<std::size_t>(m.rows) * m.cols);
      float* out = m_wide->store.back().data();
      ThreadPool::shared().parallelFor(0, m.rows, 64, [&](std::int64_t a, std::int64_t b) {
        for (std::int64_t r = a; r < b; ++r)
          widenRow(m, static_cast<int>(r), out + static_cast<std::size_t>(r) * m.cols);
      });
      return Matrix{DType::F32, m.rows, m.cols, out, m.name};
    };
    for (const LayerWeights& L : m_ck->layers) {
      LayerWeights w;
      w.q = widen(L.q);
      w.k = widen(L.k);
      w.v = widen(L.v);
      w.o = widen(L.o);
      w.gate = widen(L.gate);
      w.up = widen(L.up);
      w.down = widen(L.down);
      m_wide->layers.push_back(std::move(w));
    }
    m_wide->lmHead = widen(m_ck->lmHead);
  }
  // The rotation table, angles in double: pos · θ^(−2i/d).
  const int half = c.headDim() / 2;
  m_cos.resize(static_cast<std::size_t>(m_capacity) * half);
  m_sin.resize(m_cos.size());
  for (int p = 0; p < m_capacity; ++p)
    for (int i = 0; i < half; ++i) {
      const double angle = p * std::pow(c.ropeTheta, -2.0 * i / c.headDim());
      m_cos[static_cast<std::size_t>(p) * half + i] = static_cast<float>(std::cos(angle));
      m_sin[static_cast<std::size_t>(p) * half + i] = static_cast<float>(std::sin(angle));
    }
}

float* LlamaModel::keyRow(int layer, int kvHead, int position) {
  const LlamaConfig& c = config();
  return &m_keys[static_cast<std::size_t>(layer)]
                [(static_cast<std::size_t>(kvHead) * m_capacity + position) * c.headDim()];
}
float* LlamaModel::valueRow(int layer, int kvHead, int position) {
  const LlamaConfig& c = config();
  return &m_values[static_cast<std::size_t>(layer)]
                  [(static_cast<std::size_t>(kvHead) * m_capacity + position) * c.headDim()];
}
const float* LlamaModel::cachedKey(int layer, int kvHead, int position) const {
  return const_cast<LlamaModel*>(this)->keyRow(layer, kvHead, position);
}
const float* LlamaModel::cachedValue(int layer, int kvHead, int position) const {
  return const_cast<LlamaModel*>(this)->valueRow(layer, kvHead, position);
}

const Matrix& LlamaModel::forRows(const Matrix& stored, const Matrix& wide, int rows) const {
  return m_wide && rows > kGemvRows && wide.dtype == DType::F32 ? wide : stored;
}

void LlamaModel::checkTokens(const std::vector<int>& tokens) const {
  for (std::size_t i = 0; i < tokens.size(); ++i)
    if (tokens[i] < 0 || tokens[i] >= config().vocab)
      throw InputError(
          "token " + std::to_string(i),
          "id " + std::to_string(tokens[i]) + " is outside the vocabulary of " + std::to_string(config().vocab));
}

std::vector<float> LlamaModel::forward(const std::vector<int>& tokens, bool allRows) {
  checkTokens(tokens);
  if (tokens.empty()) throw InputError("forward", "no tokens");
  const int T = static_cast<int>(tokens.size());
  if (T > m_capacity - m_length)
    throw InputError("forward", std::to_string(m_length) + " cached and " + std::to_string(T) +
                                    " new tokens exceed the context of " + std::to_string(m_capacity));
  m_tree.base = -1;
  std::vector<int> positions(static_cast<std::size_t>(T));
  for (int t = 0; t < T; ++t) positions[static_cast<std::size_t>(t)] = m_length + t;
  std::vector<float> logits = run(tokens, positions, nullptr, allRows);
  m_length += T;
  return logits;
}

std::vector<float> LlamaModel::verifyTree(const std::vector<int>& tokens, const std::vector<int>& parents) {
  checkTokens(tokens);
  const int N = static_cast<int>(tokens.size());
  if (N == 0 || parents.size() != tokens.size() || parents[0] != -1)
    throw InputError("verifyTree", "needs one parent per node and node 0 as the root (parent −1)");
  if (N > m_capacity - m_length)
    throw InputError("verifyTree", std::to_string(m_length) + " cached tokens and a tree of " + std::to_string(N) +
                                       " nodes exceed the context of " + std::to_string(m_capacity));
  std::vector<int> depth(static_cast<std::size_t>(N), 0);
  std::vector<std::vector<std::uint8_t>> mask(static_cast<std::size_t>(N), std::vector<std::uint8_t>(N, 0));
  for (int i = 0; i < N; ++i) {
    const int p = parents[static_cast<std::size_t>(i)];
    if (i > 0 && (p < 0 || p >= i))
      throw InputError("verifyTree",
                       "node " + std::to_string(i) + "'s parent " + std::to_string(p) + " does not come before it");
    if (i > 0) {
      depth[static_cast<std::size_t>(i)] = depth[static_cast<std::size_t>(p)] + 1;
      mask[static_cast<std::size_t>(i)] = mask[static_cast<std::size_t>(p)];
    }
    mask[static_cast<std::size_t>(i)][static_cast<std::size_t>(i)] = 1;
  }
  std::vector<int> positions(static_cast<std::size_t>(N));
  for (int i = 0; i < N; ++i) positions[static_cast<std::size_t>(i)] = m_length + depth[static_cast<std::size_t>(i)];
  std::vector<float> logits = run(tokens, positions, &mask, true);
  m_tree.parents = parents;
  m_tree.base = m_length;
  return logits;
}

void LlamaModel::acceptPath(const std::vector<int>& path) {
  if (m_tree.base != m_length) throw InputError("acceptPath", "no candidate tree was verified on this cache");
  const int N = static_cast<int>(m_tree.parents.size());
  if (path.empty() || path[0] != 0) throw InputError("acceptPath", "the path must start at the root, node 0");
  for (std::size_t i = 1; i < path.size(); ++i)
    if (path[i] <= 0 || path[i] >= N || m_tree.parents[static_cast<std::size_t>(path[i])] != path[i - 1])
      throw InputError("acceptPath",
                       "node " + std::to_string(path[i]) + " is not a child of node " + std::to_string(path[i - 1]));
  const LlamaConfig& c = config();
  // Node path[i] sits at cache row base + path[i]; its RoPE position is
  // base + i already (its depth), so moving the rows is all there is to do.
  for (int l = 0; l < c.layers; ++l)
    for (int h = 0; h < c.kvHeads; ++h)
      for (std::size_t i = 1; i < path.size(); ++i) {
        const int from = m_length + path[i], to = m_length + static_cast<int>(i);
        if (from == to) continue;
        std::memcpy(keyRow(l, h, to), keyRow(l, h, from), sizeof(float) * c.headDim());
        std::memcpy(valueRow(l, h, to), valueRow(l, h, from), sizeof(float) * c.headDim());
      }
  m_length += static_cast<int>(path.size());
  m_tree.base = -1;
}

void LlamaModel::truncate(int length) {
  if (length < 0 || length > m_length)
    throw InputError("truncate", "position " + std::to_string(length) + " is outside the " + std::to_string(m_length) +
                                     " cached tokens");
  m_length = length;
  m_tree.base = -1;
}

std::vector<float> LlamaModel::run(const std::vector<int>& tokens, const std::vector<int>& positions,
                                   const std::vector<std::vector<std::uint8_t>>* treeMask, bool allRows) {
  const LlamaConfig& c = config();
  const int T = static_cast<int>(tokens.size()), H = c.hidden, hd = c.headDim(), half = hd / 2;
  const int qw = c.heads * hd, kvw = c.kvWidth(), P = m_length;
  const std::size_t rowsH = static_cast<std::size_t>(T) * H;
  std::vector<float> x(rowsH), h(rowsH), q(static_cast<std::size_t>(T) * qw), k(static_cast<std::size_t>(T) * kvw),
      v(k.size()), qHeads(q.size()), attn(q.size()), proj(rowsH), gate(static_cast<std::size_t>(T) * c.intermediate),
      up(gate.size());
  std::vector<float> kHeads, vHeads;
  if (m_capture) {
    kHeads.resize(k.size());
    vHeads.resize(v.size());
  }
  for (int t = 0; t < T; ++t)
    widenRow(m_ck->embed, tokens[static_cast<std::size_t>(t)], &x[static_cast<std::size_t>(t) * H]);

  attention::AttentionShape shape;
  shape.heads = c.heads;
  shape.n = T;
  shape.m = P + T;
  shape.d = shape.dv = hd;
  shape.kvHeads = c.kvHeads;
  shape.kvRowStride = m_capacity;
  attention::FlashOptions options;
  attention::KeepFn keep;
  if (treeMask) {
    // Node i sees the whole cache and, among the nodes, itself and its ancestors.
    keep = [&, P](int, int i, int j) {
      return j < P || (*treeMask)[static_cast<std::size_t>(i)][static_cast<std::size_t>(j - P)] != 0;
    };
    options.keep = &keep;
  } else {
    options.causal = true;  // key j visible to new row i when j ≤ P + i
  }

  for (int l = 0; l < c.layers; ++l) {
    pollCancel();
    const LayerWeights& L = m_ck->layers[static_cast<std::size_t>(l)];
    static const LayerWeights kNone;
    const LayerWeights& W = m_wide ? m_wide->layers[static_cast<std::size_t>(l)] : kNone;
    rmsNorm(x.data(), T, H, L.attnNorm, c.rmsEps, h.data());
    linear(h.data(), T, forRows(L.q, W.q, T), q.data());
    linear(h.data(), T, forRows(L.k, W.k, T), k.data());
    linear(h.data(), T, forRows(L.v, W.v, T), v.data());
    for (int t = 0; t < T; ++t) {
      const int pos = positions[static_cast<std::size_t>(t)];
      const float* cs = &m_cos[static_cast<std::size_t>(pos) * half];
      const float* sn = &m_sin[static_cast<std::size_t>(pos) * half];
      for (int a = 0; a < c.heads; ++a) {
        float* dst = &qHeads[(static_cast<std::size_t>(a) * T + t) * hd];
        std::copy_n(&q[static_cast<std::size_t>(t) * qw + static_cast<std::size_t>(a) * hd], hd, dst);
        rotate(dst, hd, cs, sn);
      }
      for (int g = 0; g < c.kvHeads; ++g) {
        // The new rows go into the cache after its P tokens (tree nodes in node order).
        float* kd = keyRow(l, g, P + t);
        float* vd = valueRow(l, g, P + t);
        std::copy_n(&k[static_cast<std::size_t>(t) * kvw + static_cast<std::size_t>(g) * hd], hd, kd);
        std::copy_n(&v[static_cast<std::size_t>(t) * kvw + static_cast<std::size_t>(g) * hd], hd, vd);
        rotate(kd, hd, cs, sn);
        if (m_capture) {
          std::copy_n(kd, hd, &kHeads[(static_cast<std::size_t>(g) * T + t) * hd]);
          std::copy_n(vd, hd, &vHeads[(static_cast<std::size_t>(g) * T + t) * hd]);
        }
      }
    }
    const auto result = attention::flashAttention(qHeads.data(), m_keys[static_cast<std::size_t>(l)].data(),
                                                  m_values[static_cast<std::size_t>(l)].data(), shape, options);
    for (int a = 0; a < c.heads; ++a)
      for (int t = 0; t < T; ++t)
        std::copy_n(&result.out[(static_cast<std::size_t>(a) * T + t) * hd], hd,
                    &attn[static_cast<std::size_t>(t) * qw + static_cast<std::size_t>(a) * hd]);
    linear(attn.data(), T, forRows(L.o, W.o, T), proj.data());
    for (std::size_t i = 0; i < rowsH; ++i) x[i] += proj[i];

    rmsNorm(x.data(), T, H, L.mlpNorm, c.rmsEps, h.data());
    linear(h.data(), T, forRows(L.gate, W.gate, T), gate.data());
    linear(h.data(), T, forRows(L.up, W.up, T), up.data());
    for (std::size_t i = 0; i < gate.size(); ++i) gate[i] = gate[i] / (1.0f + std::exp(-gate[i])) * up[i];
    linear(gate.data(), T, forRows(L.down, W.down, T), proj.data());
    for (std::size_t i = 0; i < rowsH; ++i) x[i] += proj[i];

    if (m_capture) {
      LayerCapture cap;
      cap.layer = l;
      cap.tokens = T;
      cap.q = qHeads.data();
      cap.k = kHeads.data();
      cap.v = vHeads.data();
      cap.attention = attn.data();
      cap.mlp = gate.data();
      cap.residual = x.data();
      m_capture(cap);
    }
  }
  const int first = allRows ? 0 : T - 1, rows = T - first;
  rmsNorm(&x[static_cast<std::size_t>(first) * H], rows, H, m_ck->finalNorm, c.rmsEps, h.data());
  m_lastHidden.assign(h.begin(), h.begin() + static_cast<std::ptrdiff_t>(rows) * H);
  std::vector<float> logits(static_cast<std::size_t>(rows) * c.vocab);
  linear(h.data(), rows, forRows(m_ck->lmHead, m_wide ? m_wide->lmHead : Matrix{}, rows), logits.data());
  return logits;
}

}  // namespace loupe::lm
