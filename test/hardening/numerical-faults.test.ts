// SPDX-License-Identifier: MIT
// Numerical faults: degenerate data either trains or stops with a clear error; weights are never
// left half-updated.
import { describe, expect, it } from 'vitest';
import { Sequential } from '../../src/model.ts';
import { SGD } from '../../src/optimizers/sgd.ts';
import { TrainingInterruptedError } from '../../src/train/loop.ts';

describe.each(['native', 'reference'] as const)('degenerate data on the %s backend', (backend) => {
  const classifier = (lr = 0.1) =>
    new Sequential({ inputSize: 3, layers: [{ units: 8, activation: 'relu' }, { units: 3, activation: 'softmax' }], loss: 'sparseCategoricalCrossEntropy', optimizer: new SGD({ learningRate: lr }), backend, seed: 1 });

  it('all-zero inputs: trains (the bias learns the class prior)', async () => {
    const model = classifier();
    const x = Array.from({ length: 30 }, () => [0, 0, 0]);
    const y = Array.from({ length: 30 }, (_, i) => (i < 20 ? 0 : 1));
    const history = await model.fit(x, y, { epochs: 50, batchSize: 10 });
    expect(history.loss.at(-1)!).toBeLessThan(history.loss[0]!);
    expect(model.predict([[0, 0, 0]])[0]![0]!).toBeGreaterThan(0.5); // the majority class
  });

  it('constant features and a single class: trains to that class', async () => {
    const model = classifier();
    const x = Array.from({ length: 20 }, (_, i) => [1, 5, i % 2]);
    const history = await model.fit(x, new Array(20).fill(2), { epochs: 30, batchSize: 5 });
    expect(history.loss.every(Number.isFinite)).toBe(true);
    expect(model.evaluate(x, new Array(20).fill(2)).accuracy).toBe(1);
  });

  it('an exploding learning rate stops with a clear error and whole, finite weights', async () => {
    const model = new Sequential({ inputSize: 3, layers: [{ units: 8, activation: 'relu' }, { units: 1 }], loss: 'meanSquaredError', optimizer: new SGD({ learningRate: 1e4 }), backend, seed: 1 });
    const x = Array.from({ length: 16 }, (_, i) => [i, i * 2, -i]);
    const y = x.map(([a]) => [a! * 3]);
    const error = await model.fit(x, y, { epochs: 200, batchSize: 4 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TrainingInterruptedError);
    expect((error as TrainingInterruptedError).code).toBe('ERR_NON_FINITE_LOSS');
    for (const layer of model.getWeights()) {
      expect(layer.kernel.every(Number.isFinite)).toBe(true);
      expect(layer.bias.every(Number.isFinite)).toBe(true);
    }
    // Still usable: not left busy, predict answers, and training again either runs or stops the
    // same clear way (never ERR_BUSY or a crash).
    expect(model.predict(x)).toHaveLength(16);
    const again = await model.fit(x, y, { epochs: 1, batchSize: 4 }).then(
      () => 'trained',
      (e: unknown) => (e as TrainingInterruptedError).code,
    );
    expect(['trained', 'ERR_NON_FINITE_LOSS']).toContain(again);
  });
});
