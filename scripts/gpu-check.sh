#!/usr/bin/env bash
# The checks that need a GPU, as one short run on a machine lent with one,
# through the bundle built here by scripts/gpu-bundle.sh (that machine has
# none of our Debian packages, so nothing is built there):
#
#   here:   scripts/gpu-bundle.sh
#   there:  the device tool's run, command "scripts/gpu-check.sh",
#           carry ["gpu-bundle"], timeout_s 300; then give_back.
#
# It runs gpu-bundle/run.sh, which writes the log, the test and benchmark
# JSON and the condensed figures into $OUT (see scripts/gpu-bundle-run.sh).
# On a machine that has our packages and a GPU, `make test` runs the same
# tests (test_cuda) and `make bench` the same benchmarks.
set -euo pipefail
bundle=$(cd "$(dirname "$0")/.." && pwd)/gpu-bundle
if [[ ! -x $bundle/run.sh ]]; then
  echo "gpu-check: no bundle at $bundle: run scripts/gpu-bundle.sh first (where our Debian packages are) and carry gpu-bundle" >&2
  exit 2
fi
exec "$bundle/run.sh" "$@"
