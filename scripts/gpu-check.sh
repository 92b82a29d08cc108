#!/usr/bin/env bash
# The checks that need a GPU, as one short run (for a machine lent with one):
# the CUDA tests (each compares a kernel with the CPU path on the same
# inputs) and bench_cuda (attention TFLOP/s against torch SDPA, scan and
# statistics GB/s against a device copy). Expects a configured build
# (`make build` or `cmake -S . -B build -G Ninja`) and builds only what it runs.
set -euo pipefail
build=${1:-build}
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
cmake --build "$build" --target test_engines_attention test_engines_ssm test_engines_precision test_engines_rgbd \
  test_experiments bench_cuda
for t in test_engines_attention test_engines_ssm test_engines_precision test_engines_rgbd test_experiments; do
  "$build/tests/$t" --gtest_filter='*Cuda*:DeviceFallback*' --gtest_brief=1
done
"$build/tests/bench/bench_cuda"
