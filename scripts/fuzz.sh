#!/usr/bin/env bash
# Builds every libFuzzer target in tests/fuzz/ with clang and ASan + UBSan
# (engines/core compiled alongside, instrumented) and runs each for a
# bounded time on a scratch copy of its committed seed corpus
# (tests/fuzz/corpus/<target>/). A crash leaves its input in
# build-fuzz/findings/<target>/; add it to the corpus once fixed, so the
# suite's replay (ctest Fuzz.*) keeps it fixed.
#
# Usage: scripts/fuzz.sh [SECONDS_PER_TARGET (default 60)] [TARGET...]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-60}
shift || true
cxx=${CXX_FUZZ:-clang++-14}
command -v "$cxx" >/dev/null || { echo "fuzz: $cxx not found (Debian: clang-14 libclang-rt-14-dev)" >&2; exit 2; }
out=$root/build-fuzz
mkdir -p "$out"
targets=("$@")
if ((${#targets[@]} == 0)); then
  for f in "$root"/tests/fuzz/Fuzz*.cpp; do
    name=$(basename "$f" .cpp)
    [[ $name == FuzzReplay ]] && continue
    targets+=("$(echo "${name#Fuzz}" | tr '[:upper:]' '[:lower:]')")
  done
fi
# CpuFeatures.cpp uses a GCC-only CPU-feature name; the parsers need none of it.
core=$(ls "$root"/engines/core/*.cpp | grep -v -e /CpuFeatures.cpp -e /DTypeConvert.cpp)
for t in "${targets[@]}"; do
  src=$(ls "$root"/tests/fuzz/Fuzz*.cpp | grep -i "/Fuzz${t}.cpp$")
  bin=$out/fuzz_$t
  echo "== $t: building $bin"
  # shellcheck disable=SC2086
  "$cxx" -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -I"$root" $core "$src" -lz -pthread -o "$bin"
  work=$out/corpus/$t findings=$out/findings/$t
  rm -rf "$work" && mkdir -p "$work" "$findings"
  cp "$root"/tests/fuzz/corpus/"$t"/* "$work"/
  echo "== $t: fuzzing for $seconds s"
  "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -max_len=65536 \
    -artifact_prefix="$findings/" -print_final_stats=1 "$work" 2>&1 | tail -12
done
