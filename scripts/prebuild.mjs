#!/usr/bin/env node
// SPDX-License-Identifier: MIT
// Builds this machine's prebuilt binary (cmake-js, Release, stripped) into the layout the
// loader reads: prebuilds/<platform>-<arch>/fastprop.napi[.glibc|.musl].node (prebuildify's
// naming). One Node-API (NAPI_VERSION 8) binary serves every Node.js version fastprop supports.
// Runs as `prepack`, so `npm pack` and `npm publish` ship it; the release workflow runs it once
// per platform. The build has its own folder (build/prebuild) and leaves the dev build alone.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);

function libc() {
  if (process.platform !== 'linux') return '';
  try {
    if (readFileSync('/usr/bin/ldd', 'latin1').includes('musl')) return 'musl';
  } catch {}
  return process.report.getReport().header.glibcVersionRuntime ? 'glibc' : 'musl';
}

function run(command, args) {
  console.log(`> ${[command, ...args].join(' ')}`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`${command} failed: ${result.error?.message ?? `exit code ${result.status}`}`);
}

const out = 'build/prebuild';
const args = [require.resolve('cmake-js/bin/cmake-js'), 'compile', '--out', out, '--config', 'Release'];
if (process.platform === 'linux') {
  // libstdc++ and libgcc linked in (and not re-exported), so the binary needs only the C
  // library of the machine it was built on or newer: the release workflow builds on an old glibc.
  args.push('--CDCMAKE_SHARED_LINKER_FLAGS=-static-libstdc++ -static-libgcc -Wl,--exclude-libs,ALL');
}
if (process.env.npm_config_arch) args.push('--arch', process.env.npm_config_arch);
run(process.execPath, args);

const tag = libc();
const dir = `${root}prebuilds/${process.platform}-${process.arch}`;
const target = `${dir}/fastprop.napi${tag ? `.${tag}` : ''}.node`;
mkdirSync(dir, { recursive: true });
copyFileSync(`${root}${out}/Release/fastprop.node`, target);
if (process.platform === 'linux') run('strip', ['--strip-unneeded', target]);
if (process.platform === 'darwin') run('strip', ['-x', target]);

// It must load and report its kernels, or it is not worth shipping.
const info = require(target).backendInfo();
console.log(`prebuild: ${target.slice(root.length)} (${(statSync(target).size / 1024).toFixed(0)} KiB), kernels ${info.kernels.join(',')}`);
