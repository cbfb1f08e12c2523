// SPDX-License-Identifier: MIT
// The addon keeps no static mutable state: it loads in several worker_threads at once, trains
// in each, gives the same numbers as the main thread, and unloads when the workers exit.
import { Worker } from 'node:worker_threads';
import { expect, it } from 'vitest';
import { ADDON_PATH } from '../../src/native.ts';
import { nativeBinding } from '../helpers/native.ts';

// Plain JS run both in workers and here: one short training run on fixed data.
const TRAIN = `
async function train(binding) {
  const spec = { layers: [{ inputs: 16, units: 32, activation: 'tanh', leakySlope: 0 },
                          { inputs: 32, units: 4, activation: 'softmax', leakySlope: 0 }],
                 loss: 'sparseCategoricalCrossEntropy' };
  const count = 17 * 32 + 33 * 4;
  const params = new Float32Array(count).map((_, i) => Math.sin(i) * 0.3);
  const rows = 64;
  const x = new Float32Array(rows * 16).map((_, i) => Math.cos(i * 0.7));
  const targets = new Int32Array(rows).map((_, i) => i % 4);
  const model = new binding.NativeModel(spec, { threads: 1 });
  const result = await model.train({ params, grads: new Float32Array(count), slots: [new Float32Array(count)],
    optimizer: { kind: 'sgd', learningRate: 0.1, momentum: 0.9, nesterov: false, beta1: 0, beta2: 0, rho: 0, epsilon: 0, weightDecay: 0 }, firstStep: 1, x, targets, datasetRows: rows,
    order: new Uint32Array(rows * 20).map((_, i) => i % rows), epochRows: rows, epochs: 20, batchSize: 16,
    firstBatch: 0, batchCount: 80, clipValue: 0, clipNorm: 0 });
  model.dispose();
  return { losses: Array.from(result.batchLoss), params: Array.from(params) };
}`;

it('loads and trains in several worker threads at once, matching the main thread', async () => {
  const expected = await (new Function(`${TRAIN}; return train;`)() as (b: unknown) => Promise<unknown>)(nativeBinding());
  const source = `
    const { parentPort, workerData } = require('node:worker_threads');
    ${TRAIN}
    train(require(workerData)).then((result) => parentPort.postMessage(result));`;
  const runs = await Promise.all(
    [0, 1, 2].map(
      () =>
        new Promise<{ result: unknown; exitCode: number }>((resolve, reject) => {
          const worker = new Worker(source, { eval: true, workerData: ADDON_PATH });
          let result: unknown;
          worker.on('message', (message) => {
            result = message;
            void worker.terminate();
          });
          worker.on('error', reject);
          worker.on('exit', (exitCode) => resolve({ result, exitCode }));
        }),
    ),
  );
  for (const run of runs) {
    expect(run.result).toEqual(expected);
  }
  expect((expected as { losses: number[] }).losses.at(-1)).toBeLessThan((expected as { losses: number[] }).losses[0]!);
});
