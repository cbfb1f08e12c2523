#!/usr/bin/env node
// SPDX-License-Identifier: MIT
// fastprop's npm `install` script. It exists so that npm (and yarn) never run `node-gyp rebuild`
// on their own because binding.gyp sits at the package root, and it is never needed: pnpm and
// Bun skip it, and `npm install --ignore-scripts` loses nothing.
//
// - Installed from the registry: a no-op when an addon loads (the prebuilt binary for this
//   platform, a build from source, or FASTPROP_ADDON_PATH). When none does it prints one note
//   (fastprop then runs on the reference backend) and still succeeds; it compiles nothing.
// - A build from source happens only on request: FASTPROP_BUILD_FROM_SOURCE=1 (or npm's
//   --build-from-source) with `npm rebuild fastprop`, or `node node_modules/fastprop/scripts/install.mjs
//   --build-from-source`. It uses cmake-js when it is installed, else node-gyp (npm bundles it),
//   and writes build/Release/fastprop.node, which the loader prefers to the prebuilt binary.
// - In a clone of the repository (src/ present) it always builds with cmake-js, as `npm ci`
//   did before there were prebuilt binaries.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);
const truthy = (value) => value !== undefined && value !== '' && value !== '0' && value !== 'false';

const checkout = existsSync(`${root}src/native.ts`);
const requested =
  process.argv.includes('--build-from-source') ||
  truthy(process.env.FASTPROP_BUILD_FROM_SOURCE) ||
  truthy(process.env.npm_config_build_from_source);

if (!checkout && !requested) {
  const { backendInfo } = await import('../dist/info.js');
  const info = backendInfo();
  if (!info.native) {
    console.warn(`fastprop: no native addon for this machine, so it will use the (slow) reference backend.\n${info.error}`);
  }
  process.exit(0);
}

function run(command, args) {
  console.log(`fastprop: ${[command, ...args].join(' ')}`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`fastprop: building the addon from source failed (${result.error?.message ?? `exit code ${result.status}`}).`);
    process.exit(1);
  }
}

function resolve(id) {
  try {
    return require.resolve(id, { paths: [root] });
  } catch {
    return undefined;
  }
}

const cmakeJs = resolve('cmake-js/bin/cmake-js');
const nodeGyp = process.env.npm_config_node_gyp || resolve('node-gyp/bin/node-gyp.js');
if (cmakeJs) {
  run(process.execPath, [cmakeJs, 'compile']);
} else if (nodeGyp) {
  run(process.execPath, [nodeGyp, 'rebuild', '--release']);
} else {
  console.error('fastprop: to build from source, install cmake-js (npm i -D cmake-js) or run this through npm, which bundles node-gyp.');
  process.exit(1);
}
