// Engine kinds of the state-space topic:
// - `ssm.hippo`: a signal through HiPPO's online approximation. Steps at
//   evenly spaced times record the state c(t) and, for LegS, the history
//   rebuilt from it beside the true one and the RMS error so far; the last
//   step adds the whole state evolution (N × time), the eigenvalues of A and
//   of the discretised Ā, and LegS's final error against N for each
//   discretisation.
// - `ssm.s4_kernel`: an S4 layer (a discretised HiPPO matrix, or S4D-Lin /
//   S4D-Inv) or an LRU as its convolution kernel K and as a recurrence on a
//   seeded input; records both outputs, their largest difference and the
//   eigenvalues.
// - `ssm.selective_scan`: Mamba's selective scan on seeded inputs (the
//   shapes and ranges of Mamba's tests): time and GB/s of the fast or
//   chunked path, its error against the float64 loop with Mamba's rule, and
//   one channel's Δ', gate, output and state over time.
#include "experiments/kinds/SsmKinds.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <random>
#include <sstream>

#include "engines/core/CheckedSize.h"
#include "engines/core/DTypeConvert.h"
#include "engines/core/Error.h"
#include "engines/core/InputFile.h"
#include "engines/core/NpyRead.h"
#include "engines/core/Timer.h"
#include "engines/ssm/Discretize.h"
#include "engines/ssm/Hippo.h"
#include "engines/ssm/Lru.h"
#include "engines/ssm/OnlineApproximation.h"
#include "engines/ssm/S4.h"
#include "engines/ssm/SelectiveScan.h"
#include "engines/ssm/SelectiveScanCuda.h"
#include "engines/ssm/Signals.h"
#include "experiments/CsvColumn.h"
#include "experiments/DeviceChoice.h"
#include "experiments/RunContext.h"
#include "experiments/kinds/SsmRecords.h"

namespace loupe {

namespace rec = loupe::ssm_records;

namespace {

using namespace loupe::ssm;

Array floats(Shape shape, const std::vector<double>& values) {
  std::vector<float> f(values.begin(), values.end());
  return Array::fromValues<float>(std::move(shape), f);
}

// Complex values as a 2 × n array: real parts, then imaginary parts.
Array complexPlane(const std::vector<std::complex<double>>& z) {
  std::vector<double> v(2 * z.size());
  for (std::size_t i = 0; i < z.size(); ++i) v[i] = z[i].real(), v[z.size() + i] = z[i].imag();
  return floats({2, static_cast<std::int64_t>(z.size())}, v);
}

// One column of a CSV file (experiments/CsvColumn.h).
std::vector<double> readCsvColumn(const std::string& file, int column) {
  return parseCsvColumn(readInputFile(file), column, file);
}

// A 1-D array, or one column of a 2-D one.
std::vector<double> readNpyColumn(const std::string& file, int column) {
  Array a;
  try {
    a = readNpy(file);
  } catch (const InputError& e) {
    throw InputError("params.file", e.what());
  }
  if (a.ndim() != 1 && a.ndim() != 2)
    throw InputError("params.file", file + ": expected a 1-D or 2-D array, got shape " + shapeToString(a.shape()));
  const std::int64_t rows = a.shape()[0], cols = a.ndim() == 2 ? a.shape()[1] : 1;
  if (column >= cols)
    throw InputError("params.column",
                     file + ": has " + std::to_string(cols) + " column(s), asked for column " + std::to_string(column));
  // float64 files keep their precision; other types go through float32 (exact for them).
  std::vector<double> all;
  if (a.dtype() == DType::F64) {
    all.assign(a.data<double>(), a.data<double>() + a.numel());
  } else {
    const std::vector<float> f = toFloat32(a.view());
    all.assign(f.begin(), f.end());
  }
  std::vector<double> values(static_cast<std::size_t>(rows));
  for (std::int64_t r = 0; r < rows; ++r) {
    values[static_cast<std::size_t>(r)] = all[static_cast<std::size_t>(r * cols + column)];
    if (!std::isfinite(values[static_cast<std::size_t>(r)]))
      throw InputError("params.file", file + ": row " + std::to_string(r) + " is not finite");
  }
  if (values.size() < 2) throw InputError("params.file", file + ": fewer than 2 values");
  return values;
}

std::vector<double> loadSignal(RunContext& ctx) {
  const std::string signal = ctx.paramString("signal");
  if (signal != "file") return makeSignal(signalFromName(signal), static_cast<int>(ctx.paramInt("length")), ctx.seed());
  const std::string file = ctx.paramString("file");
  if (file.empty()) throw InputError("params.file", "signal 'file' needs a .csv or .npy file");
  const int column = static_cast<int>(ctx.paramInt("column"));
  const bool npy = file.size() > 4 && file.substr(file.size() - 4) == ".npy";
  return npy ? readNpyColumn(file, column) : readCsvColumn(file, column);
}

// RMS of LegS's reconstruction of f_0 … f_k from the state after f_k, over
// at most `samples` evenly spread points of the history.
double legsRms(const Eigen::VectorXd& c, const std::vector<double>& f, int k, int samples = 2000) {
  const int points = k + 1;
  const int stride = std::max(1, points / samples);
  double sq = 0;
  int count = 0;
  for (int j = 0; j < points; j += stride) {
    // At cell centres, as reconstructLegs, but only the sampled ones.
    const double v = legsValue(c, 2.0 * (j + 0.5) / points - 1.0);
    sq += (v - f[static_cast<std::size_t>(j)]) * (v - f[static_cast<std::size_t>(j)]);
    ++count;
  }
  return std::sqrt(sq / count);
}

void runHippo(RunContext& ctx) {
  const Measure measure = measureFromName(ctx.paramString("measure"));
  const int n = static_cast<int>(ctx.paramInt("state"));
  const Discretization method = discretizationFromName(ctx.paramString("method"));
  const double dt = ctx.paramFloat("dt");
  const std::vector<double> f = loadSignal(ctx);
  const int length = static_cast<int>(f.size());
  const bool legs = measure == Measure::LegS;
  const int points = std::min(length, static_cast<int>(ctx.paramInt("points")));

  ctx.progress(0.0, "state evolution");
  const Eigen::MatrixXd states = hippoStates(measure, n, f, dt, method);
  const int steps = std::min(length, static_cast<int>(ctx.paramInt("steps")));
  for (int s = 0; s < steps; ++s) {
    ctx.throwIfCancelled();
    const int k = static_cast<int>((static_cast<std::int64_t>(s) + 1) * length / steps) - 1;  // last one is L − 1
    const Eigen::VectorXd c = states.col(k);
    StepRecord r;
    r.step = s;
    r.metric(rec::kT, k + 1).metric("state_norm", c.norm());
    r.array(rec::kState, floats({n}, std::vector<double>(c.data(), c.data() + n)));
    if (legs) {
      // The history [0, t] rebuilt at `points` cell centres, and the true one there.
      const int shown = std::min(points, k + 1);
      std::vector<double> truth(static_cast<std::size_t>(shown));
      for (int j = 0; j < shown; ++j)
        truth[static_cast<std::size_t>(j)] =
            f[static_cast<std::size_t>(std::min(k, static_cast<int>((j + 0.5) * (k + 1) / shown)))];
      r.array(rec::kReconstruction, floats({shown}, reconstructLegs(c, shown)));
      r.array(rec::kHistory, floats({shown}, truth));
      r.metric("rms_error", legsRms(c, f, k));
    }
    if (s == steps - 1) {
      // The state over time, at most 512 columns.
      const int cols = std::min(length, 512);
      std::vector<double> evolution(static_cast<std::size_t>(n) * cols);
      for (int j = 0; j < cols; ++j) {
        const int t = static_cast<int>((static_cast<std::int64_t>(j) + 1) * length / cols) - 1;
        for (int i = 0; i < n; ++i) evolution[static_cast<std::size_t>(i) * cols + j] = states(i, t);
      }
      r.array(rec::kStates, floats({n, cols}, evolution));
      r.array(rec::kSignal, floats({length}, f));
      const Hippo h = hippo(measure, n);
      // Ā as the run stepped it: LegS's last update (A/L, B/L) at Δ = 1, others (A, B) at Δ = dt.
      const DiscreteSystem sys = legs ? legsStep(h.A, h.B, length, method) : discretize(h.A, h.B, dt, method);
      r.array(rec::kEigContinuous, complexPlane(eigenvalues(h.A)));
      r.array(rec::kEigDiscrete, complexPlane(eigenvalues(sys.A)));
      if (legs) {
        // LegS's final error against N, one row per discretisation (first row: N).
        const auto sweep = ctx.params().at("sweep_n").get<std::vector<std::int64_t>>();
        const Discretization methods[] = {Discretization::Bilinear, Discretization::Zoh, Discretization::ForwardEuler,
                                          Discretization::BackwardEuler};
        const int m = static_cast<int>(sweep.size());
        std::vector<double> table(static_cast<std::size_t>(5) * m);
        const int sweepLength = std::min(length, 4000);  // ZOH takes a matrix exponential per step
        const std::vector<double> head(f.begin(), f.begin() + sweepLength);
        for (int i = 0; i < m; ++i) {
          table[static_cast<std::size_t>(i)] = static_cast<double>(sweep[static_cast<std::size_t>(i)]);
          for (int j = 0; j < 4; ++j) {
            ctx.throwIfCancelled();
            const Eigen::MatrixXd sw =
                hippoStates(Measure::LegS, static_cast<int>(sweep[static_cast<std::size_t>(i)]), head, 1.0, methods[j]);
            table[static_cast<std::size_t>(j + 1) * m + i] = legsRms(sw.col(sweepLength - 1), head, sweepLength - 1);
          }
        }
        r.array(rec::kErrorVsN, floats({5, m}, table));
        r.metric("sweep_length", sweepLength);
      }
    }
    ctx.emitStep(std::move(r));
    ctx.progress(double(s + 1) / steps, "step " + std::to_string(s + 1) + "/" + std::to_string(steps));
  }
}

void runS4Kernel(RunContext& ctx) {
  const int n = static_cast<int>(ctx.paramInt("state"));
  const int length = static_cast<int>(ctx.paramInt("length"));
  const double dt = ctx.paramFloat("dt");
  std::mt19937_64 rng(ctx.seed());
  std::normal_distribution<double> normal;
  std::vector<double> u(static_cast<std::size_t>(length));
  for (auto& e : u) e = normal(rng);
  std::vector<double> kernel, recurrent;
  std::vector<std::complex<double>> eigC, eigD;
  const Stopwatch clock;
  const std::string model = ctx.paramString("model");
  if (model == "lru") {
    // One input channel: kernel K_k = Re(Σ C γ λ^k B) + D·δ_k; Ā = Λ, A = log Λ per step.
    LruInit init{ctx.paramFloat("r_min"), ctx.paramFloat("r_max"), ctx.paramFloat("max_phase")};
    if (!(init.rMin < init.rMax)) throw InputError("params.r_min", "must be below params.r_max");
    const Lru lru = lruInit(n, 1, init, ctx.seed());
    kernel = lruKernel(lru, length);
    recurrent = lruScan(lru, u).y;
    for (int j = 0; j < n; ++j) eigD.push_back(lru.lambda(j)), eigC.push_back(std::log(lru.lambda(j)));
  } else if (model == "s4d") {
    if (n % 2)
      throw InputError("params.state", "S4D needs an even state size (conjugate pairs), got " + std::to_string(n));
    const S4D s = s4dInit(n, s4dInitFromName(ctx.paramString("init")), ctx.seed());
    kernel = s4dKernel(s, dt, length);
    recurrent = s4dRecurrence(s, dt, u);
    for (const auto& l : s.lambda) {
      eigC.push_back(l), eigC.push_back(std::conj(l));
      eigD.push_back(std::exp(dt * l)), eigD.push_back(std::conj(std::exp(dt * l)));
    }
  } else {
    const Hippo h = hippo(measureFromName(ctx.paramString("measure")), n);
    const DiscreteSystem sys = discretize(h.A, h.B, dt, discretizationFromName(ctx.paramString("method")));
    Eigen::VectorXd C(n);
    for (int i = 0; i < n; ++i) C[i] = normal(rng);
    kernel = ssmKernel(sys, C, length);
    recurrent = ssmRecurrence(sys, C, u);
    eigC = eigenvalues(h.A);
    eigD = eigenvalues(sys.A);
  }
  const std::vector<double> convolved = causalConvolution(kernel, u);
  double diff = 0, scale = 0;
  for (int i = 0; i < length; ++i) {
    diff = std::max(diff, std::fabs(convolved[static_cast<std::size_t>(i)] - recurrent[static_cast<std::size_t>(i)]));
    scale = std::max(scale, std::fabs(recurrent[static_cast<std::size_t>(i)]));
  }
  double spectral = 0;
  for (const auto& z : eigD) spectral = std::max(spectral, std::abs(z));
  StepRecord r;
  r.step = 0;
  r.metric("max_abs_diff_conv_vs_recurrence", diff)
      .metric("max_abs_output", scale)
      .metric("spectral_radius", spectral)
      .metric("kernel_abs_sum",
              [&] {
                double s = 0;
                for (double k : kernel) s += std::fabs(k);
                return s;
              }())
      .metric("time_ms", clock.milliseconds());
  r.array(rec::kKernel, floats({length}, kernel));
  r.array(rec::kInput, floats({length}, u));
  r.array(rec::kOutputConvolution, floats({length}, convolved));
  r.array(rec::kOutputRecurrence, floats({length}, recurrent));
  r.array(rec::kEigContinuous, complexPlane(eigC));
  r.array(rec::kEigDiscrete, complexPlane(eigD));
  ctx.emitStep(std::move(r));
}

void runSelectiveScan(RunContext& ctx) {
  ScanShape s;
  s.batch = static_cast<int>(ctx.paramInt("batch"));
  s.dim = static_cast<int>(ctx.paramInt("dim"));
  s.length = static_cast<int>(ctx.paramInt("length"));
  s.state = static_cast<int>(ctx.paramInt("state"));
  s.varyingB = s.varyingC = ctx.paramBool("selective");
  const int channel = static_cast<int>(ctx.paramInt("channel"));
  if (channel >= s.dim)
    throw InputError("params.channel",
                     "channel " + std::to_string(channel) + " is outside dim " + std::to_string(s.dim));
  {
    // u, z, Δ and the output in float32 (and float64 for the check), B and C:
    // refused before any of it is allocated, naming the largest factor.
    // The schema bounds every factor (≤ 64 · 8192 · 65536 · 48 bytes): no overflow.
    using U = std::uint64_t;
    const U bdlCount = U(s.batch) * U(s.dim) * U(s.length);
    const U bcCount = s.varyingB ? U(s.batch) * U(s.state) * U(s.length) : U(s.dim) * U(s.state);
    const U perCopy = ctx.paramBool("check_fp64") ? 4 + 8 : 4;
    const char* largest = s.batch > 1 ? "params.batch" : s.dim > 1 ? "params.dim" : "params.length";
    checkWithinBudget(bdlCount * 4 * perCopy + bcCount * 2 * perCopy, largest,
                      "ssm.selective_scan at batch=" + std::to_string(s.batch) + ", dim=" + std::to_string(s.dim) +
                          ", length=" + std::to_string(s.length) + ", state=" + std::to_string(s.state));
  }
  // Mamba's test inputs: u, z, B, C standard normal; Δ log-uniform in
  // [delta_min, delta_max]; A = −(1 … N) (S4D-real); D normal; bias around −2.
  std::mt19937 rng(static_cast<std::uint32_t>(ctx.seed()));
  std::normal_distribution<float> g;
  const double lo = std::log(ctx.paramFloat("delta_min")), hi = std::log(ctx.paramFloat("delta_max"));
  if (!(lo <= hi)) throw InputError("params.delta_min", "must not exceed params.delta_max");
  std::uniform_real_distribution<double> logDelta(lo, hi);
  const std::size_t bdl = static_cast<std::size_t>(s.batch) * s.dim * s.length;
  const std::size_t bc =
      s.varyingB ? static_cast<std::size_t>(s.batch) * s.state * s.length : static_cast<std::size_t>(s.dim) * s.state;
  std::vector<float> u(bdl), z(bdl), delta(bdl), B(bc), C(bc), D(static_cast<std::size_t>(s.dim)), bias(D.size()),
      A(static_cast<std::size_t>(s.dim) * s.state);
  for (auto* v : {&u, &z, &B, &C, &D}) {
    ctx.throwIfCancelled();  // B and C alone are up to 2^24 draws each
    for (auto& e : *v) e = g(rng);
  }
  for (auto& e : delta) e = static_cast<float>(std::exp(logDelta(rng)));
  for (auto& e : bias) e = -2.0f + 0.5f * g(rng);
  for (int d = 0; d < s.dim; ++d)
    for (int i = 0; i < s.state; ++i) A[static_cast<std::size_t>(d) * s.state + i] = -(i + 1.0f);
  const bool softplus = ctx.paramBool("delta_softplus");
  const ScanInputs<float> in{u.data(),
                             delta.data(),
                             A.data(),
                             B.data(),
                             C.data(),
                             D.data(),
                             ctx.paramBool("gate") ? z.data() : nullptr,
                             softplus ? bias.data() : nullptr,
                             softplus};
  const std::string path = ctx.paramString("path");
  ctx.progress(0.0, "scan");
  const Stopwatch clock;
  DeviceChoice device(ctx);
  const ScanResult<float> res =
      device.run([&] { return selectiveScanCuda(s, in); },
                 [&] {
                   return path == "chunked" ? selectiveScanChunked(s, in, static_cast<int>(ctx.paramInt("chunk")))
                                            : selectiveScan(s, in);
                 });
  const double seconds = clock.seconds();
  const double bytes = 4.0 * (static_cast<double>(bdl) * (in.z ? 4 : 3) + 2.0 * static_cast<double>(bc));
  StepRecord r;
  r.step = 0;
  r.metric("time_ms", seconds * 1e3).metric("gb_per_s", bytes / seconds / 1e9);
  device.annotate(r);
  if (ctx.paramBool("check_fp64")) {
    ctx.progress(0.5, "float64 reference");
    std::vector<double> u64(u.begin(), u.end()), z64(z.begin(), z.end()), d64(delta.begin(), delta.end()),
        A64(A.begin(), A.end()), B64(B.begin(), B.end()), C64(C.begin(), C.end()), D64(D.begin(), D.end()),
        bias64(bias.begin(), bias.end());
    const ScanInputs<double> in64{u64.data(),
                                  d64.data(),
                                  A64.data(),
                                  B64.data(),
                                  C64.data(),
                                  D64.data(),
                                  in.z ? z64.data() : nullptr,
                                  softplus ? bias64.data() : nullptr,
                                  softplus};
    const ScanResult<double> ref = selectiveScanReference(s, in64);
    double maxErr = 0, stateErr = 0;
    std::int64_t outside = 0;  // elements outside Mamba's fp32 rule |e| ≤ 2e-3 + 6e-4·|ref|
    for (std::size_t i = 0; i < ref.out.size(); ++i) {
      const double e = std::fabs(res.out[i] - ref.out[i]);
      maxErr = std::max(maxErr, e);
      outside += e > 2e-3 + 6e-4 * std::fabs(ref.out[i]);
    }
    for (std::size_t i = 0; i < ref.lastState.size(); ++i)
      stateErr = std::max(stateErr, std::fabs(res.lastState[i] - ref.lastState[i]));
    r.metric("max_abs_error_vs_fp64", maxErr)
        .metric("last_state_max_abs_error", stateErr)
        .metric("outside_mamba_tolerance", static_cast<double>(outside));
  }
  // One channel of batch entry 0, step by step (float64).
  const ScanTrace tr = selectiveScanTrace(s, in, 0, channel);
  const int cols = std::min(s.length, 1024);
  std::vector<double> evolution(static_cast<std::size_t>(s.state) * cols);
  for (int j = 0; j < cols; ++j) {
    const std::size_t t = static_cast<std::size_t>((static_cast<std::int64_t>(j) + 1) * s.length / cols - 1);
    for (int i = 0; i < s.state; ++i)
      evolution[static_cast<std::size_t>(i) * cols + j] = tr.state[static_cast<std::size_t>(i) * s.length + t];
  }
  const std::size_t row = static_cast<std::size_t>(channel) * s.length;
  r.array(rec::kDelta, floats({s.length}, tr.delta));
  r.array(rec::kGate, floats({s.length}, tr.gate));
  r.array(rec::kU, floats({s.length}, std::vector<double>(u.begin() + row, u.begin() + row + s.length)));
  r.array(rec::kY, floats({s.length}, tr.y));
  r.array(rec::kStates, floats({s.state, cols}, evolution));
  std::vector<double> eig(A.begin() + static_cast<std::ptrdiff_t>(channel) * s.state,
                          A.begin() + static_cast<std::ptrdiff_t>(channel + 1) * s.state);
  std::vector<std::complex<double>> lambda(eig.begin(), eig.end());
  r.array(rec::kEigContinuous, complexPlane(lambda));
  ctx.emitStep(std::move(r));
}

}  // namespace

void registerSsmKinds(KindRegistry& registry) {
  EngineKind h;
  h.name = "ssm.hippo";
  h.version = "1.0";
  h.summary = "a signal through HiPPO's online approximation: state over time, LegS reconstruction and its error";
  h.schema = ParamSchema{
      ParamSpec::choice("measure", {"legs", "legt", "lmu", "lagt"}, "legs", "HiPPO measure"),
      ParamSpec::integer("state", 32, "state size N").range(1, 256),
      ParamSpec::choice("method", {"bilinear", "zoh", "forward_euler", "backward_euler"}, "bilinear", "discretisation"),
      ParamSpec::number("dt", 0.001, "step of the fixed-window measures (LegT, LMU, LagT); LegS is scale-free")
          .range(1e-6, 10),
      ParamSpec::choice("signal", {"sines", "step", "chirp", "noise", "file"}, "sines",
                        "input: generated on [0, 1) (seeded) or a column of params.file"),
      ParamSpec::integer("length", 1000, "samples of a generated signal").range(2, 200000),
      ParamSpec::text("file", "", ".csv or .npy holding the signal (signal 'file')"),
      ParamSpec::integer("column", 0, "column of the file (from 0)").range(0, 100000),
      ParamSpec::integer("steps", 50, "recorded steps (evenly spaced in time)").range(1, 2000),
      ParamSpec::integer("points", 400, "points of the drawn reconstruction").range(8, 4096),
      ParamSpec::intList("sweep_n", {4, 8, 16, 32, 64}, "LegS: state sizes of the error-against-N table")
          .range(1, 256)
          .length(1, 12),
  };
  h.run = runHippo;
  registry.add(std::move(h));

  EngineKind k;
  k.name = "ssm.s4_kernel";
  k.version = "1.0";
  k.summary = "an S4 layer or an LRU as convolution kernel and as recurrence; their difference, eigenvalues";
  k.schema = ParamSchema{
      ParamSpec::choice("model", {"dense", "s4d", "lru"}, "s4d",
                        "dense discretised HiPPO, diagonal S4D, or the LRU (diagonal complex linear RNN)"),
      ParamSpec::choice("measure", {"legs", "legt", "lmu", "lagt"}, "legs", "dense: HiPPO measure"),
      ParamSpec::choice("method", {"bilinear", "zoh", "forward_euler", "backward_euler"}, "bilinear",
                        "dense: discretisation (S4D always uses ZOH)"),
      ParamSpec::choice("init", {"lin", "inv"}, "lin", "S4D initialisation"),
      ParamSpec::integer("state", 64, "state size N").range(2, 512),
      ParamSpec::number("dt", 0.01, "step Δ").range(1e-6, 10),
      ParamSpec::integer("length", 1024, "kernel and input length L").range(2, 16384),
      ParamSpec::number("r_min", 0.9, "LRU: smallest |λ| of the initial ring").range(0, 0.999999),
      ParamSpec::number("r_max", 0.999, "LRU: largest |λ|").range(1e-6, 0.999999),
      ParamSpec::number("max_phase", 6.283185307179586, "LRU: phases of λ uniform on [0, max_phase]")
          .range(1e-6, 6.283185307179586),
  };
  k.run = runS4Kernel;
  registry.add(std::move(k));

  EngineKind s;
  s.name = "ssm.selective_scan";
  s.supportsCuda = true;  // the GPU scan; path and chunk apply to the CPU
  s.version = "1.0";
  s.summary = "Mamba's selective scan on seeded inputs: speed, error vs float64, one channel's Δ, gate and state";
  s.schema = ParamSchema{
      ParamSpec::integer("batch", 1, "batch").range(1, 64),
      ParamSpec::integer("dim", 64, "channels D").range(1, 8192),
      ParamSpec::integer("length", 1024, "sequence length L").range(1, 65536),
      ParamSpec::integer("state", 16, "state size N").range(1, 256),
      ParamSpec::boolean("selective", true, "B and C depend on the input (Mamba); off: constant per channel (S4)"),
      ParamSpec::boolean("delta_softplus", true, "Δ' = softplus(Δ + bias)"),
      ParamSpec::boolean("gate", true, "z gate: out = y·SiLU(z)"),
      ParamSpec::number("delta_min", 0.001, "Δ is log-uniform in [delta_min, delta_max]").range(1e-6, 10),
      ParamSpec::number("delta_max", 0.1, "upper end of Δ").range(1e-6, 10),
      ParamSpec::choice("path", {"fast", "chunked"}, "fast", "sequential vector scan, or the chunked parallel scan"),
      ParamSpec::integer("chunk", 256, "chunked: chunk length").range(1, 65536),
      ParamSpec::integer("channel", 0, "channel traced step by step").range(0, 8191),
      ParamSpec::boolean("check_fp64", true, "compare with the float64 loop"),
  };
  s.run = runSelectiveScan;
  registry.add(std::move(s));

  registerSsmModelStatesKind(registry);
}

}  // namespace loupe
