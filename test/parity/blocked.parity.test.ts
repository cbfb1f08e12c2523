// SPDX-License-Identifier: MIT
// Native gradients against the reference twin on shapes big enough for the GEMM's blocked path:
// 300 rows is more than the small-m schedule takes (128), so A is packed in several mc-tall
// blocks with a short last one, and two threads split C between them. The fused epilogues
// (bias + f forward, f' while forming δ) run on each finished block; this holds them to the
// reference where the small shapes of backprop.parity.test.ts never reach.
import { describe, expect, it } from 'vitest';
import { Sequential } from '../../src/model.ts';
import { Random } from '../../src/random.ts';
import * as mlp from '../../src/reference/mlp.ts';
import { ACTIVATIONS } from '../../src/spec.ts';
import { randomMatrix, shaped } from '../helpers/data.ts';
import { availableKernels } from '../helpers/native.ts';
import { PARITY_TOLERANCE, relativeError } from '../helpers/tolerance.ts';

const BATCH = 300;
const referenceResults = new Map<
  string,
  { flat: Float64Array; x: Float32Array; labels: Int32Array; expected: ReturnType<typeof mlp.gradients>; forward: ReturnType<typeof mlp.forward> }
>();
const SIZES = [40, 200, 150, 6] as const;

describe.each(availableKernels())('native (%s kernel) vs reference, batch 300', (kernel) => {
  describe.each([1, 2])('%i thread(s)', (threads) => {
    it.each(ACTIVATIONS)('%s hidden layers', (hidden) => {
      // The same data on every kernel and thread count, so the reference runs once per activation.
      const random = new Random(17 + hidden.length);
      const model = new Sequential({
        inputSize: SIZES[0],
        layers: [
          { units: SIZES[1], activation: hidden, leakySlope: 0.1 },
          { units: SIZES[2], activation: hidden, leakySlope: 0.1 },
          { units: SIZES[3], activation: 'softmax' },
        ],
        loss: 'sparseCategoricalCrossEntropy',
        backend: 'native',
        kernel,
        threads,
        seed: 3,
      });
      model.setWeights(model.getWeights().map((w) => ({ kernel: w.kernel, bias: randomMatrix(random, 1, w.bias.length, -0.5, 0.5) })));
      const x = randomMatrix(random, BATCH, SIZES[0]);
      const labels = Int32Array.from({ length: BATCH }, () => random.below(SIZES[3]));
      const flat = Float64Array.from(model.getWeights().flatMap((w) => [...w.kernel, ...w.bias]));

      const reference = referenceResults.get(hidden) ?? {
        flat,
        x,
        labels,
        expected: mlp.gradients(model.spec, flat, x, { labels }, BATCH),
        forward: mlp.forward(model.spec, flat, x, BATCH),
      };
      referenceResults.set(hidden, reference);
      // A cached result holds only for the very same inputs.
      expect(relativeError(flat, reference.flat)).toBe(0);
      expect(relativeError(x, reference.x)).toBe(0);
      expect(relativeError(labels, reference.labels)).toBe(0);
      const { expected, forward } = reference;
      const actual = model.gradients(shaped(x, BATCH, SIZES[0]), labels);
      expect(Math.abs(actual.loss - expected.loss) / Math.abs(expected.loss)).toBeLessThan(PARITY_TOLERANCE);
      const weights = model.getWeights();
      for (const [l, layer] of actual.layers.entries()) {
        const w = weights[l]!;
        const offset = weights.slice(0, l).reduce((sum, p) => sum + p.kernel.length + p.bias.length, 0);
        const expectedKernel = expected.grads.subarray(offset, offset + w.kernel.length);
        const expectedBias = expected.grads.subarray(offset + w.kernel.length, offset + w.kernel.length + w.bias.length);
        expect(relativeError(layer.kernel, expectedKernel), `layer ${l} weights`).toBeLessThan(PARITY_TOLERANCE);
        expect(relativeError(layer.bias, expectedBias), `layer ${l} bias`).toBeLessThan(PARITY_TOLERANCE);
      }
      expect(relativeError(model.predict(shaped(x, BATCH, SIZES[0])).data, forward.a[forward.a.length - 1]!)).toBeLessThan(PARITY_TOLERANCE);
      model.dispose();
    });
  });
});
