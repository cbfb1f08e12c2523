// SPDX-License-Identifier: MIT
// The reference twin's analytic gradients against central finite differences in float64, for
// every activation × loss pair and several shapes. This is what makes the reference an oracle.
import { describe, expect, it } from 'vitest';
import * as mlp from '../src/reference/mlp.ts';
import { Random } from '../src/random.ts';
import { parameterCount, type ModelSpec } from '../src/spec.ts';
import { gradientCases, layersFor, SHAPES } from './helpers/cases.ts';
import { randomMatrix, randomTargets } from './helpers/data.ts';
import { GRADCHECK_TOLERANCE, relativeError } from './helpers/tolerance.ts';

const STEP = 1e-5;

describe.each(gradientCases())('reference gradients: $hidden hidden, $output output, $loss', (c) => {
  it.each(SHAPES)('match finite differences for batch $batch, sizes $sizes', ({ batch, sizes }) => {
    const random = new Random(sizes.length * 1000 + batch);
    const spec: ModelSpec = {
      layers: layersFor(sizes, c).map((layer, i) => ({ inputs: sizes[i]!, units: layer.units, activation: layer.activation, leakySlope: 0.1, l1: 0, l2: 0, dropout: 0 })),
      loss: c.loss,
      huberDelta: 0.5, // targets and outputs differ by more and less than this: both branches run
      dropoutSeed: 0,
    };
    const outputs = sizes[sizes.length - 1]!;
    const params = Float64Array.from(randomMatrix(random, 1, parameterCount(spec), -0.8, 0.8));
    const x = randomMatrix(random, batch, sizes[0]!);
    const t = randomTargets(random, c.loss, batch, outputs, c.output);
    const targets = t instanceof Int32Array ? { labels: t } : { values: t };

    const analytic = mlp.gradients(spec, params, x, targets, batch).grads;
    expect(analytic.length).toBe(parameterCount(spec));
    const numeric = new Float64Array(params.length);
    for (let i = 0; i < params.length; i++) {
      const saved = params[i]!;
      params[i] = saved + STEP;
      const up = mlp.loss(spec, params, x, targets, batch);
      params[i] = saved - STEP;
      const down = mlp.loss(spec, params, x, targets, batch);
      params[i] = saved;
      numeric[i] = (up - down) / (2 * STEP);
    }
    // A gradient of zeros would "match" zeros: make sure there is something to compare.
    expect(Math.max(...numeric.map(Math.abs))).toBeGreaterThan(1e-6);
    expect(relativeError(analytic, numeric)).toBeLessThan(GRADCHECK_TOLERANCE);
  });
});

describe('reference gradients with penalties and dropout', () => {
  it.each([0, 3])('match finite differences with L1, L2 and dropout masks of step %i', (step) => {
    const random = new Random(77);
    const spec: ModelSpec = {
      layers: [
        { inputs: 6, units: 9, activation: 'tanh', leakySlope: 0, l1: 0.01, l2: 0.02, dropout: 0.3 },
        { inputs: 9, units: 7, activation: 'relu', leakySlope: 0, l1: 0, l2: 0.05, dropout: 0.5 },
        { inputs: 7, units: 3, activation: 'softmax', leakySlope: 0, l1: 0.03, l2: 0, dropout: 0 },
      ],
      loss: 'sparseCategoricalCrossEntropy',
      huberDelta: 1,
      dropoutSeed: 1234,
    };
    const params = Float64Array.from(randomMatrix(random, 1, parameterCount(spec), -0.8, 0.8));
    const x = randomMatrix(random, 5, 6);
    const targets = { labels: Int32Array.from([0, 2, 1, 1, 0]) };
    // The same masks in every evaluation: the loss is then a smooth function of the weights.
    const analytic = mlp.backward(spec, params, x, mlp.forward(spec, params, x, 5, step), targets, 5).grads;
    const numeric = params.map((saved, i) => {
      params[i] = saved + STEP;
      const up = mlp.loss(spec, params, x, targets, 5, step);
      params[i] = saved - STEP;
      const down = mlp.loss(spec, params, x, targets, 5, step);
      params[i] = saved;
      return (up - down) / (2 * STEP);
    });
    expect(relativeError(analytic, numeric)).toBeLessThan(GRADCHECK_TOLERANCE);
    if (step > 0) {
      // Dropout really is on: some of the first layer's units are zeroed.
      expect(mlp.forward(spec, params, x, 5, step).masks[0]!.filter((m) => m === 0).length).toBeGreaterThan(0);
    }
  });
});
