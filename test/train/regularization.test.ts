// SPDX-License-Identifier: MIT
// L1/L2 penalties, dropout and gradient clipping: their definitions, and native = reference.
import { describe, expect, it } from 'vitest';
import { Sequential, type ModelOptions } from '../../src/model.ts';
import { SGD } from '../../src/optimizers/sgd.ts';
import { Random } from '../../src/random.ts';
import { randomMatrix, shaped } from '../helpers/data.ts';
import { availableKernels } from '../helpers/native.ts';
import { PARITY_TOLERANCE, relativeError } from '../helpers/tolerance.ts';

const random = new Random(8);
const rows = 32;
const x = shaped(randomMatrix(random, rows, 10), rows, 10);
const labels = Int32Array.from({ length: rows }, () => random.below(3));
const options = (extra: Partial<ModelOptions> = {}): ModelOptions => ({
  inputSize: 10,
  layers: [{ units: 24, activation: 'relu', l1: 0.001, l2: 0.01 }, { dropout: 0.4 }, { units: 16, activation: 'tanh', l2: 0.02 }, { dropout: 0.2 }, { units: 3, activation: 'softmax' }],
  loss: 'sparseCategoricalCrossEntropy',
  optimizer: new SGD({ learningRate: 0.1, momentum: 0.9 }),
  seed: 5,
  ...extra,
});

describe('penalties', () => {
  it('add l1·Σ|W| + l2·ΣW² to the loss and l1·sign(W) + 2·l2·W to the gradient', () => {
    const plain = new Sequential({ ...options(), layers: [{ units: 24, activation: 'relu' }, { units: 16, activation: 'tanh' }, { units: 3, activation: 'softmax' }], backend: 'native' });
    const penalised = new Sequential({ ...options(), backend: 'native' });
    penalised.setWeights(plain.getWeights());
    const w = plain.getWeights();
    const sum = (a: Float32Array, f: (v: number) => number) => a.reduce((s, v) => s + f(v), 0);
    const penalty = 0.001 * sum(w[0]!.kernel, Math.abs) + 0.01 * sum(w[0]!.kernel, (v) => v * v) + 0.02 * sum(w[1]!.kernel, (v) => v * v);
    expect(penalised.evaluate(x, labels).loss).toBeCloseTo(plain.evaluate(x, labels).loss + penalty, 5);
    const g0 = plain.gradients(x, labels).layers;
    const g1 = penalised.gradients(x, labels).layers;
    const expected = g0[0]!.kernel.map((g, i) => g + 0.001 * Math.sign(w[0]!.kernel[i]!) + 0.02 * w[0]!.kernel[i]!);
    expect(relativeError(g1[0]!.kernel, expected)).toBeLessThan(PARITY_TOLERANCE);
    expect(relativeError(g1[2]!.kernel, g0[2]!.kernel)).toBe(0); // no penalty on the last layer
  });
});

describe('dropout', () => {
  it('is off in predict, evaluate and gradients', () => {
    const withDropout = new Sequential({ ...options(), backend: 'native' });
    const without = new Sequential({ ...options(), layers: [{ units: 24, activation: 'relu', l1: 0.001, l2: 0.01 }, { units: 16, activation: 'tanh', l2: 0.02 }, { units: 3, activation: 'softmax' }], backend: 'native' });
    without.setWeights(withDropout.getWeights());
    expect(withDropout.predict(x).data).toEqual(without.predict(x).data);
    expect(withDropout.gradients(x, labels)).toEqual(without.gradients(x, labels));
  });

  it('changes training (masks differ per step) and is reproducible from the seed', async () => {
    const fit = { epochs: 2, batchSize: 8, seed: 1 };
    const [a, b] = [new Sequential({ ...options(), backend: 'native' }), new Sequential({ ...options(), backend: 'native' })];
    const without = new Sequential({ ...options(), layers: [{ units: 24, activation: 'relu', l1: 0.001, l2: 0.01 }, { units: 16, activation: 'tanh', l2: 0.02 }, { units: 3, activation: 'softmax' }], backend: 'native' });
    await Promise.all([a.fit(x, labels, fit), b.fit(x, labels, fit), without.fit(x, labels, fit)]);
    expect(a.getWeights()).toEqual(b.getWeights());
    expect(relativeError(a.getWeights()[0]!.kernel, without.getWeights()[0]!.kernel)).toBeGreaterThan(1e-3);
  });

  it('rejects dropout with nothing to follow or after the last layer', () => {
    expect(() => new Sequential({ ...options(), layers: [{ dropout: 0.5 }, { units: 3, activation: 'softmax' }] })).toThrow('layers[0]: dropout must come right after a dense layer that is not the last');
    expect(() => new Sequential({ ...options(), layers: [{ units: 3, activation: 'softmax' }, { dropout: 0.5 }] })).toThrow('layers[1]: dropout must come right after a dense layer that is not the last');
  });
});

describe('gradient clipping', () => {
  it('by global norm bounds the step: plain SGD moves the weights by exactly η·clipNorm', async () => {
    const model = new Sequential({ ...options(), optimizer: new SGD({ learningRate: 0.1 }), backend: 'native' });
    const before = model.getWeights().flatMap((w) => [...w.kernel, ...w.bias]);
    await model.fit(x, labels, { epochs: 1, batchSize: rows, clipNorm: 1e-3 });
    const after = model.getWeights().flatMap((w) => [...w.kernel, ...w.bias]);
    const moved = Math.sqrt(after.reduce((s, v, i) => s + (v - before[i]!) ** 2, 0));
    expect(moved).toBeCloseTo(0.1 * 1e-3, 6);
  });

  it('by value bounds every component of the step by η·clipValue', async () => {
    const model = new Sequential({ ...options(), optimizer: new SGD({ learningRate: 0.1 }), backend: 'native' });
    const before = model.getWeights().flatMap((w) => [...w.kernel, ...w.bias]);
    await model.fit(x, labels, { epochs: 1, batchSize: rows, clipValue: 1e-4 });
    const after = model.getWeights().flatMap((w) => [...w.kernel, ...w.bias]);
    const steps = after.map((v, i) => Math.abs(v - before[i]!));
    // float32 weights near 0.3 resolve steps of 1e-5 to about 1%.
    expect(Math.max(...steps)).toBeLessThanOrEqual(0.1 * 1e-4 * 1.01);
    expect(Math.max(...steps)).toBeGreaterThan(0.1 * 1e-4 * 0.99); // some gradient was clipped
  });

  it('rejects both at once', async () => {
    await expect(new Sequential(options()).fit(x, labels, { clipNorm: 1, clipValue: 1 })).rejects.toThrow('Pass clipValue or clipNorm, not both');
  });
});

describe.each(availableKernels())('penalties, dropout and clipping: native (%s) = reference', (kernel) => {
  it.each([{ clipNorm: 0.5 }, { clipValue: 0.01 }])('over 20 steps with %o', async (clip) => {
    const native = new Sequential({ ...options(), backend: 'native', kernel });
    const reference = new Sequential({ ...options(), backend: 'reference' });
    const fit = { epochs: 5, batchSize: 8, seed: 2, ...clip };
    const [a, b] = [await native.fit(x, labels, fit), await reference.fit(x, labels, fit)];
    expect(relativeError(a.loss, b.loss)).toBeLessThan(1e-4);
    native.getWeights().forEach((layer, l) => {
      expect(relativeError(layer.kernel, reference.getWeights()[l]!.kernel)).toBeLessThan(1e-4);
    });
  });
});

describe.each(availableKernels())('small batches (the fused ∂L/∂W + update path): native (%s) = reference', (kernel) => {
  it.each([1, 3])('batch %i with penalties, dropout, clipValue and Adam', async (batchSize) => {
    const { Adam } = await import('../../src/optimizers/adam.ts');
    const make = (backend: 'native' | 'reference') =>
      new Sequential({ ...options(), optimizer: new Adam({ learningRate: 0.01 }), backend, ...(backend === 'native' ? { kernel } : {}) });
    const [native, reference] = [make('native'), make('reference')];
    const fit = { epochs: 1, batchSize, seed: 3, clipValue: 0.05 };
    const [a, b] = [await native.fit(x, labels, fit), await reference.fit(x, labels, fit)];
    expect(relativeError(a.loss, b.loss)).toBeLessThan(1e-4);
    native.getWeights().forEach((layer, l) => {
      expect(relativeError(layer.kernel, reference.getWeights()[l]!.kernel)).toBeLessThan(1e-4);
      expect(relativeError(layer.bias, reference.getWeights()[l]!.bias)).toBeLessThan(1e-4);
    });
    const [sa, sb] = [native.getOptimizerState(), reference.getOptimizerState()];
    expect(sa.step).toBe(Math.ceil(rows / batchSize));
    sa.slots.forEach((slot, i) => expect(relativeError(slot, sb.slots[i]!)).toBeLessThan(1e-4));
  });
});
