// SPDX-License-Identifier: MIT
// Native fit runs on a worker thread: the event loop keeps serving, several fits can be in
// flight at once with the same results as one after another, and inputs are left untouched.
import { expect, it } from 'vitest';
import { Sequential, type ModelOptions } from '../../src/model.ts';
import { SGD } from '../../src/optimizers/sgd.ts';
import { Random } from '../../src/random.ts';
import { randomMatrix, shaped } from '../helpers/data.ts';

const mlp = (seed: number): ModelOptions => ({
  inputSize: 784,
  layers: [{ units: 512, activation: 'relu' }, { units: 256, activation: 'relu' }, { units: 10, activation: 'softmax' }],
  loss: 'sparseCategoricalCrossEntropy',
  optimizer: new SGD({ learningRate: 0.01, momentum: 0.9 }),
  backend: 'native',
  seed,
});

function dataset(rows: number) {
  const random = new Random(1);
  return { x: shaped(randomMatrix(random, rows, 784, 0, 1), rows, 784), labels: Int32Array.from({ length: rows }, () => random.below(10)) };
}

it('keeps a 10 ms timer firing with worst lag under 50 ms during a multi-second fit', async () => {
  const { x, labels } = dataset(4096);
  // One compute thread, so a core is left for the event loop. With as many compute threads as
  // cores, how soon the main thread gets a core back is up to the OS scheduler (and, on a shared
  // machine, other tenants), not to whether fit blocks the loop, which is what this measures.
  const model = new Sequential({ ...mlp(1), threads: 1 });
  let worstLag = 0;
  let ticks = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    worstLag = Math.max(worstLag, now - last - 10);
    last = now;
    ticks++;
  }, 10);
  const started = performance.now();
  // Keep training until at least two seconds have passed (the machine's speed varies).
  while (performance.now() - started < 2000) await model.fit(x, labels, { epochs: 2, batchSize: 64 });
  clearInterval(timer);
  const seconds = (performance.now() - started) / 1000;
  expect(ticks).toBeGreaterThan(seconds * 50); // at 10 ms a well-served loop ticks ~100 times a second
  expect(worstLag).toBeLessThan(50);
  model.dispose();
});

it('trains several models at once with the same results as one after another', async () => {
  const { x, labels } = dataset(512);
  const fit = { epochs: 2, batchSize: 32, seed: 5 };
  const sequential: Float32Array[][] = [];
  for (const seed of [1, 2, 3]) {
    const model = new Sequential(mlp(seed));
    await model.fit(x, labels, fit);
    sequential.push(model.getWeights().map((w) => w.kernel));
    model.dispose();
  }
  const models = [1, 2, 3].map((seed) => new Sequential(mlp(seed)));
  await Promise.all(models.map((model) => model.fit(x, labels, fit)));
  models.forEach((model, i) => {
    model.getWeights().forEach((w, l) => expect(Buffer.from(w.kernel.buffer).equals(Buffer.from(sequential[i]![l]!.buffer))).toBe(true));
    model.dispose();
  });
});

it('does not mutate the inputs passed to fit', async () => {
  const { x, labels } = dataset(256);
  const xBefore = x.data.slice();
  const labelsBefore = labels.slice();
  const model = new Sequential(mlp(1));
  await model.fit(x, labels, { epochs: 1, batchSize: 32 });
  expect(x.data).toEqual(xBefore);
  expect(labels).toEqual(labelsBefore);
  model.dispose();
});
