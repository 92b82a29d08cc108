#!/usr/bin/env bash
# run.sh of a Loupe GPU bundle (made by scripts/gpu-bundle.sh; this file is
# copied into it). The whole GPU check as one command:
#   1. every program finds its libraries (the bundle's lib/ first) and starts;
#   2. the device query — without a usable CUDA device it stops here, exit 3;
#   3. torch SDPA, the attention peer, timed with the machine's own python3;
#   4. test_cuda: every GPU path against the CPU or a reference;
#   5. bench_cuda: attention TFLOP/s against SDPA, scan / statistics /
#      depth → cloud GB/s against a device copy, per-frame times;
#   6. the figures, condensed.
# Writes into $OUT (default ./gpu-check-out): gpu-check.log, device.json,
# sdpa_peer.json, test_cuda.json, bench_cuda.json, figures.json, figures.md.
# Exit status: 0 all passed, 1 a test or benchmark failed, 2 the bundle does
# not load here, 3 no CUDA device.
#
# --past-no-device: go on without a device (every test skips, every benchmark
# says why), to check steps 3–6 themselves on a machine without a GPU; the
# exit status is still 3.
set -uo pipefail
past_no_device=0
[[ ${1:-} == --past-no-device ]] && past_no_device=1

here=$(cd "$(dirname "$0")" && pwd)
out=${OUT:-$PWD/gpu-check-out}
mkdir -p "$out"
exec > >(tee "$out/gpu-check.log") 2>&1
# The bundle's libraries first, then whatever path the machine already sets
# (GPU images often find the driver's libcuda through LD_LIBRARY_PATH, e.g.
# /usr/local/nvidia/lib64: replacing it would hide the GPU). Only the
# bundle's programs see this path; python3 must not (torch would load the
# bundle's older libstdc++).
lib=$here/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
bundled() { LD_LIBRARY_PATH=$lib "$@"; }

echo "== $(head -2 "$here/BUNDLE.txt" | tail -1) | $(sed -n 3p "$here/BUNDLE.txt")"
echo "== this machine: $(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME"), $(ldd --version 2>/dev/null | head -1)"

echo "== 1. libraries and start-up"
for p in "$here"/bin/*; do
  if command -v ldd >/dev/null && missing=$(LD_LIBRARY_PATH=$lib ldd "$p" | grep 'not found'); then
    echo "error: $(basename "$p") cannot load here: $missing"
    exit 2
  fi
done
bundled "$here/bin/test_cuda" --gtest_list_tests >/dev/null || { echo "error: test_cuda does not start here"; exit 2; }
bundled "$here/bin/bench_cuda" --benchmark_list_tests >/dev/null || { echo "error: bench_cuda does not start here"; exit 2; }
echo "every program loads and starts"

echo "== 2. device"
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv,noheader
bundled "$here/bin/cuda_device_query" >"$out/device.json"
case $? in
  0) ;;
  3)
    if ((!past_no_device)); then
      echo "no CUDA device: nothing more to run on this machine (the bundle loads and starts)"
      exit 3
    fi
    echo "no CUDA device: going on (--past-no-device): tests skip, benchmarks say why"
    ;;
  *)
    echo "error: cuda_device_query failed"
    exit 2
    ;;
esac

python=${LOUPE_PYTHON:-python3}
echo "== 3. torch SDPA (the attention peer) with $($python -c 'import sys, torch; print(sys.executable, "torch", torch.__version__)' 2>&1 | tail -1)"
start=$SECONDS
$python "$here/peer/sdpa_peer.py" "$out/sdpa_peer.json" || echo "warning: the SDPA peer failed; attention runs without it"
echo "($((SECONDS - start)) s)"

echo "== 4. test_cuda"
start=$SECONDS
LOUPE_SHARED_DATA=$here/data bundled "$here/bin/test_cuda" --gtest_output="json:$out/test_cuda.json"
tests=$?
echo "(exit $tests, $((SECONDS - start)) s)"

echo "== 5. bench_cuda"
start=$SECONDS
LOUPE_SDPA_PEER_JSON=$out/sdpa_peer.json bundled "$here/bin/bench_cuda" --benchmark_counters_tabular=true \
  --benchmark_out="$out/bench_cuda.json" --benchmark_out_format=json
bench=$?
echo "(exit $bench, $((SECONDS - start)) s)"

echo "== 6. figures"
$python "$here/figures.py" "$out"
case $? in
  0) ;;
  4) ((past_no_device)) || bench=1 ;;  # a benchmark stopped on an error
  *) echo "warning: the figures could not be condensed" ;;
esac
[[ -f $out/figures.md ]] && cat "$out/figures.md"

((tests != 0 || bench != 0)) && exit 1
((past_no_device)) && exit 3
exit 0
