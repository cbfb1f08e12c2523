// SPDX-License-Identifier: MIT
// The bias gradients Σ_rows δ are summed by the weight-gradient product while it packs δ
// (gemm.h, b_sums), one running sum per column carried across the product's k blocks. 1,100
// rows is deeper than one k block on every schedule (512 rows per block when A is packed in
// mc-tall blocks, 1,024 on the small-m schedule), and the three layers' products take both
// schedules and both ways of splitting C between two threads. Held to the reference twin, and
// to the same bits on one and two threads.
import { describe, expect, it } from 'vitest';
import { Sequential } from '../../src/model.ts';
import type { Kernel } from '../../src/native.ts';
import { Random } from '../../src/random.ts';
import * as mlp from '../../src/reference/mlp.ts';
import { randomMatrix, shaped } from '../helpers/data.ts';
import { availableKernels } from '../helpers/native.ts';
import { PARITY_TOLERANCE, relativeError } from '../helpers/tolerance.ts';

const BATCH = 1100;
const SIZES = [40, 200, 150, 6] as const;

function biasGradients(kernel: Kernel, threads: number, x: Float32Array, labels: Int32Array, weights: { kernel: Float32Array; bias: Float32Array }[]) {
  const model = new Sequential({
    inputSize: SIZES[0],
    layers: [
      { units: SIZES[1], activation: 'tanh' },
      { units: SIZES[2], activation: 'relu' },
      { units: SIZES[3], activation: 'softmax' },
    ],
    loss: 'sparseCategoricalCrossEntropy',
    backend: 'native',
    kernel,
    threads,
    seed: 5,
  });
  model.setWeights(weights);
  const { layers } = model.gradients(shaped(x, BATCH, SIZES[0]), labels);
  const spec = model.spec;
  model.dispose();
  return { spec, bias: layers.map((layer) => layer.bias) };
}

describe.each(availableKernels())('bias gradients from the packed δ (%s kernel), batch 1,100', (kernel) => {
  it('match the reference on 1 and 2 threads, with the same bits on both', () => {
    const random = new Random(23);
    const x = randomMatrix(random, BATCH, SIZES[0]);
    const labels = Int32Array.from({ length: BATCH }, () => random.below(SIZES[3]));
    const weights = SIZES.slice(1).map((units, l) => ({
      kernel: randomMatrix(random, SIZES[l]!, units, -0.3, 0.3),
      bias: randomMatrix(random, 1, units, -0.5, 0.5),
    }));
    const one = biasGradients(kernel, 1, x, labels, weights);
    const two = biasGradients(kernel, 2, x, labels, weights);

    const flat = Float64Array.from(weights.flatMap((w) => [...w.kernel, ...w.bias]));
    const expected = mlp.gradients(one.spec, flat, x, { labels }, BATCH);
    let offset = 0;
    for (const [l, w] of weights.entries()) {
      offset += w.kernel.length;
      const expectedBias = expected.grads.subarray(offset, offset + w.bias.length);
      offset += w.bias.length;
      expect(relativeError(one.bias[l]!, expectedBias), `layer ${l} bias, 1 thread`).toBeLessThan(PARITY_TOLERANCE);
      expect(Array.from(two.bias[l]!), `layer ${l} bias, 2 threads`).toEqual(Array.from(one.bias[l]!));
    }
  });
});
