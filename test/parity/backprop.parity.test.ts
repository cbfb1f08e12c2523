// SPDX-License-Identifier: MIT
// Native gradients, losses and outputs against the reference twin, for every activation × loss
// pair, several shapes, and every GEMM kernel this CPU runs.
import { describe, expect, it } from 'vitest';
import { Sequential } from '../../src/model.ts';
import { Random } from '../../src/random.ts';
import * as mlp from '../../src/reference/mlp.ts';
import { gradientCases, layersFor, SHAPES } from '../helpers/cases.ts';
import { randomMatrix, randomTargets, shaped } from '../helpers/data.ts';
import { availableKernels } from '../helpers/native.ts';
import { PARITY_TOLERANCE, relativeError } from '../helpers/tolerance.ts';

describe.each(availableKernels())('native (%s kernel) vs reference', (kernel) => {
  describe.each(gradientCases())('$hidden hidden, $output output, $loss', (c) => {
    it.each(SHAPES)('batch $batch, sizes $sizes', ({ batch, sizes }) => {
      const random = new Random(batch * 31 + sizes.length);
      const model = new Sequential({
        inputSize: sizes[0]!,
        layers: layersFor(sizes, c).map((l) => ({ ...l, leakySlope: 0.1 })),
        loss: c.loss,
        huberDelta: 0.5,
        backend: 'native',
        kernel,
        seed: 7,
      });
      // Random biases too, so their gradients are not all alike.
      model.setWeights(model.getWeights().map((w) => ({ kernel: w.kernel, bias: randomMatrix(random, 1, w.bias.length, -0.5, 0.5) })));
      const outputs = sizes[sizes.length - 1]!;
      const x = randomMatrix(random, batch, sizes[0]!);
      const t = randomTargets(random, c.loss, batch, outputs, c.output);
      const flat = Float64Array.from(model.getWeights().flatMap((w) => [...w.kernel, ...w.bias]));
      const targets = t instanceof Int32Array ? { labels: t } : { values: t };

      const expected = mlp.gradients(model.spec, flat, x, targets, batch);
      const actual = model.gradients(shaped(x, batch, sizes[0]!), t instanceof Int32Array ? t : shaped(t, batch, outputs));
      expect(actual.layers.map((l) => [l.kernel.length, l.bias.length])).toEqual(model.getWeights().map((l) => [l.kernel.length, l.bias.length]));
      expect(Math.abs(actual.loss - expected.loss) / Math.max(Math.abs(expected.loss), 1e-12)).toBeLessThan(PARITY_TOLERANCE);
      const actualFlat = actual.layers.flatMap((l) => [...l.kernel, ...l.bias]);
      expect(relativeError(actualFlat, expected.grads)).toBeLessThan(PARITY_TOLERANCE);

      const forward = mlp.forward(model.spec, flat, x, batch);
      const predicted = model.predict(shaped(x, batch, sizes[0]!));
      expect(predicted.shape).toEqual([batch, outputs]);
      expect(relativeError(predicted.data, forward.a[forward.a.length - 1]!)).toBeLessThan(PARITY_TOLERANCE);
      model.dispose();
    });
  });
});
