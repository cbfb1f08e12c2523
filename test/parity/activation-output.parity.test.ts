// SPDX-License-Identifier: MIT
// A hidden layer whose f' can be had from a = f(z) keeps no z in the native core: f runs in
// place over the product's output, and the backward pass reads a where it read z (relu, elu and
// leaky relu test z > 0, the same as a > 0 for them). A leaky relu with a negative slope has
// a > 0 for z < 0, so it must keep z. These cases hold that boundary to the reference twin, on
// the blocked products (300 rows), the small ones (5 rows) and the fused small-batch training
// path (batches of 2).
import { describe, expect, it } from 'vitest';
import { Sequential, type ModelOptions } from '../../src/model.ts';
import type { Kernel } from '../../src/native.ts';
import { Random } from '../../src/random.ts';
import * as mlp from '../../src/reference/mlp.ts';
import { SGD } from '../../src/optimizers/sgd.ts';
import type { Activation } from '../../src/spec.ts';
import { randomMatrix, shaped } from '../helpers/data.ts';
import { availableKernels } from '../helpers/native.ts';
import { PARITY_TOLERANCE, relativeError } from '../helpers/tolerance.ts';

const TRAINING_TOLERANCE = 1e-4;  // as in training.parity.test.ts: 20 float32 steps against float64

const CASES: [string, Activation, number][] = [
  ['leaky relu, slope -0.2', 'leakyRelu', -0.2],
  ['leaky relu, slope 0', 'leakyRelu', 0],
  ['leaky relu, slope 0.3', 'leakyRelu', 0.3],
  ['relu', 'relu', 0.01],
  ['elu', 'elu', 0.01],
];

function options(kernel: Kernel, backend: 'native' | 'reference', activation: Activation, leakySlope: number): ModelOptions {
  return {
    inputSize: 20,
    layers: [
      { units: 150, activation, leakySlope },
      { units: 40, activation, leakySlope },
      { units: 5, activation: 'softmax' },
    ],
    loss: 'sparseCategoricalCrossEntropy',
    optimizer: new SGD({ learningRate: 0.05, momentum: 0.9 }),
    seed: 9,
    backend,
    ...(backend === 'native' ? { kernel } : {}),
  };
}

describe.each(availableKernels())('f\' from the activations, %s kernel', (kernel) => {
  describe.each(CASES)('%s', (_name, activation, slope) => {
    it.each([300, 5])('gradients of %i rows match the reference', (rows) => {
      const random = new Random(rows);
      const model = new Sequential({ ...options(kernel, 'native', activation, slope), threads: 2 });
      // Biases spread around 0 so that many units sit on each side of the kink.
      model.setWeights(model.getWeights().map((w) => ({ kernel: w.kernel, bias: randomMatrix(random, 1, w.bias.length, -0.5, 0.5) })));
      const x = randomMatrix(random, rows, 20);
      const labels = Int32Array.from({ length: rows }, () => random.below(5));
      const flat = Float64Array.from(model.getWeights().flatMap((w) => [...w.kernel, ...w.bias]));
      const expected = mlp.gradients(model.spec, flat, x, { labels }, rows);
      const actual = model.gradients(shaped(x, rows, 20), labels);
      let offset = 0;
      for (const [l, layer] of actual.layers.entries()) {
        const kernelGrad = expected.grads.subarray(offset, offset + layer.kernel.length);
        offset += layer.kernel.length;
        const biasGrad = expected.grads.subarray(offset, offset + layer.bias.length);
        offset += layer.bias.length;
        expect(relativeError(layer.kernel, kernelGrad), `layer ${l} weights`).toBeLessThan(PARITY_TOLERANCE);
        expect(relativeError(layer.bias, biasGrad), `layer ${l} bias`).toBeLessThan(PARITY_TOLERANCE);
      }
      model.dispose();
    });

    it('20 momentum steps of batches of 2 end on the same weights', async () => {
      const random = new Random(11);
      const x = randomMatrix(random, 40, 20);
      const labels = Int32Array.from({ length: 40 }, () => random.below(5));
      const native = new Sequential(options(kernel, 'native', activation, slope));
      const reference = new Sequential(options(kernel, 'reference', activation, slope));
      const fit = { epochs: 1, batchSize: 2, seed: 3 };
      await native.fit(shaped(x, 40, 20), labels, fit);
      await reference.fit(shaped(x, 40, 20), labels, fit);
      native.getWeights().forEach((layer, l) => {
        const ref = reference.getWeights()[l]!;
        expect(relativeError(layer.kernel, ref.kernel), `layer ${l} weights`).toBeLessThan(TRAINING_TOLERANCE);
        expect(relativeError(layer.bias, ref.bias), `layer ${l} bias`).toBeLessThan(TRAINING_TOLERANCE);
      });
      native.dispose();
    });
  });
});
