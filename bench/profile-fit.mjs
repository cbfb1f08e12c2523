// SPDX-License-Identifier: MIT
// One system, one batch size, for a profiler: trains the bench's MLP (784-512-256-10, relu,
// softmax + cross-entropy, SGD momentum 0.9) on 1,024 synthetic rows, 16 epochs per fit call
// (like the bench, which makes each fit call last a ~1.5 s chunk, so that checking the input is
// not what the profile shows), for a few seconds, and prints the median samples/s per call.
// Not part of `npm run bench`.
//
//   npm run build && perf record -e cpu-clock -F 4000 node bench/profile-fit.mjs 1 2 4
//   node bench/profile-fit.mjs [batch = 1] [threads = all cores] [seconds = 3]
import { Sequential, SGD } from '../dist/index.js';

const [batch = 1, threads = undefined, seconds = 3] = process.argv.slice(2).map(Number);
const features = 784, rows = 1024;
const x = new Float32Array(rows * features);
for (let i = 0; i < x.length; i++) x[i] = ((i * 2654435761) % 1000) / 1000;  // fixed, not random
const y = Int32Array.from({ length: rows }, (_, i) => i % 10);
const model = new Sequential({
  inputSize: features,
  layers: [{ units: 512, activation: 'relu' }, { units: 256, activation: 'relu' }, { units: 10, activation: 'softmax' }],
  loss: 'sparseCategoricalCrossEntropy',
  optimizer: new SGD({ learningRate: 0.01, momentum: 0.9 }),
  seed: 1,
  ...(threads === undefined || Number.isNaN(threads) ? {} : { threads }),
});
const data = { data: x, shape: [rows, features] };
const epochs = 16;
await model.fit(data, y, { epochs: 1, batchSize: batch });  // warm-up
const rates = [];
const start = performance.now();
while (performance.now() - start < seconds * 1000) {
  const t = performance.now();
  await model.fit(data, y, { epochs, batchSize: batch });
  rates.push((rows * epochs) / ((performance.now() - t) / 1000));
}
rates.sort((a, b) => a - b);
const median = rates[rates.length >> 1];
console.log(`batch ${batch}, ${Number.isNaN(threads) || threads === undefined ? 'default' : threads} thread(s): median ${Math.round(median)} samples/s = ${(1e6 * batch / median).toFixed(1)} µs per step (${rates.length} calls of ${epochs} epochs)`);
model.dispose();
