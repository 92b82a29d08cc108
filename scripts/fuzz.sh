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
core=$(cd "$root" && ls engines/core/*.cpp | grep -v -e /CpuFeatures.cpp -e /DTypeConvert.cpp)
# What each target needs beyond engines/core: the parser's own sources (no
# OpenCV: those parsers live in OpenCV-free files) and libraries.
extra_sources() {
  case $1 in
    pcd | ply) echo engines/rgbd/PointCloudIO.cpp ;;
    arpa) echo engines/specdec/ArpaModel.cpp ;;
    medusatree) echo engines/specdec/MedusaTree.cpp ;;
    network) echo engines/scaling/Network.cpp engines/scaling/LayerCost.cpp ;;
    tumlist | redwoodintrinsics) echo engines/rgbd/SequenceFiles.cpp ;;
    csv) echo experiments/CsvColumn.cpp ;;
    blocklayout) echo engines/attention/SparsePatterns.cpp ;;
    llamaconfig) echo engines/lm/LlamaConfig.cpp engines/lm/ConfigFields.cpp ;;
    mambaconfig) echo engines/lm/MambaConfig.cpp engines/lm/ConfigFields.cpp ;;
    recipe) echo experiments/Recipe.cpp experiments/KindRegistry.cpp experiments/ParamSchema.cpp ;;
    sweepspec)
      echo experiments/SweepSpec.cpp experiments/SweepDirectory.cpp experiments/Recipe.cpp \
        experiments/KindRegistry.cpp experiments/ParamSchema.cpp
      ;;
  esac
}
extra_libs() {
  case $1 in
    pcd | ply) echo -llzf ;;
  esac
}
flags=(-std=c++20 -O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -I"$root")
# Objects are kept in build-fuzz/obj and rebuilt when their source or a
# header they include (clang's -MMD list) is newer (targets share the core).
object() {
  local src=$1 obj=$out/obj/${1%.cpp}.o
  local stale=0
  if [[ ! -f $obj || ! -f $obj.d ]]; then
    stale=1
  else
    for dep in $(sed -e 's/^[^:]*://' -e 's/\\$//' "$obj.d"); do
      [[ $dep -nt $obj ]] && stale=1 && break
    done
  fi
  if ((stale)); then
    mkdir -p "$(dirname "$obj")"
    "$cxx" "${flags[@]}" -MMD -MF "$obj.d" -c "$root/$src" -o "$obj"
  fi
  echo "$obj"
}
for t in "${targets[@]}"; do
  src=$(cd "$root" && ls tests/fuzz/Fuzz*.cpp | grep -i "/Fuzz${t}.cpp$")
  bin=$out/fuzz_$t
  echo "== $t: building $bin"
  objects=()
  # shellcheck disable=SC2046
  for s in $core $(extra_sources "$t") "$src"; do objects+=("$(object "$s")"); done
  # shellcheck disable=SC2046
  "$cxx" -fsanitize=fuzzer,address,undefined "${objects[@]}" $(extra_libs "$t") -lz -pthread -o "$bin"
  work=$out/corpus/$t findings=$out/findings/$t
  rm -rf "$work" && mkdir -p "$work" "$findings"
  cp "$root"/tests/fuzz/corpus/"$t"/* "$work"/
  echo "== $t: fuzzing for $seconds s"
  "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -max_len=65536 \
    -artifact_prefix="$findings/" -print_final_stats=1 "$work" 2>&1 | tail -12
done
