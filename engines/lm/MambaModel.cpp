#include "engines/lm/MambaModel.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "engines/core/Error.h"
#include "engines/lm/Linear.h"
#include "engines/ssm/SelectiveScan.h"
#include "engines/ssm/SelectiveScanStep.h"

namespace loupe::lm {

namespace fs = std::filesystem;

namespace {

void rmsNorm(const float* x, int rows, int width, const std::vector<float>& w, double eps, float* out) {
  for (int t = 0; t < rows; ++t) {
    const float* r = x + static_cast<std::size_t>(t) * width;
    double ss = 0;
    for (int i = 0; i < width; ++i) ss += static_cast<double>(r[i]) * r[i];
    const float inv = static_cast<float>(1.0 / std::sqrt(ss / width + eps));
    for (int i = 0; i < width; ++i)
      out[static_cast<std::size_t>(t) * width + i] = r[i] * inv * w[static_cast<std::size_t>(i)];
  }
}

float silu(float v) {
  return v / (1.0f + std::exp(-v));
}

// rows × cols → cols × rows.
std::vector<float> transposed(const float* a, int rows, int cols, int stride, int offset) {
  std::vector<float> t(static_cast<std::size_t>(rows) * cols);
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < cols; ++c)
      t[static_cast<std::size_t>(c) * rows + r] = a[static_cast<std::size_t>(r) * stride + offset + c];
  return t;
}

void addBias(float* rows, int n, const std::vector<float>& bias) {
  if (bias.empty()) return;
  const std::size_t w = bias.size();
  for (int t = 0; t < n; ++t)
    for (std::size_t i = 0; i < w; ++i) rows[static_cast<std::size_t>(t) * w + i] += bias[i];
}

}  // namespace

std::unique_ptr<MambaCheckpoint> loadMambaCheckpoint(const fs::path& folder) {
  auto c = std::make_unique<MambaCheckpoint>();
  c->folder = folder;
  if (!fs::is_directory(folder)) throw InputError(folder.string(), "is not a checkpoint folder");
  c->config = readMambaConfig(folder / "config.json");
  const MambaConfig& k = c->config;
  TensorSource t(*c, mapTensors(*c));
  const int h = k.hidden, di = k.inner(), n = k.state, r = k.dtRank, kk = k.convKernel;
  c->embed = t.matrix("backbone.embeddings.weight", k.vocab, h);
  for (int i = 0; i < k.layers; ++i) {
    const std::string p = "backbone.layers." + std::to_string(i) + ".";
    MambaLayerWeights L;
    L.norm = t.vector(p + "norm.weight", h);
    L.inProj = t.matrix(p + "mixer.in_proj.weight", 2 * di, h);
    if (k.useBias) L.inBias = t.vector(p + "mixer.in_proj.bias", 2 * di);
    L.convWeight = t.widened(p + "mixer.conv1d.weight", {di, 1, kk});
    L.convBias =
        k.useConvBias ? t.vector(p + "mixer.conv1d.bias", di) : std::vector<float>(static_cast<std::size_t>(di), 0.0f);
    L.xProj = t.matrix(p + "mixer.x_proj.weight", r + 2 * n, di);
    L.dtProj = t.matrix(p + "mixer.dt_proj.weight", di, r);
    L.dtBias = t.vector(p + "mixer.dt_proj.bias", di);
    L.A = t.widened(p + "mixer.A_log", {di, n});
    for (float& a : L.A) a = -std::exp(a);
    L.D = t.vector(p + "mixer.D", di);
    L.outProj = t.matrix(p + "mixer.out_proj.weight", h, di);
    if (k.useBias) L.outBias = t.vector(p + "mixer.out_proj.bias", h);
    c->layers.push_back(std::move(L));
  }
  c->finalNorm = t.vector("backbone.norm_f.weight", h);
  if (k.tiedEmbeddings) {
    c->lmHead = c->embed;
  } else {
    if (!t.has("lm_head.weight"))
      throw InputError(folder.string() + ": tensor 'lm_head.weight'",
                       "is missing, and config.json says tie_word_embeddings is false");
    c->lmHead = t.matrix("lm_head.weight", k.vocab, h);
  }
  if (fs::exists(folder / "tokenizer.model")) c->tokenizer = folder / "tokenizer.model";
  return c;
}

MambaModel::MambaModel(std::shared_ptr<const MambaCheckpoint> checkpoint) : m_ck(std::move(checkpoint)) {
  reset();
}

void MambaModel::reset() {
  const MambaConfig& c = config();
  m_conv.assign(static_cast<std::size_t>(c.layers),
                std::vector<float>(static_cast<std::size_t>(c.convKernel - 1) * c.inner(), 0.0f));
  m_ssm.assign(static_cast<std::size_t>(c.layers),
               std::vector<float>(static_cast<std::size_t>(c.inner()) * c.state, 0.0f));
  m_position = 0;
}

void MambaModel::checkToken(int token) const {
  if (token < 0 || token >= config().vocab)
    throw InputError("token",
                     "id " + std::to_string(token) + " is outside the vocabulary of " + std::to_string(config().vocab));
}

std::vector<float> MambaModel::forward(const std::vector<int>& tokens, bool allRows) {
  if (tokens.empty()) throw InputError("forward", "no tokens");
  for (int id : tokens) checkToken(id);
  if (m_position == 0) return parallel(tokens, allRows);
  std::vector<float> out;
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    std::vector<float> logits = step(tokens[i]);
    if (allRows || i + 1 == tokens.size()) out.insert(out.end(), logits.begin(), logits.end());
  }
  return out;
}

std::vector<float> MambaModel::parallel(const std::vector<int>& tokens, bool allRows) {
  const MambaConfig& c = config();
  const int T = static_cast<int>(tokens.size()), H = c.hidden, Di = c.inner(), N = c.state, R = c.dtRank,
            K = c.convKernel;
  std::vector<float> x(static_cast<std::size_t>(T) * H);
  for (int t = 0; t < T; ++t)
    widenRow(m_ck->embed, tokens[static_cast<std::size_t>(t)], &x[static_cast<std::size_t>(t) * H]);
  std::vector<float> h(x.size()), xz(static_cast<std::size_t>(T) * 2 * Di), u(static_cast<std::size_t>(T) * Di),
      dbl(static_cast<std::size_t>(T) * (R + 2 * N)), delta(static_cast<std::size_t>(T) * Di), out(x.size());
  for (int l = 0; l < c.layers; ++l) {
    const MambaLayerWeights& L = m_ck->layers[static_cast<std::size_t>(l)];
    rmsNorm(x.data(), T, H, L.norm, c.eps, h.data());
    linear(h.data(), T, L.inProj, xz.data());
    addBias(xz.data(), T, L.inBias);
    // Causal depthwise conv over the u half (zeros before the first token), then SiLU.
    for (int t = 0; t < T; ++t)
      for (int d = 0; d < Di; ++d) {
        float acc = L.convBias[static_cast<std::size_t>(d)];
        for (int k = 0; k < K; ++k) {
          const int s = t - (K - 1) + k;
          if (s >= 0)
            acc += L.convWeight[static_cast<std::size_t>(d) * K + k] * xz[static_cast<std::size_t>(s) * 2 * Di + d];
        }
        u[static_cast<std::size_t>(t) * Di + d] = silu(acc);
      }
    // The conv window carried on: the last K − 1 inputs (zeros before the first).
    std::vector<float>& window = m_conv[static_cast<std::size_t>(l)];
    for (int k = 0; k < K - 1; ++k) {
      const int s = T - (K - 1) + k;
      for (int d = 0; d < Di; ++d)
        window[static_cast<std::size_t>(k) * Di + d] = s >= 0 ? xz[static_cast<std::size_t>(s) * 2 * Di + d] : 0.0f;
    }
    linear(u.data(), T, L.xProj, dbl.data());
    // δ·W_dtᵀ: the rank-R rows of dbl, strided.
    std::vector<float> dtIn(static_cast<std::size_t>(T) * R);
    for (int t = 0; t < T; ++t)
      std::copy_n(&dbl[static_cast<std::size_t>(t) * (R + 2 * N)], R, &dtIn[static_cast<std::size_t>(t) * R]);
    linear(dtIn.data(), T, L.dtProj, delta.data());
    // The scan in Mamba's layout: [channel][time], B and C [state][time].
    const std::vector<float> uT = transposed(u.data(), T, Di, Di, 0), dT = transposed(delta.data(), T, Di, Di, 0),
                             zT = transposed(xz.data(), T, Di, 2 * Di, Di),
                             BT = transposed(dbl.data(), T, N, R + 2 * N, R),
                             CT = transposed(dbl.data(), T, N, R + 2 * N, R + N);
    const ssm::ScanShape shape{1, Di, T, N, true, true};
    ssm::ScanInputs<float> in;
    in.u = uT.data(), in.delta = dT.data(), in.A = L.A.data(), in.B = BT.data(), in.C = CT.data();
    in.D = L.D.data(), in.z = zT.data(), in.deltaBias = L.dtBias.data(), in.deltaSoftplus = true;
    const ssm::ScanResult<float> scan = ssm::selectiveScan(shape, in);
    m_ssm[static_cast<std::size_t>(l)] = scan.lastState;
    const std::vector<float> y = transposed(scan.out.data(), Di, T, T, 0);  // back to [time][channel]
    linear(y.data(), T, L.outProj, out.data());
    addBias(out.data(), T, L.outBias);
    for (std::size_t i = 0; i < x.size(); ++i) x[i] += out[i];
  }
  m_position += T;
  const int rows = allRows ? T : 1;
  const float* from = allRows ? x.data() : &x[static_cast<std::size_t>(T - 1) * H];
  rmsNorm(from, rows, H, m_ck->finalNorm, c.eps, h.data());
  std::vector<float> logits(static_cast<std::size_t>(rows) * c.vocab);
  linear(h.data(), rows, m_ck->lmHead, logits.data());
  return logits;
}

std::vector<float> MambaModel::step(int token, std::vector<MambaLayerTrace>* trace) {
  checkToken(token);
  const MambaConfig& c = config();
  const int H = c.hidden, Di = c.inner(), N = c.state, R = c.dtRank, K = c.convKernel;
  std::vector<float> x(static_cast<std::size_t>(H)), h(x.size()), xz(static_cast<std::size_t>(2) * Di),
      u(static_cast<std::size_t>(Di)), dbl(static_cast<std::size_t>(R + 2 * N)), delta(u.size()), y(u.size()),
      out(x.size());
  widenRow(m_ck->embed, token, x.data());
  if (trace) trace->resize(static_cast<std::size_t>(c.layers));
  for (int l = 0; l < c.layers; ++l) {
    const MambaLayerWeights& L = m_ck->layers[static_cast<std::size_t>(l)];
    rmsNorm(x.data(), 1, H, L.norm, c.eps, h.data());
    linear(h.data(), 1, L.inProj, xz.data());
    addBias(xz.data(), 1, L.inBias);
    std::vector<float>& window = m_conv[static_cast<std::size_t>(l)];
    for (int d = 0; d < Di; ++d) {
      float acc = L.convBias[static_cast<std::size_t>(d)];
      for (int k = 0; k < K - 1; ++k)
        acc += L.convWeight[static_cast<std::size_t>(d) * K + k] * window[static_cast<std::size_t>(k) * Di + d];
      acc += L.convWeight[static_cast<std::size_t>(d) * K + K - 1] * xz[static_cast<std::size_t>(d)];
      u[static_cast<std::size_t>(d)] = silu(acc);
    }
    // Slide the window: drop the oldest input, append this one.
    if (K > 1) {
      std::copy(window.begin() + Di, window.end(), window.begin());
      std::copy_n(xz.begin(), Di, window.end() - Di);
    }
    linear(u.data(), 1, L.xProj, dbl.data());
    linear(dbl.data(), 1, L.dtProj, delta.data());  // reads the first R entries: δ
    ssm::ScanStep s;
    s.dim = Di, s.state = N, s.u = u.data(), s.delta = delta.data(), s.A = L.A.data();
    s.B = &dbl[static_cast<std::size_t>(R)], s.C = &dbl[static_cast<std::size_t>(R + N)];
    s.D = L.D.data(), s.z = &xz[static_cast<std::size_t>(Di)], s.deltaBias = L.dtBias.data(), s.deltaSoftplus = true;
    MambaLayerTrace* record = trace ? &(*trace)[static_cast<std::size_t>(l)] : nullptr;
    if (record) {
      record->delta.resize(static_cast<std::size_t>(Di));
      s.deltaOut = record->delta.data();
    }
    ssm::selectiveScanStep(s, m_ssm[static_cast<std::size_t>(l)].data(), y.data());
    if (record) {
      record->gate.resize(static_cast<std::size_t>(Di));
      for (int d = 0; d < Di; ++d)
        record->gate[static_cast<std::size_t>(d)] = silu(xz[static_cast<std::size_t>(Di + d)]);
      record->y = y;
      record->B.assign(s.B, s.B + N);
      record->C.assign(s.C, s.C + N);
    }
    linear(y.data(), 1, L.outProj, out.data());
    addBias(out.data(), 1, L.outBias);
    for (int i = 0; i < H; ++i) x[static_cast<std::size_t>(i)] += out[static_cast<std::size_t>(i)];
  }
  ++m_position;
  rmsNorm(x.data(), 1, H, m_ck->finalNorm, c.eps, h.data());
  std::vector<float> logits(static_cast<std::size_t>(c.vocab));
  linear(h.data(), 1, m_ck->lmHead, logits.data());
  return logits;
}

}  // namespace loupe::lm
