#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds native/core's GEMM, dispatch and thread pool standalone (no Node) with the same
# per-file flags as CMakeLists.txt / binding.gyp, then runs the correctness tests and the
# benchmark table.
#
# Usage: native/tests/run.sh [test|bench|peak|kernel|all] [bench args...]   (default: all)
#   CXX=clang++ native/tests/run.sh test
# A cross compiler builds for its own target (x86 kernels only for x86-64), and
# FASTPROP_TEST_RUNNER runs the result (scripts/arm64-check.sh):
#   CXX=aarch64-linux-gnu-g++ FASTPROP_TEST_RUNNER="qemu-aarch64 -L /usr/aarch64-linux-gnu" \
#     native/tests/run.sh test
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out=${FASTPROP_TEST_BUILD:-$root/build/gemm_test}
mkdir -p "$out"
cxx=${CXX:-g++}
flags=(-std=c++17 -O3 -ffp-contract=off -Wall -Wextra -I"$root/native")  # as CMakeLists.txt
mode=${1:-all}; shift || true

# The compiler's target, not this machine's: a cross build gets no x86 kernels.
case $("$cxx" -dumpmachine) in
  x86_64*|amd64*) x86=1 ;;
  *) x86=0 ;;
esac
read -r -a runner <<< "${FASTPROP_TEST_RUNNER:-}"

objs=()
compile() {  # compile SRC [extra flags...]
  local src=$1; shift
  local obj="$out/$(basename "${src%.cc}").o"
  "$cxx" "${flags[@]}" "$@" -c "$root/$src" -o "$obj"
  objs+=("$obj")
}

defs=()
[ "$x86" = 1 ] && defs=(-DFASTPROP_X86_KERNELS=1)
compile native/core/gemm.cc "${defs[@]}"
compile native/core/dispatch.cc "${defs[@]}"
compile native/core/thread_pool.cc
compile native/core/peak_probe.cc
compile native/core/kernels/gemm_scalar.cc
if [ "$x86" = 1 ]; then
  # Only the kernel files get ISA flags (as in CMakeLists.txt's "ISA kernels" section).
  compile native/core/kernels/gemm_avx2.cc "${defs[@]}" -mavx2 -mfma -ffp-contract=fast
  compile native/core/kernels/gemm_avx512.cc "${defs[@]}" -mavx512f -mavx2 -mfma -ffp-contract=fast
fi
compile native/tests/gemm_test.cc "${defs[@]}"
"$cxx" "${objs[@]}" -o "$out/gemm_test" -lpthread

case $mode in
  test) "${runner[@]}" "$out/gemm_test" test ;;
  bench) "${runner[@]}" "$out/gemm_test" bench "$@" ;;
  peak) "${runner[@]}" "$out/gemm_test" peak ;;
  kernel) "${runner[@]}" "$out/gemm_test" kernel ;;
  all) "${runner[@]}" "$out/gemm_test" test && "${runner[@]}" "$out/gemm_test" kernel &&
       "${runner[@]}" "$out/gemm_test" bench "$@" ;;
  *) echo "unknown mode $mode" >&2; exit 2 ;;
esac
