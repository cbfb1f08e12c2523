// SPDX-License-Identifier: MIT
// fit scans borrowed Float32Arrays for NaN/±Infinity before training, off the event loop once the
// addon is loaded (DeferredFiniteChecks, src/tensor.ts): the same errors as the synchronous
// scan, naming the first bad value, with nothing trained and the model free for the next fit.
import { describe, expect, it } from 'vitest';
import { FastpropError } from '../../src/errors.ts';
import { Sequential, type ModelOptions } from '../../src/model.ts';

const INPUTS = 784;
const classifier = (backend: 'native' | 'reference'): ModelOptions => ({
  inputSize: INPUTS, layers: [{ units: 4, activation: 'relu' }, { units: 3, activation: 'softmax' }],
  loss: 'sparseCategoricalCrossEntropy', backend, seed: 1,
});

// 100 rows × 784 = 78,400 values: above the size the addon scans on a pool thread (65,536), and
// 3 rows: below it, scanned at once.
function data(rows: number) {
  const x = Float32Array.from({ length: rows * INPUTS }, (_, i) => ((i * 7919) % 1000) / 1000);
  return { x, labels: Int32Array.from({ length: rows }, (_, r) => r % 3) };
}

async function rejection(promise: Promise<unknown>): Promise<FastpropError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(FastpropError);
    return error as FastpropError;
  }
  throw new Error('expected fit to reject');
}

describe.each(['native', 'reference'] as const)('a non-finite value in fit\'s borrowed data (%s backend)', (backend) => {
  it.each([100, 3])('in x of %i rows: rejects naming it, trains nothing, and the model can fit again', async (rows) => {
    const model = new Sequential(classifier(backend));
    const { x, labels } = data(rows);
    const before = model.getWeights();
    x[(rows - 1) * INPUTS + 5] = Number.NaN;
    x[(rows - 1) * INPUTS + 9] = Number.POSITIVE_INFINITY; // a later one must not win
    const error = await rejection(model.fit({ data: x, shape: [rows, INPUTS] }, labels, { epochs: 1, batchSize: 2 }));
    expect(error.code).toBe('ERR_NON_FINITE');
    expect(error.message).toBe(`x contains NaN at row ${rows - 1}, column 5: every value must be a finite number`);
    expect(model.getWeights()).toEqual(before);
    x[(rows - 1) * INPUTS + 5] = 0;
    x[(rows - 1) * INPUTS + 9] = 0;
    const history = await model.fit({ data: x, shape: [rows, INPUTS] }, labels, { epochs: 1, batchSize: 2 });
    expect(history.loss).toHaveLength(1);
    expect(model.getWeights()).not.toEqual(before);
    model.dispose();
  });

  it('in validationData x, after x (which is scanned first)', async () => {
    const model = new Sequential(classifier(backend));
    const train = data(100);
    const held = data(100);
    held.x[42 * INPUTS + 783] = Number.NEGATIVE_INFINITY;
    const fit = (x: Float32Array) =>
      model.fit({ data: x, shape: [100, INPUTS] }, train.labels, { validationData: [{ data: held.x, shape: [100, INPUTS] }, held.labels] });
    expect((await rejection(fit(train.x))).message).toBe('validationData x contains -Infinity at row 42, column 783: every value must be a finite number');
    train.x[7] = Number.NaN;
    expect((await rejection(fit(train.x))).message).toBe('x contains NaN at row 0, column 7: every value must be a finite number');
    model.dispose();
  });

  it('in borrowed regression targets', async () => {
    const model = new Sequential({ inputSize: INPUTS, layers: [{ units: 1 }], loss: 'meanSquaredError', backend, seed: 1 });
    const { x } = data(100);
    const y = new Float32Array(100);
    y[61] = Number.NaN;
    const error = await rejection(model.fit({ data: x, shape: [100, INPUTS] }, { data: y, shape: [100, 1] }));
    expect(error.message).toBe('y contains NaN at row 61, column 0: every value must be a finite number');
    model.dispose();
  });
});
