#!/usr/bin/env bash
# Builds the addon with AddressSanitizer + UndefinedBehaviorSanitizer into build-sanitize/ and
# runs the whole test suite against it. Node itself is not instrumented, so the ASan runtime is
# preloaded; leak detection is off here (Node does not free everything at exit: that is not our
# leak) and done separately on a small training run. Any sanitizer report fails the run.
# Usage: scripts/sanitize.sh [vitest args…]
set -euo pipefail
cd "$(dirname "$0")/.."
npx cmake-js compile --out build-sanitize --CDFASTPROP_SANITIZE=ON >/dev/null
addon="$PWD/build-sanitize/Release/fastprop.node"
log="$(mktemp -d)/sanitizer"
export FASTPROP_ADDON_PATH="$addon"
export LD_PRELOAD="$(gcc -print-file-name=libasan.so) $(gcc -print-file-name=libubsan.so)"
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:log_path=$log"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_path=$log"
status=0
npx vitest run "$@" || status=$?
unset LD_PRELOAD
if compgen -G "$log*" >/dev/null; then
  echo "sanitizer reports:"; cat "$log"*; exit 1
fi
echo "sanitizers: no reports"
exit "$status"
