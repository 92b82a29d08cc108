#!/usr/bin/env bash
# The sanitizer lane: configures BUILD_DIR with LOUPE_SANITIZE=address,undefined
# and without the GUI (the window's tests run under Xvfb in `make test`;
# instrumenting Qt's and VTK's callers here would double the build for
# nothing those tests do not already cover), builds, and runs every ctest
# test. Any ASan report or UBSan finding fails the test it happens in.
#
# Usage: scripts/test-sanitize.sh [BUILD_DIR (build-sanitize)] [JOBS]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build-sanitize}
jobs=${2:-$(nproc)}
cd "$root"
if [[ ! -f $build/build.ninja ]]; then
  # RelWithDebInfo: -O2 keeps the suite's run time near the plain build's;
  # the debug info gives the reports their file:line.
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLOUPE_SANITIZE=address,undefined \
    -DCMAKE_DISABLE_FIND_PACKAGE_Qt6=ON -DLOUPE_CUDA=OFF
fi
cmake --build "$build" -j "$jobs"
# halt_on_error: a UBSan finding ends the test (by default it only prints).
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:suppressions=$root/scripts/sanitize-ubsan.supp
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=0
export LSAN_OPTIONS=suppressions=$root/scripts/sanitize-lsan.supp:print_suppressions=0
cd "$build"
ctest --output-on-failure -j "$jobs" --timeout 1200
