// SPDX-License-Identifier: MIT
// The determinism guarantee: the same seed, data and options give bitwise-identical weights,
// run after run, and on the native backend whatever the thread count.
import { expect, it } from 'vitest';
import { Sequential, type ModelOptions } from '../../src/model.ts';
import { Adam } from '../../src/optimizers/adam.ts';
import { Random } from '../../src/random.ts';
import { randomMatrix, shaped } from '../helpers/data.ts';

const random = new Random(3);
const rows = 512;
const x = shaped(randomMatrix(random, rows, 784, 0, 1), rows, 784);
const labels = Int32Array.from({ length: rows }, () => random.below(10));
// Wide enough that the GEMMs and element-wise passes really are split between threads.
const options = (threads: number): ModelOptions => ({
  inputSize: 784,
  layers: [{ units: 512, activation: 'relu', l2: 1e-4 }, { dropout: 0.2 }, { units: 256, activation: 'relu' }, { units: 10, activation: 'softmax' }],
  loss: 'sparseCategoricalCrossEntropy',
  optimizer: new Adam({ learningRate: 1e-3 }),
  backend: 'native',
  seed: 11,
  threads,
});

async function train(threads: number, batchSize = 128): Promise<Buffer[]> {
  const model = new Sequential(options(threads));
  await model.fit(x, labels, batchSize === 128 ? { epochs: 2, batchSize, seed: 4, clipNorm: 5 } : { epochs: 1, batchSize, seed: 4 });
  const weights = model.getWeights().flatMap((w) => [Buffer.from(w.kernel.buffer), Buffer.from(w.bias.buffer)]);
  model.dispose();
  return weights;
}

it('gives bitwise-identical weights on 1 and 2 threads, and run after run', async () => {
  const one = await train(1);
  const two = await train(2);
  const again = await train(2);
  one.forEach((buffer, i) => {
    expect(buffer.equals(two[i]!)).toBe(true);
    expect(buffer.equals(again[i]!)).toBe(true);
  });
});

it('gives bitwise-identical weights on 1 and 2 threads at batch size 8, across the native thread choice', async () => {
  // 64 steps in one call: on 2 threads, 32 run on both threads and 32 on one while the native
  // core times the two sides (native/core/thread_choice.h).
  const one = await train(1, 8);
  const two = await train(2, 8);
  one.forEach((buffer, i) => expect(buffer.equals(two[i]!), `buffer ${i}`).toBe(true));
});
