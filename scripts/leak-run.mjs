// SPDX-License-Identifier: MIT
// A small training workload for scripts/leak-check.sh: models created, trained (dropout, Adam,
// odd batch sizes), used for prediction, given a bad call, and disposed, straight on the addon.
import { createRequire } from 'node:module';
const b = createRequire(import.meta.url)(process.env.FASTPROP_ADDON_PATH ?? new URL('../build/Release/fastprop.node', import.meta.url).pathname);
const spec = { layers: [{ inputs: 16, units: 32, activation: 'relu', leakySlope: 0, dropout: 0.2 }, { inputs: 32, units: 4, activation: 'softmax', leakySlope: 0 }], loss: 'sparseCategoricalCrossEntropy' };
const count = 17 * 32 + 33 * 4, rows = 64;
const opt = { kind: 'adam', learningRate: 0.01, momentum: 0, nesterov: false, beta1: 0.9, beta2: 0.999, rho: 0, epsilon: 1e-8, weightDecay: 0 };
for (let m = 0; m < 20; m++) {
  const model = new b.NativeModel(spec, { threads: 2 });
  const params = new Float32Array(count).map((_, i) => Math.sin(i) * 0.3);
  const x = new Float32Array(rows * 16).map((_, i) => Math.cos(i));
  await model.train({ params, grads: new Float32Array(count), slots: [new Float32Array(count), new Float32Array(count)], optimizer: opt, firstStep: 1,
    clipValue: 0, clipNorm: 0, x, targets: new Int32Array(rows).map((_, i) => i % 4), datasetRows: rows, order: new Uint32Array(rows * 2).map((_, i) => i % rows),
    epochRows: rows, epochs: 2, batchSize: 3, firstBatch: 0, batchCount: 44 });
  model.predict(params, x, rows, new Float32Array(rows * 4));
  try { model.predict(params, new Float32Array(3), rows, new Float32Array(4)); } catch {}
  model.dispose();
}
console.log('done');
