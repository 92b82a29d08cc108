#include "engines/precision/MixedPrecisionMlp.h"

#include <zlib.h>

#include <cmath>
#include <random>
#include <sstream>
#include <string>

#include "engines/core/Cancellation.h"
#include "engines/core/Error.h"
#include "engines/core/InputFile.h"

namespace loupe::precision {

std::filesystem::path defaultDigitsPath() {
  return "/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz";
}

Digits loadDigits(const std::filesystem::path& path) {
  const std::string file = path.string();
  requireRegularFile(path);  // gzopen on a FIFO would wait for ever
  gzFile gz = gzopen(file.c_str(), "rb");
  if (!gz) throw InputError(file, "cannot be opened (Debian's python3-sklearn ships it)");
  std::string text;
  char buffer[1 << 16];
  int got;
  bool tooLarge = false;
  while ((got = gzread(gz, buffer, sizeof buffer)) > 0) {
    // Output capped: a 100 KB gzip bomb unpacks to gigabytes. sklearn's
    // table is 0.5 MB; a few times that is any digits file.
    if (text.size() + static_cast<std::size_t>(got) > kMaxDigitsTextBytes) {
      tooLarge = true;
      break;
    }
    text.append(buffer, static_cast<std::size_t>(got));
  }
  const bool bad = got < 0;
  gzclose(gz);
  if (tooLarge)
    throw InputError(file, "unpacks to more than " + std::to_string(kMaxDigitsTextBytes >> 20) +
                               " MB: not an 8×8 digits table (sklearn's is 0.5 MB)");
  if (bad) throw InputError(file, "is not a readable gzip file");
  std::vector<double> pixels;
  Digits d;
  std::istringstream lines(text);
  std::string line;
  int lineNo = 0;
  while (std::getline(lines, line)) {
    ++lineNo;
    if (line.empty()) continue;
    std::istringstream cells(line);
    std::string cell;
    std::vector<double> row;
    while (std::getline(cells, cell, ',')) {
      char* end = nullptr;
      const double v = std::strtod(cell.c_str(), &end);
      if (end == cell.c_str())
        throw InputError(file, "line " + std::to_string(lineNo) + ": '" + cell + "' is not a number");
      row.push_back(v);
    }
    if (row.size() != 65)
      throw InputError(file, "line " + std::to_string(lineNo) + ": " + std::to_string(row.size()) +
                                 " values, expected 64 pixels and a label");
    const double label = row.back();
    if (label < 0 || label > 9 || label != std::floor(label))
      throw InputError(file, "line " + std::to_string(lineNo) + ": label " + std::to_string(label) + " is not a digit");
    d.labels.push_back(static_cast<int>(label));
    pixels.insert(pixels.end(), row.begin(), row.end() - 1);
  }
  if (d.labels.empty()) throw InputError(file, "holds no images");
  const auto n = static_cast<Eigen::Index>(d.labels.size());
  d.images =
      Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(pixels.data(), n, 64) /
      16.0;
  return d;
}

namespace {

using Eigen::MatrixXd;
using Eigen::RowVectorXd;

// Every element rounded to the format; counts what overflowed (finite →
// not finite) and underflowed (non-zero → 0).
struct Rounder {
  Format format;
  double value(double x, std::int64_t& over, std::int64_t& under) const {
    const auto f = static_cast<float>(x);
    const double q = format == Format::F32 ? static_cast<double>(f) : decode(format, encode(format, f));
    if (std::isfinite(x) && !std::isfinite(q)) ++over;
    if (x != 0 && q == 0) ++under;
    return q;
  }
  template <class M>
  M operator()(const M& m, std::int64_t& over, std::int64_t& under) const {
    M out(m.rows(), m.cols());
    for (Eigen::Index i = 0; i < m.size(); ++i) out.data()[i] = value(m.data()[i], over, under);
    return out;
  }
};

// Cross-entropy of softmax(z) (float64), its mean over rows, and accuracy.
void softmaxLoss(const MatrixXd& z, const std::vector<int>& labels, MatrixXd& p, double& loss, double& accuracy) {
  p = z;
  loss = 0;
  int correct = 0;
  for (Eigen::Index i = 0; i < z.rows(); ++i) {
    const double m = z.row(i).maxCoeff();
    p.row(i) = (z.row(i).array() - m).exp();
    const double sum = p.row(i).sum();
    p.row(i) /= sum;
    loss += std::log(sum) - (z(i, labels[static_cast<std::size_t>(i)]) - m);
    Eigen::Index best;
    z.row(i).maxCoeff(&best);
    correct += best == labels[static_cast<std::size_t>(i)];
  }
  loss /= static_cast<double>(z.rows());
  accuracy = static_cast<double>(correct) / static_cast<double>(z.rows());
}

MatrixXd relu(const MatrixXd& a) {
  return a.cwiseMax(0.0);
}

}  // namespace

MlpGradients mlpGradients(const MlpWeights& w, const Eigen::MatrixXd& x, const std::vector<int>& y, Format format,
                          double lossWeight, double scale, StepLog& log) {
  const Rounder round{format};
  const auto batch = static_cast<double>(x.rows());
  LayerCounts& l1 = log.layers[0];
  LayerCounts& l2 = log.layers[1];
  std::int64_t ignore = 0;
  // Forward in the format.
  const MatrixXd xq = round(x, ignore, ignore);
  const MatrixXd W1q = round(w.W1, l1.weightOverflow, l1.weightUnderflow);
  const MatrixXd W2q = round(w.W2, l2.weightOverflow, l2.weightUnderflow);
  const RowVectorXd b1q = round(w.b1, l1.weightOverflow, l1.weightUnderflow);
  const RowVectorXd b2q = round(w.b2, l2.weightOverflow, l2.weightUnderflow);
  const MatrixXd a1 = round(MatrixXd((xq * W1q).rowwise() + b1q), l1.activationOverflow, l1.activationUnderflow);
  const MatrixXd h = relu(a1);
  const MatrixXd z = round(MatrixXd((h * W2q).rowwise() + b2q), l2.activationOverflow, l2.activationUnderflow);
  MatrixXd p;
  softmaxLoss(z, y, p, log.loss, log.accuracy);
  // Backward: dL/dz of the weighted, scaled mean loss, then every product
  // rounded (overflow counted; underflow counted below, against float64).
  MatrixXd g64 = p;
  for (Eigen::Index i = 0; i < x.rows(); ++i) g64(i, y[static_cast<std::size_t>(i)]) -= 1.0;
  g64 *= lossWeight * scale / batch;
  const MatrixXd g = round(g64, l2.gradientOverflow, ignore);
  const MatrixXd mask = (a1.array() > 0).cast<double>();
  MlpGradients out;
  out.W2 = round(MatrixXd(h.transpose() * g), l2.gradientOverflow, ignore);
  out.b2 = round(RowVectorXd(g.colwise().sum()), l2.gradientOverflow, ignore);
  const MatrixXd gh = round(MatrixXd(g * W2q.transpose()), l1.gradientOverflow, ignore).cwiseProduct(mask);
  out.W1 = round(MatrixXd(xq.transpose() * gh), l1.gradientOverflow, ignore);
  out.b1 = round(RowVectorXd(gh.colwise().sum()), l1.gradientOverflow, ignore);
  // The weight gradients lost to underflow: zero here, non-zero in float64.
  const MatrixXd ref2 = h.transpose() * g64, ref1 = xq.transpose() * (g64 * W2q.transpose()).cwiseProduct(mask);
  for (Eigen::Index i = 0; i < ref2.size(); ++i)
    if (ref2.data()[i] != 0) ++l2.gradientNonzero, l2.gradientUnderflow += out.W2.data()[i] == 0;
  for (Eigen::Index i = 0; i < ref1.size(); ++i)
    if (ref1.data()[i] != 0) ++l1.gradientNonzero, l1.gradientUnderflow += out.W1.data()[i] == 0;
  return out;
}

TrainResult trainMlp(const Digits& data, const TrainConfig& c, const std::function<void(const StepLog&)>& onLog) {
  if (c.format != Format::F32 && c.format != Format::F16 && c.format != Format::BF16)
    throw std::invalid_argument("training: format must be fp32, fp16 or bf16");
  const int n = static_cast<int>(data.labels.size());
  if (c.trainCount < 1 || c.trainCount >= n)
    throw std::invalid_argument("training: train count must be 1 … " + std::to_string(n - 1));
  std::mt19937_64 rng(c.seed);
  std::normal_distribution<double> normal;
  // He initialisation; master weights kept in float32.
  auto init = [&](int rows, int cols) {
    MatrixXd w(rows, cols);
    for (Eigen::Index i = 0; i < w.size(); ++i) w.data()[i] = static_cast<float>(normal(rng) * std::sqrt(2.0 / rows));
    return w;
  };
  MlpWeights weights{init(64, c.hidden), init(c.hidden, 10), RowVectorXd::Zero(c.hidden), RowVectorXd::Zero(10)};
  // A fixed shuffle: the first trainCount images train, the rest test.
  std::vector<int> order(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) order[static_cast<std::size_t>(i)] = i;
  std::shuffle(order.begin(), order.end(), rng);
  std::uniform_int_distribution<int> pick(0, c.trainCount - 1);
  LossScaler scaler(c.scaler);
  TrainResult result;
  std::int64_t lost = 0, nonzero = 0;
  for (int step = 0; step < c.steps; ++step) {
    pollCancel();  // the log callback runs only every log_every steps
    MatrixXd x(c.batch, 64);
    std::vector<int> y(static_cast<std::size_t>(c.batch));
    for (int i = 0; i < c.batch; ++i) {
      const int k = order[static_cast<std::size_t>(pick(rng))];
      x.row(i) = data.images.row(k);
      y[static_cast<std::size_t>(i)] = data.labels[static_cast<std::size_t>(k)];
    }
    const double scale = c.lossScaling ? scaler.scale() : 1.0;
    StepLog log;
    log.step = step;
    log.scale = scale;
    const MlpGradients grad = mlpGradients(weights, x, y, c.format, c.lossWeight, scale, log);
    const LayerCounts& l1 = log.layers[0];
    const LayerCounts& l2 = log.layers[1];
    lost += l1.gradientUnderflow + l2.gradientUnderflow;
    nonzero += l1.gradientNonzero + l2.gradientNonzero;
    const bool finite = grad.W1.allFinite() && grad.W2.allFinite() && grad.b1.allFinite() && grad.b2.allFinite();
    log.skipped = !finite;
    if (c.lossScaling) scaler.update(!finite);
    if (!finite) ++result.skippedSteps;
    if (finite) {
      // The update in float64 from the unscaled gradient, the masters kept in float32.
      const double k = c.learningRate / (scale * c.lossWeight);
      auto apply = [&](auto& w, const auto& gw) {
        w -= k * gw;
        for (Eigen::Index i = 0; i < w.size(); ++i) w.data()[i] = static_cast<float>(w.data()[i]);
      };
      apply(weights.W1, grad.W1), apply(weights.b1, grad.b1), apply(weights.W2, grad.W2), apply(weights.b2, grad.b2);
    }
    log.skippedSoFar = result.skippedSteps;
    if (onLog && (step % c.logEvery == 0 || step == c.steps - 1)) onLog(log);
  }
  // Final losses in float64 with the master weights.
  auto evaluate = [&](int from, int to, double& loss, double& accuracy) {
    MatrixXd x(to - from, 64);
    std::vector<int> y;
    for (int i = from; i < to; ++i) {
      x.row(i - from) = data.images.row(order[static_cast<std::size_t>(i)]);
      y.push_back(data.labels[static_cast<std::size_t>(order[static_cast<std::size_t>(i)])]);
    }
    MatrixXd p;
    softmaxLoss(MatrixXd((relu(MatrixXd((x * weights.W1).rowwise() + weights.b1)) * weights.W2).rowwise() + weights.b2),
                y, p, loss, accuracy);
  };
  evaluate(0, c.trainCount, result.trainLoss, result.trainAccuracy);
  evaluate(c.trainCount, n, result.testLoss, result.testAccuracy);
  result.gradientUnderflowFraction = nonzero ? static_cast<double>(lost) / static_cast<double>(nonzero) : 0.0;
  return result;
}

}  // namespace loupe::precision
