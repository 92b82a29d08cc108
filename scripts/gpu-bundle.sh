#!/usr/bin/env bash
# Builds the GPU check as a bundle that a GPU machine without our Debian
# packages can run (the device machines lent to some issues have nvcc, CMake
# and torch but no Qt, OpenCV, GoogleTest or SQLite, and nothing can be
# installed there):
#
#   gpu-bundle/bin/    test_cuda, bench_cuda, cuda_device_query (debug info stripped;
#                      static cudart, kernels for sm_80 and sm_90)
#   gpu-bundle/lib/    every shared library they load that is not glibc's (from ldd)
#   gpu-bundle/data/   the shared data the tests read (Mamba's reference cases)
#   gpu-bundle/peer/   sdpa_peer.py (torch SDPA, run there with its own python3)
#   gpu-bundle/run.sh  the one command: tests, benchmarks, a log and the figures in $OUT
#
# Then it checks the bundle here in a clean environment (env -i, only the
# bundle on the library path): every program must find its libraries and
# start, up to the point where the device query says "no CUDA device" (or,
# on a machine with a GPU, through the whole check).
#
# Usage: scripts/gpu-bundle.sh [--no-build] [BUILD_DIR [BUNDLE_DIR]]
#   BUILD_DIR   a build configured with CUDA (default: build, as make uses)
#   BUNDLE_DIR  where the bundle goes (default: gpu-bundle, ignored by git)
#   --no-build  take the programs as they are in BUILD_DIR (the test suite's check)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build_first=1
if [[ ${1:-} == --no-build ]]; then
  build_first=0
  shift
fi
build=$(realpath -m "${1:-$root/build}")
bundle=$(realpath -m "${2:-$root/gpu-bundle}")
limit_mib=64
programs=(test_cuda bench_cuda cuda_device_query)

die() {
  echo "gpu-bundle: error: $*" >&2
  exit 1
}

if ((build_first)); then
  # The same set-up as `make`: Debian packages, then configure once.
  make -C "$root" --no-print-directory deps configure BUILD_DIR="$build" >/dev/null
fi
cache=$build/CMakeCache.txt
[[ -f $cache ]] || die "$build is not a configured build (no CMakeCache.txt)"
archs=$(sed -n 's/^CMAKE_CUDA_ARCHITECTURES:[A-Z]*=//p' "$cache")
[[ ";$archs;" == *";90;"* || ";$archs;" == *";90-real;"* ]] ||
  die "$build builds CUDA for '$archs': the H100/H200 need 90 (CMAKE_CUDA_ARCHITECTURES)"
if ((build_first)); then
  cmake --build "$build" --target "${programs[@]}"
fi

# The device query says whether these programs were built with CUDA.
query=$("$build/tests/cuda_device_query" 2>/dev/null || true)
[[ $query == *'"built_with_cuda":true'* ]] ||
  die "$build was configured without CUDA (no nvcc found, or LOUPE_CUDA=OFF): the bundle would hold only the CPU stubs"

rm -rf "$bundle"
mkdir -p "$bundle"/{bin,lib,data/oracles,peer}
for p in "${programs[@]}"; do
  src=$build/tests/$p
  [[ -x $src ]] || src=$build/tests/bench/$p
  [[ -x $src ]] || die "$p is not built in $build"
  cp "$src" "$bundle/bin/$p"
  strip --strip-debug "$bundle/bin/$p"
done

# Every library ldd resolves, except glibc's own (the loader, libc, libm,
# libpthread, libdl, librt, …): those must come from the machine, whose
# driver library (libcuda, loaded by the static CUDA runtime) is built
# against them. libstdc++ travels: the bundle's programs need the version
# they were built with, and only they see the bundle's library path.
glibc='^(linux-vdso|linux-gate|ld-linux[^ ]*|libc|libm|libmvec|libpthread|libdl|librt|libresolv|libutil|libanl|libnsl)\.so'
for p in "${programs[@]}"; do
  while read -r name arrow path _; do
    [[ $arrow == "=>" ]] || continue
    [[ $path == "not" ]] && die "$p: $name not found on this machine"
    [[ $name =~ $glibc ]] && continue
    [[ -e $bundle/lib/$name ]] || cp -L "$path" "$bundle/lib/$name"
  done < <(ldd "$bundle/bin/$p")
done

cp "$root/../shared/data/oracles/mamba_selective_scan_ref_cases.json" "$bundle/data/oracles/" 2>/dev/null ||
  cp "$(sed -n 's/^LOUPE_SHARED_DATA:[A-Z]*=//p' "$cache")/oracles/mamba_selective_scan_ref_cases.json" \
    "$bundle/data/oracles/" || die "the shared data (oracles/mamba_selective_scan_ref_cases.json) was not found"
cp "$root/tests/bench/sdpa_peer.py" "$bundle/peer/"
cp "$root/scripts/gpu-figures.py" "$bundle/figures.py"
cp "$root/scripts/gpu-bundle-run.sh" "$bundle/run.sh"
chmod +x "$bundle/run.sh"

{
  echo "Loupe GPU bundle"
  echo "commit: $(git -C "$root" describe --always --dirty 2>/dev/null || echo unknown)"
  echo "built: $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(. /etc/os-release && echo "$PRETTY_NAME"), $(ldd --version | head -1)"
  echo "cuda architectures: $archs"
  echo "programs: ${programs[*]}"
  echo "libraries: $(cd "$bundle/lib" && ls | tr '\n' ' ')"
  echo "needs glibc >= $(for f in "$bundle"/bin/* "$bundle"/lib/*; do objdump -T "$f"; done |
    grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -V | tail -1) on the GPU machine"
} >"$bundle/BUNDLE.txt"

size_kib=$(du -sk "$bundle" | cut -f1)
((size_kib <= limit_mib * 1024)) || die "the bundle is $((size_kib / 1024)) MiB, over the ${limit_mib} MiB a device call carries"
echo "gpu-bundle: $bundle ($((size_kib / 1024)).$(((size_kib % 1024) * 10 / 1024)) MiB, $(ls "$bundle/lib" | wc -l) libraries)"

# The clean-environment check: no PATH beyond the system's, no library path
# but the bundle's (run.sh sets it per program), no LOUPE_* variables.
check_out=$(mktemp -d)
trap 'rm -rf "$check_out"' EXIT
set +e
env -i PATH=/usr/bin:/bin HOME="${HOME:-/tmp}" OUT="$check_out" "$bundle/run.sh"
rc=$?
set -e
case $rc in
  0)
    echo "gpu-bundle: the whole GPU check passed on this machine"
    exit 0
    ;;
  3) echo "gpu-bundle: checked: the bundle runs in a clean environment up to the device query (no CUDA device here)" ;;
  *) die "the bundle's run.sh failed here (exit $rc)" ;;
esac

# No device here: run the later steps too (tests skip, benchmarks say why),
# so that run.sh's own plumbing is checked before a GPU machine's minutes
# are spent on it.
rm -rf "${check_out:?}"/*
set +e
env -i PATH=/usr/bin:/bin HOME="${HOME:-/tmp}" OUT="$check_out" "$bundle/run.sh" --past-no-device >/dev/null 2>&1
rc=$?
set -e
past_failed() {
  tail -30 "$check_out/gpu-check.log" >&2 2>/dev/null
  die "run.sh --past-no-device: $*"
}
for f in device.json test_cuda.json bench_cuda.json figures.json figures.md gpu-check.log; do
  [[ -s $check_out/$f ]] || past_failed "left no $f (exit $rc)"
done
grep -q ' 0 failed' "$check_out/figures.md" || past_failed "$(sed -n 2p "$check_out/figures.md")"
((rc == 3)) || past_failed "ended with exit $rc, not 3"
echo "gpu-bundle: checked: run.sh's later steps write every file (tests skip, benchmarks say why)"
