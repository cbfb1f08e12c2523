#!/usr/bin/env bash
# valgrind memcheck over a small training run straight on the addon (scripts/leak-run.mjs):
# fails on any memory error or any definitely lost block. Needs valgrind (apt-get install valgrind).
set -euo pipefail
cd "$(dirname "$0")/.."
# The workload loads build/Release/fastprop.node (or FASTPROP_ADDON_PATH): build it if missing.
if [ -z "${FASTPROP_ADDON_PATH:-}" ] && [ ! -f build/Release/fastprop.node ]; then
  npx cmake-js compile >/dev/null
fi
log="$(mktemp)"
valgrind --leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite \
  --error-exitcode=99 --num-callers=30 node scripts/leak-run.mjs >"$log" 2>&1 || {
  echo "valgrind found problems:"; cat "$log"; exit 1; }
grep -E "definitely lost|ERROR SUMMARY" "$log"
