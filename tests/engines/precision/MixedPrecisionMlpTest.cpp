// The MLP's backward pass against torch autograd in float64, run by the
// test on the same batch and weights: in fp32 every gradient (W1, b1, W2,
// b2) of lossWeight · mean cross-entropy agrees to float32 rounding; the
// loss and accuracy too. The ReLU mask, the bias sums and the softmax
// gradient's sign all show up here.
#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include <zlib.h>

#include "engines/core/Error.h"
#include "engines/precision/MixedPrecisionMlp.h"
#include "tests/support/TestHelpers.h"

namespace loupe::precision {
namespace {

void writeDoubles(const std::filesystem::path& file, const double* data, Eigen::Index count) {
  testing::writeFile(file, std::string(reinterpret_cast<const char*>(data), static_cast<std::size_t>(count) * 8));
}

TEST(MixedPrecisionMlp, Fp32GradientsEqualTorchAutogradInFloat64) {
  const Digits digits = loadDigits(defaultDigitsPath());
  const int batch = 16, hidden = 12;
  std::mt19937_64 rng(7);
  std::normal_distribution<double> g;
  // Float32-representable weights (the masters are float32), biases non-zero
  // so their gradients are checked through a live ReLU mask.
  auto random = [&](Eigen::Index rows, Eigen::Index cols, double s) {
    Eigen::MatrixXd m(rows, cols);
    for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = static_cast<float>(s * g(rng));
    return m;
  };
  MlpWeights w{random(64, hidden, 0.3), random(hidden, 10, 0.5), random(1, hidden, 0.2), random(1, 10, 0.2)};
  Eigen::MatrixXd x(batch, 64);
  std::vector<int> y;
  for (int i = 0; i < batch; ++i) {
    x.row(i) = digits.images.row(i * 37);
    y.push_back(digits.labels[static_cast<std::size_t>(i * 37)]);
  }
  const double lossWeight = 0.75;
  StepLog log;
  const MlpGradients got = mlpGradients(w, x, y, Format::F32, lossWeight, 1.0, log);

  testing::TempDir dir;
  const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> xr = x, w1 = w.W1, w2 = w.W2;
  writeDoubles(dir / "x", xr.data(), xr.size());
  writeDoubles(dir / "w1", w1.data(), w1.size());
  writeDoubles(dir / "w2", w2.data(), w2.size());
  writeDoubles(dir / "b1", w.b1.data(), w.b1.size());
  writeDoubles(dir / "b2", w.b2.data(), w.b2.size());
  std::string labels;
  for (int label : y) labels += std::to_string(label) + ",";
  labels.pop_back();
  const auto r = testing::runPython(
      R"(
import sys, numpy as np, torch
d, H, B = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
t = lambda name, shape: torch.tensor(np.fromfile(d + '/' + name, dtype=np.float64).reshape(shape), requires_grad=True)
x = torch.tensor(np.fromfile(d + '/x', dtype=np.float64).reshape(B, 64))
w1, w2, b1, b2 = t('w1', (64, H)), t('w2', (H, 10)), t('b1', (H,)), t('b2', (10,))
y = torch.tensor([int(v) for v in sys.argv[4].split(',')])
z = torch.relu(x @ w1 + b1) @ w2 + b2
loss = torch.nn.functional.cross_entropy(z, y)
(float(sys.argv[5]) * loss).backward()
for name, g in (('gw1', w1.grad), ('gw2', w2.grad), ('gb1', b1.grad), ('gb2', b2.grad)):
    g.numpy().astype(np.float64).tofile(d + '/' + name)
acc = float((z.argmax(1) == y).double().mean())
np.array([loss.item(), acc]).tofile(d + '/loss')
)",
      {dir.path().string(), std::to_string(hidden), std::to_string(batch), labels, std::to_string(lossWeight)});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  auto expectClose = [&](const double* ours, const std::vector<double>& torch, const char* what) {
    double scale = 0;
    for (double v : torch) scale = std::max(scale, std::fabs(v));
    ASSERT_GT(scale, 0) << what;
    for (std::size_t i = 0; i < torch.size(); ++i)
      ASSERT_NEAR(ours[i], torch[i], 1e-5 * scale) << what << "[" << i << "]";
  };
  const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> gw1 = got.W1, gw2 = got.W2;
  expectClose(gw1.data(), testing::readValues<double>(dir / "gw1"), "dW1");
  expectClose(gw2.data(), testing::readValues<double>(dir / "gw2"), "dW2");
  expectClose(got.b1.data(), testing::readValues<double>(dir / "gb1"), "db1");
  expectClose(got.b2.data(), testing::readValues<double>(dir / "gb2"), "db2");
  const auto loss = testing::readValues<double>(dir / "loss");
  EXPECT_NEAR(log.loss, loss[0], 1e-5 * loss[0]);
  EXPECT_DOUBLE_EQ(log.accuracy, loss[1]);
}

}  // namespace
}  // namespace loupe::precision

namespace loupe::precision {
namespace {

// A gzip bomb as digits_file: 64 MB of zeros in a 64 KB gzip used to unpack
// whole before the first line was looked at.
TEST(MixedPrecisionMlp, AGzipBombIsRefusedBeforeItUnpacks) {
  testing::TempDir dir;
  const auto bomb = dir / "bomb.csv.gz";
  gzFile gz = gzopen(bomb.c_str(), "wb9");
  ASSERT_NE(gz, nullptr);
  const std::string zeros(1 << 20, '0');
  for (int i = 0; i < 64; ++i) ASSERT_EQ(gzwrite(gz, zeros.data(), static_cast<unsigned>(zeros.size())), 1 << 20);
  gzclose(gz);
  ASSERT_LT(std::filesystem::file_size(bomb), 1u << 20);
  try {
    (void)loadDigits(bomb);
    FAIL() << "a 64 MB digits text was read";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("unpacks to more than 16 MB"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace loupe::precision
