// SPDX-License-Identifier: MIT
// Learning-rate schedules: their values, and that fit applies them step by step on both backends.
import { describe, expect, it } from 'vitest';
import { Sequential } from '../../src/model.ts';
import { SGD } from '../../src/optimizers/sgd.ts';
import { constant, cosineAnnealing, exponentialDecay, linearWarmup, stepDecay } from '../../src/train/schedules.ts';
import { relativeError } from '../helpers/tolerance.ts';

describe('schedule values', () => {
  it('constant', () => expect([0, 5, 99].map((t) => constant().rate(0.1, t))).toEqual([0.1, 0.1, 0.1]));
  it('step decay halves every 3', () => {
    const s = stepDecay({ every: 3, factor: 0.5 });
    expect([0, 2, 3, 5, 6].map((t) => s.rate(0.8, t))).toEqual([0.8, 0.8, 0.4, 0.4, 0.2]);
  });
  it('exponential decay', () => {
    const s = exponentialDecay({ factor: 0.9, per: 'step' });
    expect(s.rate(1, 2)).toBeCloseTo(0.81, 12);
    expect(s.per).toBe('step');
  });
  it('cosine annealing from base to min over the period, then stays at min', () => {
    const s = cosineAnnealing({ period: 10, minLearningRate: 0.01 });
    expect(s.rate(0.11, 0)).toBeCloseTo(0.11, 12);
    expect(s.rate(0.11, 5)).toBeCloseTo(0.06, 12); // halfway: the mean of base and min
    expect(s.rate(0.11, 10)).toBeCloseTo(0.01, 12);
    expect(s.rate(0.11, 15)).toBeCloseTo(0.01, 12);
  });
  it('linear warm-up, then the next schedule counted from its end', () => {
    const s = linearWarmup({ steps: 4, per: 'step', then: exponentialDecay({ factor: 0.5, per: 'step' }) });
    expect([0, 1, 3, 4, 5].map((t) => s.rate(1, t))).toEqual([0.25, 0.5, 1, 1, 0.5]);
  });
  it('rejects a warm-up whose next schedule counts in other units', () =>
    expect(() => linearWarmup({ steps: 2, per: 'step', then: stepDecay({ every: 1, factor: 0.5, per: 'epoch' }) })).toThrow(
      "linearWarmup counts per step but its 'then' schedule counts per epoch",
    ));
});

describe.each(['native', 'reference'] as const)('schedules in fit on the %s backend', (backend) => {
  const x = [[1], [2], [3], [4]];
  const y = [[2], [4], [6], [8]];
  const model = () => new Sequential({ inputSize: 1, layers: [{ units: 1 }], loss: 'meanSquaredError', optimizer: new SGD({ learningRate: 0.01 }), backend, seed: 1 });

  it('reports the learning rate of each epoch', async () => {
    const history = await model().fit(x, y, { epochs: 4, batchSize: 2, schedule: stepDecay({ every: 2, factor: 0.1 }) });
    expect(relativeError(history.learningRate, [0.01, 0.01, 0.001, 0.001])).toBeLessThan(1e-6);
  });

  it('applies a per-step schedule to every step (plain SGD: Δθ = −η_t·g_t)', async () => {
    // Two models, one with a per-step schedule, one re-created each step with that step's rate:
    // equal weights at the end prove the schedule reached every step.
    const schedule = linearWarmup({ steps: 3, per: 'step' });
    const a = model();
    await a.fit(x, y, { epochs: 2, batchSize: 2, shuffle: false, schedule });
    const b = model();
    for (const rate of [1 / 3, 2 / 3, 1, 1].map((f) => Math.fround(0.01 * f))) {
      const weights = b.getWeights();
      const next = new Sequential({ inputSize: 1, layers: [{ units: 1 }], loss: 'meanSquaredError', optimizer: new SGD({ learningRate: rate }), backend, seed: 1 });
      next.setWeights(weights);
      const step = b.getOptimizerState().step;
      await next.fit(x.slice((step % 2) * 2, (step % 2) * 2 + 2), y.slice((step % 2) * 2, (step % 2) * 2 + 2), { epochs: 1, batchSize: 2, shuffle: false });
      b.setWeights(next.getWeights());
      b.setOptimizerState({ step: step + 1, slots: [] });
    }
    expect(relativeError(a.getWeights()[0]!.kernel, b.getWeights()[0]!.kernel)).toBeLessThan(1e-6);
    expect(relativeError(a.getWeights()[0]!.bias, b.getWeights()[0]!.bias)).toBeLessThan(1e-6);
  });
});
