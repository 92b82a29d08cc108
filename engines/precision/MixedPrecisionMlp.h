// Mixed-precision training, emulated: a one-hidden-layer MLP (64 → H → 10,
// ReLU, softmax cross-entropy) trained by SGD on scikit-learn's digits
// (1797 8×8 images), with float32 master weights and the forward and
// backward passes in fp32, fp16 or bf16 — every matrix product, activation
// and gradient rounded to the format (round to nearest even, the format's
// overflow). The loss is multiplied by `lossWeight` (as a down-weighted or
// token-averaged loss is) and, with loss scaling, by the GradScaler's scale,
// which the update divides back out; a step whose gradients hold inf/NaN is
// skipped and the scale backs off.
//
// Each logged step reports loss, accuracy, the loss scale, skipped steps,
// and per layer the elements that overflow or underflow in the format:
// weights as cast, activations, and the gradients — those that are non-zero
// when the same backward pass runs in float64 but become 0 in the format
// ("lost to underflow").
#pragma once

#include <Eigen/Dense>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <vector>

#include "engines/precision/Format.h"
#include "engines/precision/LossScaler.h"

namespace loupe::precision {

struct Digits {
  Eigen::MatrixXd images;  // n × 64, pixel values / 16 ∈ [0, 1]
  std::vector<int> labels;
};
// The most a digits file may unpack to (its CSV text).
inline constexpr std::size_t kMaxDigitsTextBytes = std::size_t{16} << 20;

// scikit-learn's digits.csv.gz (64 pixel columns and the label); throws
// InputError naming the file and line for anything malformed, and for a
// file that unpacks past kMaxDigitsTextBytes.
Digits loadDigits(const std::filesystem::path& file);
// Where Debian's python3-sklearn keeps it.
std::filesystem::path defaultDigitsPath();

struct TrainConfig {
  Format format = Format::F32;  // F32, F16 or BF16
  bool lossScaling = false;
  LossScalerConfig scaler;
  int hidden = 64, batch = 32, steps = 3000, trainCount = 1500;
  double learningRate = 0.1, lossWeight = 1.0;
  std::uint64_t seed = 0;
  int logEvery = 10;
};

struct LayerCounts {
  std::int64_t weightOverflow = 0, weightUnderflow = 0;
  std::int64_t activationOverflow = 0, activationUnderflow = 0;
  std::int64_t gradientOverflow = 0, gradientUnderflow = 0, gradientNonzero = 0;  // nonzero in float64
};

struct StepLog {
  int step = 0;
  double loss = 0, accuracy = 0;  // of the batch (float64 loss of the rounded forward)
  double scale = 1;
  bool skipped = false;
  std::int64_t skippedSoFar = 0;
  LayerCounts layers[2];
};

struct TrainResult {
  double trainLoss = 0, trainAccuracy = 0, testLoss = 0, testAccuracy = 0;  // final, float64 forward
  std::int64_t skippedSteps = 0;
  double gradientUnderflowFraction = 0;  // over all steps and layers
};

struct MlpWeights {
  Eigen::MatrixXd W1, W2;  // 64 × H, H × 10
  Eigen::RowVectorXd b1, b2;
};
struct MlpGradients {
  Eigen::MatrixXd W1, W2;
  Eigen::RowVectorXd b1, b2;
};
// One forward and backward pass of a batch (x: rows of 64 pixels, y: labels)
// in the format: the gradients of lossWeight · scale · mean cross-entropy,
// every product rounded; fills log's loss, accuracy and per-layer counts.
MlpGradients mlpGradients(const MlpWeights& weights, const Eigen::MatrixXd& x, const std::vector<int>& y, Format format,
                          double lossWeight, double scale, StepLog& log);

TrainResult trainMlp(const Digits& data, const TrainConfig& config,
                     const std::function<void(const StepLog&)>& onLog = {});

}  // namespace loupe::precision
