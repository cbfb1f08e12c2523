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
      layers: layersFor(sizes, c).map((layer, i) => ({ inputs: sizes[i]!, units: layer.units, activation: layer.activation, leakySlope: 0.1 })),
      loss: c.loss,
      huberDelta: 0.5, // targets and outputs differ by more and less than this: both branches run
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
