// SPDX-License-Identifier: MIT
// The benchmark's MLP (784-512-256-10, SGD with momentum) on the native backend, and random
// data for it: for the tests of native fit on its worker thread.
import type { ModelOptions } from '../../src/model.ts';
import { SGD } from '../../src/optimizers/sgd.ts';
import { Random } from '../../src/random.ts';
import { randomMatrix, shaped } from './data.ts';

export const nativeMlp = (seed: number): ModelOptions => ({
  inputSize: 784,
  layers: [{ units: 512, activation: 'relu' }, { units: 256, activation: 'relu' }, { units: 10, activation: 'softmax' }],
  loss: 'sparseCategoricalCrossEntropy',
  optimizer: new SGD({ learningRate: 0.01, momentum: 0.9 }),
  backend: 'native',
  seed,
});

/** `rows` random inputs in [0, 1) and random labels of 10 classes. */
export function labelledRows(rows: number) {
  const random = new Random(1);
  return { x: shaped(randomMatrix(random, rows, 784, 0, 1), rows, 784), labels: Int32Array.from({ length: rows }, () => random.below(10)) };
}
