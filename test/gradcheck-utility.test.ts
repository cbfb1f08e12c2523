// SPDX-License-Identifier: MIT
// The public gradCheck utility: it passes correct gradients and catches wrong ones.
import { expect, it } from 'vitest';
import { Normalizer } from '../src/data/normalize.ts';
import { gradCheck } from '../src/gradcheck.ts';
import { Sequential } from '../src/model.ts';

const x = [[0.5, -1, 2], [1, 0.3, -0.7], [-0.2, 0.8, 0.1]];
const y = [0, 2, 1];

it.each(['native', 'reference'] as const)('reports small errors for the %s backend, per tensor', (backend) => {
  const model = new Sequential({ inputSize: 3, layers: [{ units: 5, activation: 'gelu', l2: 0.01 }, { units: 3, activation: 'softmax' }], loss: 'sparseCategoricalCrossEntropy', seed: 2, backend });
  const result = gradCheck(model, x, y);
  expect(result.tensors.map((t) => `${t.layer}.${t.tensor}:${t.checked}`)).toEqual(['0.kernel:15', '0.bias:5', '1.kernel:15', '1.bias:3']);
  expect(result.maxRelativeError).toBeLessThan(1e-4);
});

it('catches a gradient that is wrong', () => {
  const model = new Sequential({ inputSize: 3, layers: [{ units: 3, activation: 'softmax' }], loss: 'sparseCategoricalCrossEntropy', seed: 2, backend: 'reference' });
  const honest = model.gradients.bind(model);
  // A model whose reported bias gradient is off by 10%: gradCheck must see it.
  model.gradients = (xs, ys) => {
    const g = honest(xs, ys);
    g.layers[0]!.bias.forEach((v, i, a) => (a[i] = v * 1.1));
    return g;
  };
  const result = gradCheck(model, x, y);
  expect(result.tensors.find((t) => t.tensor === 'bias')!.maxRelativeError).toBeGreaterThan(0.05);
  expect(result.tensors.find((t) => t.tensor === 'kernel')!.maxRelativeError).toBeLessThan(1e-4);
});

it('sees the inputs as the model does when it has a normalisation', () => {
  const raw = [[100, -5], [300, 5], [200, 0], [150, 2]];
  const model = new Sequential({ inputSize: 2, layers: [{ units: 3, activation: 'tanh' }, { units: 1 }], loss: 'meanSquaredError', backend: 'reference', seed: 1 });
  model.setNormalization(Normalizer.fit(raw, 'standardize'));
  expect(gradCheck(model, raw, [[1], [2], [3], [4]]).maxRelativeError).toBeLessThan(1e-4);
});
