#!/usr/bin/env bash
# Coverage-guided fuzzing of fastprop's parsers of untrusted files (model files, IDX, safetensors,
# CSV, JSON Lines) with Jazzer.js, whose engine is libFuzzer: every target in fuzz/*.fuzz.js runs
# for a bounded time against the compiled TypeScript in dist/, starting from its seeds in
# fuzz/corpus/<target>/. A target throws on anything but the documented FastpropError, or when
# an invariant of a successful parse fails; libFuzzer reports that, or a hang past -timeout, or
# memory past -rss_limit_mb, as a finding. New corpus entries and findings go to a temporary
# directory, never into the repository; it is kept (and named) when there is a finding.
# Usage: scripts/fuzz.sh [seconds-per-target (default 30)] [target…]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
seconds=${1:-30}
shift $(($# > 0 ? 1 : 0))
if ! [[ $seconds =~ ^[1-9][0-9]*$ ]]; then echo "fuzz: seconds per target must be a positive integer, not '$seconds'" >&2; exit 2; fi
if (($# > 0)); then targets=("$@"); else targets=(); for f in fuzz/*.fuzz.js; do t=${f#fuzz/}; targets+=("${t%.fuzz.js}"); done; fi
for t in "${targets[@]}"; do [ -f "fuzz/$t.fuzz.js" ] || { echo "fuzz: no target fuzz/$t.fuzz.js" >&2; exit 2; }; done

max_len=8192        # bytes per input: the seeds are at most ~1 kB
per_input_ms=5000   # an input that runs longer is a finding (a hang)
rss_limit_mb=2048   # so is a process that grows past this

# In memory when there is a tmpfs: the loaders' targets write every input to a scratch file.
if [ -d /dev/shm ] && [ -w /dev/shm ]; then base=/dev/shm; else base=${TMPDIR:-/tmp}; fi
work=$(mktemp -d "$base/fastprop-fuzz.XXXXXX")
mkdir -p "$work/tmp" "$work/artifacts"
keep=0
trap '[ "$keep" = 1 ] || rm -rf "$work"' EXIT

echo "fuzz: compiling TypeScript into dist/"
npx tsc -p tsconfig.build.json

# The engine: @jazzer.js/fuzzer's prebuilt libFuzzer addon. It is linked against glibc 2.38 and
# libstdc++ 13; on an older system (Debian 12: glibc 2.36, libstdc++ 12) it does not load, and is
# used through fuzz/compat/ instead (see fuzz/README.md): a patched copy that accepts the
# older libraries, with the three symbols it needs from the newer ones supplied by a small shim.
engine_loads() { node -e "require('@jazzer.js/fuzzer')" 2>"$work/engine.err"; }
if ! engine_loads; then
  if ! grep -qE "GLIBC_2\.38|GLIBCXX_3\.4\.32" "$work/engine.err"; then cat "$work/engine.err" >&2; echo "fuzz: the Jazzer.js engine does not load" >&2; exit 1; fi
  echo "fuzz: the prebuilt engine needs glibc 2.38 / libstdc++ 13; using it through fuzz/compat/"
  prebuilt=$(node -p "require('path').join(require.resolve('@jazzer.js/fuzzer/package.json'), '..', 'prebuilds', 'fuzzer-' + process.platform + '-' + process.arch + '.node')")
  g++ -shared -fPIC -O2 -o "$work/glibc-compat.so" fuzz/compat/glibc-compat.cc
  node fuzz/compat/patch-elf.mjs "$prebuilt" "$work/fuzzer.node" GLIBC_2.38 GLIBCXX_3.4.32
  export FASTPROP_FUZZ_ENGINE="$work/fuzzer.node"
  export LD_PRELOAD="$work/glibc-compat.so${LD_PRELOAD:+ $LD_PRELOAD}"
  export LD_BIND_NOW=1 # every symbol resolved at load: a missing one fails here, not mid-run
  export NODE_OPTIONS="--require $root/fuzz/compat/redirect.cjs${NODE_OPTIONS:+ $NODE_OPTIONS}"
  engine_loads || { cat "$work/engine.err" >&2; echo "fuzz: the engine does not load through fuzz/compat/ either" >&2; exit 1; }
fi

# One target per core at a time: each libFuzzer process runs on one thread, so this cuts the wall
# time (5 targets on 2 cores: 3 rounds instead of 5) without fuzzing any target for less time.
# Each target gets its own scratch directory, since they now run side by side.
jobs=$(nproc 2>/dev/null || echo 1)

run_target() {
  local t=$1 log="$work/$1.log" start status=0
  mkdir -p "$work/corpus/$t" "$work/tmp/$t"
  start=$(date +%s)
  # The first corpus directory receives new inputs (temporary); the seeds are only read.
  (cd "$work" && TMPDIR="$work/tmp/$t" timeout --kill-after=10 $((seconds + 120)) \
    node "$root/node_modules/@jazzer.js/core/dist/cli.js" "$root/fuzz/$t.fuzz.js" "$work/corpus/$t" "$root/fuzz/corpus/$t" \
      --timeout="$per_input_ms" -- \
      -max_total_time="$seconds" -max_len="$max_len" -rss_limit_mb="$rss_limit_mb" \
      -print_final_stats=1 -artifact_prefix="$work/artifacts/$t-") >"$log" 2>&1 || status=$?
  echo "$status $(($(date +%s) - start))" >"$work/$t.status"
}

# Reports one finished target; counts its inputs and findings.
report_target() {
  local t=$1 log="$work/$1.log" status elapsed runs added artifacts
  read -r status elapsed <"$work/$t.status"
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || true)
  added=$(grep -o 'stat::new_units_added: *[0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || true)
  total_runs=$((total_runs + ${runs:-0}))
  artifacts=$(compgen -G "$work/artifacts/$t-*" || true)
  if [ "$status" = 0 ] && [ -z "$artifacts" ] && [ -n "$runs" ]; then
    echo "fuzz: $t: ${runs} inputs in ${elapsed} s ($((runs / (elapsed > 0 ? elapsed : 1)))/s), ${added:-0} new corpus entries, no finding"
  else
    findings=$((findings + 1))
    keep=1
    echo "fuzz: $t: FINDING (exit $status) after ${runs:-?} inputs in ${elapsed} s; log $log"
    grep -v -E '^#[0-9]+\s|^INFO: |^\s*$' "$log" | tail -40 | sed 's/^/    /'
    for a in $artifacts; do echo "    input: $a ($(wc -c <"$a") bytes); replay: node fuzz/replay.mjs $t $a"; done
  fi
}

total_runs=0
findings=0
began=$(date +%s)
for ((i = 0; i < ${#targets[@]}; i += jobs)); do
  batch=("${targets[@]:i:jobs}")
  for t in "${batch[@]}"; do run_target "$t" & done
  wait
  for t in "${batch[@]}"; do report_target "$t"; done
done
echo "fuzz: ${#targets[@]} targets, ${total_runs} inputs executed in $(($(date +%s) - began)) s, ${findings} findings"
if ((findings > 0)); then echo "fuzz: logs, inputs and corpora kept in $work"; exit 1; fi
