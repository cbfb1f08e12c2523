#!/usr/bin/env bash
# Fails when an object compiled with ISA flags (-mavx2, -mavx512f) defines a weak symbol: an
# inline function or template instantiation the linker may merge with the baseline copy of the
# same name, putting AVX instructions on the portable path (an "Illegal instruction" on older
# CPUs). Run after a cmake-js build: scripts/check-isa-symbols.sh [build dir]
set -euo pipefail
build="${1:-build}"
objects=$(find "$build" -path '*fastprop_kernel_*' -name '*.o')
[ -n "$objects" ] || { echo "no ISA kernel objects under $build (x86-64 cmake-js build expected)"; exit 1; }
bad=0
for object in $objects; do
  weak=$(nm -C "$object" | grep -E ' [WVuv] ' || true)
  if [ -n "$weak" ]; then
    echo "$object defines weak symbols:"; echo "$weak"; bad=1
  fi
done
[ "$bad" = 0 ] && echo "ISA kernel objects define no weak symbols ($(echo "$objects" | wc -w) objects)"
exit "$bad"
