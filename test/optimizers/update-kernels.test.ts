// SPDX-License-Identifier: MIT
// The optimizer updates are compiled once per ISA (native/core/kernels/update_*.cc): each kernel
// this CPU runs is held to the float64 reference rules (src/reference/optimizers.ts) over a few
// steps, on buffer lengths that exercise every vector tail, and must flag non-finite weights.
import { describe, expect, it } from 'vitest';
import { Adagrad } from '../../src/optimizers/adagrad.ts';
import { Adam, AdamW } from '../../src/optimizers/adam.ts';
import type { Optimizer } from '../../src/optimizers/optimizer.ts';
import { RMSprop } from '../../src/optimizers/rmsprop.ts';
import { SGD } from '../../src/optimizers/sgd.ts';
import { optimizerUpdate } from '../../src/reference/optimizers.ts';
import { availableKernels, nativeBinding } from '../helpers/native.ts';
import { PARITY_TOLERANCE, relativeError } from '../helpers/tolerance.ts';

const binding = nativeBinding();

const OPTIMIZERS: [string, () => Optimizer][] = [
  ['SGD', () => new SGD({ learningRate: 0.1 })],
  ['SGD momentum', () => new SGD({ learningRate: 0.1, momentum: 0.9 })],
  ['SGD Nesterov', () => new SGD({ learningRate: 0.1, momentum: 0.9, nesterov: true })],
  ['Adam', () => new Adam({ learningRate: 0.01 })],
  ['AdamW', () => new AdamW({ learningRate: 0.01, weightDecay: 0.1 })],
  ['RMSprop', () => new RMSprop({ learningRate: 0.01 })],
  ['RMSprop momentum', () => new RMSprop({ learningRate: 0.01, momentum: 0.5 })],
  ['Adagrad', () => new Adagrad({ learningRate: 0.1 })],
];

/** Deterministic values in [-1, 1). */
function values(length: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  });
}

describe.each(availableKernels())('optimizer updates, %s kernel', (kernel) => {
  it.each(OPTIMIZERS)('%s matches the reference rule over 3 steps (1, 2 threads; every tail length)', (_name, make) => {
    const optimizer = make();
    const description = optimizer.describe();
    for (const length of [1, 7, 16, 33, 1000]) {
      for (const threads of [1, 2]) {
        const params = values(length, 1);
        const expected = params.slice();
        const slots = Array.from({ length: optimizer.slotCount }, () => new Float32Array(length));
        const expectedSlots = slots.map((s) => s.slice());
        for (let step = 1; step <= 3; step++) {
          const grads = values(length, 10 + step);
          expect(binding._optimizerUpdate(params, grads, slots, description, description.learningRate, step, kernel, threads)).toBe(true);
          optimizerUpdate(description, expected, grads, expectedSlots, step);
        }
        expect(relativeError(params, expected), `length ${length}, ${threads} thread(s)`).toBeLessThan(PARITY_TOLERANCE);
        slots.forEach((slot, i) => expect(relativeError(slot, expectedSlots[i]!)).toBeLessThan(PARITY_TOLERANCE));
      }
    }
  });

  it('reports a weight made non-finite, wherever it is in the buffer', () => {
    const description = new SGD({ learningRate: 1 }).describe();
    for (const at of [0, 5, 16, 999]) {
      const params = values(1000, 2);
      const grads = new Float32Array(1000);
      grads[at] = Infinity;
      expect(binding._optimizerUpdate(params, grads, [], description, 1, 1, kernel, 2)).toBe(false);
      expect(binding._optimizerUpdate(params.fill(0.5), new Float32Array(1000), [], description, 1, 1, kernel, 2)).toBe(true);
    }
  });

  it('refuses buffers shorter than the parameters and the wrong number of slots', () => {
    const sgd = new SGD({ learningRate: 0.1, momentum: 0.9 }).describe();
    const params = new Float32Array(10);
    expect(() => binding._optimizerUpdate(params, new Float32Array(9), [new Float32Array(10)], sgd, 0.1, 1, kernel, 1)).toThrow(/grads/);
    expect(() => binding._optimizerUpdate(params, new Float32Array(10), [new Float32Array(9)], sgd, 0.1, 1, kernel, 1)).toThrow(/slot/);
    expect(() => binding._optimizerUpdate(params, new Float32Array(10), [], sgd, 0.1, 1, kernel, 1)).toThrow(/expected 1 optimizer slots, got 0/);
  });
});
