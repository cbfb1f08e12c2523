// SPDX-License-Identifier: MIT
// How much of the machine's two cores one product on 2 threads gets: for each shape, rounds
// that alternate (a) one `_sgemm` on 2 threads and (b) two 1-thread `_sgemm` calls of the same
// shape at once, in two worker threads with arrays of their own. (b) is what the cores deliver
// with nothing shared and nothing to wait for; (a) ÷ (b) is what splitting one product costs.
// Prints the medians of the rounds' GFLOP/s and their ratio. Not part of `npm run bench`.
//
//   npm run build && node bench/two-cores.mjs [shapes = 256x784x512,1024x784x512] [rounds = 11]
//
// Shapes are MxKxN, with "/tn" or "/nt" for a stored-transposed operand (bench/gemm-problem.mjs).
import { createRequire } from 'node:module';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { gemmProblem } from './gemm-problem.mjs';

const require = createRequire(import.meta.url);
// The addon as the package loads it: FASTPROP_ADDON_PATH, else this checkout's build.
const ADDON = process.env.FASTPROP_ADDON_PATH ?? new URL('../build/Release/fastprop.node', import.meta.url).pathname;

/** The shape's product on this thread's own operands, run by `call(threads)`. */
function product(shape) {
  const binding = require(ADDON);
  const kernel = binding.backendInfo().defaultKernel;
  const problem = gemmProblem(shape);
  return { flops: problem.flops, call: (threads) => problem.call(binding, kernel, threads) };
}

if (!isMainThread) {
  const p = product(workerData.shape);
  parentPort.on('message', (calls) => {
    for (let i = 0; i < calls; i++) p.call(1);
    parentPort.postMessage('done');
  });
} else {
  const [shapes = '256x784x512,1024x784x512', rounds = '11'] = process.argv.slice(2);
  const median = (v) => [...v].sort((x, y) => x - y)[v.length >> 1];
  for (const shape of shapes.split(',')) {
    const p = product(shape);
    const workers = [0, 1].map(() => new Worker(new URL(import.meta.url), { workerData: { shape } }));
    const both = (calls) => Promise.all(workers.map((w) => new Promise((done) => {
      w.once('message', done);
      w.postMessage(calls);
    })));
    const calls = Math.max(4, Math.round(2e8 / p.flops));  // ~0.1 s per worker per round on a core
    await both(2);  // warm-up
    for (let i = 0; i < 3; i++) p.call(2);
    const split = [], pair = [];
    for (let r = 0; r < Number(rounds); r++) {
      let t0 = performance.now();
      for (let i = 0; i < 2 * calls; i++) p.call(2);
      split.push((2 * calls * p.flops) / ((performance.now() - t0) * 1e6));
      t0 = performance.now();
      await both(calls);
      pair.push((2 * calls * p.flops) / ((performance.now() - t0) * 1e6));
    }
    console.log(`${shape}: one product on 2 threads ${median(split).toFixed(1)} GFLOP/s, two 1-thread products at once ${median(pair).toFixed(1)} GFLOP/s, ratio ${(median(split) / median(pair)).toFixed(2)} (medians of ${rounds} rounds)`);
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
