// SPDX-License-Identifier: MIT
// Two builds of the addon, timed in one process, taking turns call by call (in ABBA order, so
// that neither always goes first): the way to tell a 3% change from a shared machine's drift,
// which moves separate runs by 10–25% (see the closing notes of issue 3). Needs `npm run build`
// first (it copies dist/). Not part of `npm run bench`.
//
//   node bench/compare-builds.mjs OLD.node NEW.node [--batch 64] [--threads 2] [--rounds 15] [--hidden tanh]
//   node bench/compare-builds.mjs OLD.node NEW.node --gemm 64x784x512,64x512x784/nt [--threads 1]
//   node bench/compare-builds.mjs OLD.node NEW.node --xor [--threads 1] [--rounds 40]
//
// Training (default): the MLP of bench/profile-fit.mjs, one `fit` call of each build per round;
// --hidden gives its two hidden layers another activation than relu.
// Each build gets a private copy of dist/ with the .node file as its build/Release/fastprop.node,
// so the two TypeScript layers load different addons into one process. The builds must train to
// the same bits unless a change means to alter the rounding: that is checked and printed first.
// --xor: the model of bench/xor.bench.ts, one 10,000-step `fit` call of each build per round.
// --gemm: `_sgemm` on the given shapes (MxKxN, "/tn" or "/nt" for a stored-transposed operand).
// Prints each build's median, and the median over rounds of NEW's speed ÷ OLD's in that round.
import { cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { gemmProblem } from './gemm-problem.mjs';

const { values: opts, positionals: builds } = parseArgs({
  allowPositionals: true,
  options: {
    batch: { type: 'string', default: '64' },
    threads: { type: 'string', default: '2' },
    rounds: { type: 'string', default: '15' },
    gemm: { type: 'string' },
    xor: { type: 'boolean', default: false },
    hidden: { type: 'string', default: 'relu' },
  },
});
if (builds.length !== 2) {
  console.error('usage: node bench/compare-builds.mjs OLD.node NEW.node [--batch N] [--threads N] [--rounds N] [--hidden F] [--gemm shapes | --xor]');
  process.exit(2);
}
if (process.env.FASTPROP_ADDON_PATH) {
  console.error('unset FASTPROP_ADDON_PATH: it would make both copies load the same file');
  process.exit(2);
}
const threads = Number(opts.threads), rounds = Number(opts.rounds), batch = Number(opts.batch);
const paths = builds.map((b) => resolve(b));
const median = (v) => [...v].sort((a, b) => a - b)[v.length >> 1];
const report = (what, unit, a, b) => {
  const ratio = median(b.map((v, r) => v / a[r]));
  console.log(`${what}: OLD ${median(a).toFixed(1)} ${unit}, NEW ${median(b).toFixed(1)} ${unit}, NEW ÷ OLD ${ratio.toFixed(3)} (median of ${a.length} rounds)`);
};

if (opts.gemm) {
  const bindings = paths.map((path) => {
    const module = { exports: {} };
    process.dlopen(module, path);
    return module.exports;
  });
  const kernels = bindings.map((binding) => binding.backendInfo().defaultKernel);  // outside the timed calls
  for (const shape of opts.gemm.split(',')) {
    const problem = gemmProblem(shape);
    const reps = Math.max(3, Math.round(1e8 / problem.flops));
    const gflops = bindings.map(() => []);
    for (let r = 0; r < rounds; r++) {
      for (const i of r % 2 ? [1, 0] : [0, 1]) {
        const binding = bindings[i];
        const kernel = kernels[i];
        const call = () => problem.call(binding, kernel, threads);
        call();
        const t0 = performance.now();
        for (let q = 0; q < reps; q++) call();
        gflops[i].push((problem.flops * reps) / ((performance.now() - t0) / 1000) / 1e9);
      }
    }
    report(`${shape}, ${threads} thread(s)`, 'GFLOP/s', gflops[0], gflops[1]);
  }
} else {
  const root = resolve(import.meta.dirname, '..');
  const dirs = paths.map((path) => {
    const dir = mkdtempSync(join(tmpdir(), 'fastprop-build-'));
    cpSync(join(root, 'dist'), join(dir, 'dist'), { recursive: true });
    cpSync(join(root, 'package.json'), join(dir, 'package.json'));
    symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
    cpSync(path, join(dir, 'build', 'Release', 'fastprop.node'));
    return dir;
  });
  try {
    const libs = [];
    for (const dir of dirs) libs.push(await import(pathToFileURL(join(dir, 'dist', 'index.js')).href));
    if (opts.xor) await compareXor(libs);
    else await compareMlp(libs);
  } finally {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  }
}

// The MLP of bench/profile-fit.mjs: samples/s of one fit call per build and round.
async function compareMlp(libs) {
  const features = 784, rows = 1024, epochs = Math.max(1, Math.round(batch / 16));
  const x = Float32Array.from({ length: rows * features }, (_, i) => ((i * 2654435761) % 1000) / 1000);
  const y = Int32Array.from({ length: rows }, (_, i) => i % 10);
  const data = { data: x, shape: [rows, features] };
  const models = libs.map(({ Sequential, SGD }) => new Sequential({
    inputSize: features,
    layers: [{ units: 512, activation: opts.hidden }, { units: 256, activation: opts.hidden }, { units: 10, activation: 'softmax' }],
    loss: 'sparseCategoricalCrossEntropy',
    optimizer: new SGD({ learningRate: 0.01, momentum: 0.9 }),
    seed: 1,
    threads,
  }));
  for (const model of models) await model.fit(data, y, { epochs: 1, batchSize: batch });  // warm-up
  const differing = differingParameters(models);
  console.log(`after one epoch from the same seed, ${differing} parameter(s) differ between the builds`);
  const rates = await alternate(models, (model) => model.fit(data, y, { epochs, batchSize: batch }), (ms) => (rows * epochs) / (ms / 1000));
  for (const model of models) model.dispose();
  report(`MLP 784-512-256-10 (${opts.hidden}), batch ${batch}, ${threads} thread(s)`, 'samples/s', rates[0], rates[1]);
}

// XOR 2-4-1 as bench/xor.bench.ts trains it: steps/ms of one 10,000-step fit call per build and round.
async function compareXor(libs) {
  const X = [[0, 0], [0, 1], [1, 0], [1, 1]], Y = [[0], [1], [1], [0]];
  const models = libs.map(({ Sequential, SGD }) => new Sequential({
    inputSize: 2,
    layers: [{ units: 4, activation: 'sigmoid' }, { units: 1, activation: 'sigmoid' }],
    loss: 'binaryCrossEntropy',
    optimizer: new SGD({ learningRate: 0.5 }),
    seed: 3,
    threads,
  }));
  const fit = (model) => model.fit(X, Y, { epochs: 10_000, batchSize: 4, shuffle: false });
  for (const model of models) await fit(model);  // warm-up
  const differing = differingParameters(models);
  console.log(`after 10,000 steps from the same seed, ${differing} parameter(s) differ between the builds`);
  const rates = await alternate(models, fit, (ms) => 10_000 / ms);  // steps per ms
  for (const model of models) model.dispose();
  report(`XOR 2-4-1, 10,000 steps, ${threads} thread(s)`, 'steps/ms', rates[0], rates[1]);
}

// Each build's rate per round, from `run(model)` timed in ms: the builds take turns in ABBA order,
// so that neither always goes first.
async function alternate(models, run, rate) {
  const rates = [[], []];
  for (let r = 0; r < rounds; r++) {
    for (const i of r % 2 ? [1, 0] : [0, 1]) {
      const t0 = performance.now();
      await run(models[i]);
      rates[i].push(rate(performance.now() - t0));
    }
  }
  return rates;
}

// How many parameters of the two models are not the same bits.
function differingParameters(models) {
  const weights = models.map((model) => model.getWeights().flatMap((layer) => [layer.kernel, layer.bias]));
  return weights[0].reduce((count, w, i) => count + w.filter((v, j) => !Object.is(v, weights[1][i][j])).length, 0);
}
