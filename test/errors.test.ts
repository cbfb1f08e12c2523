// SPDX-License-Identifier: MIT
// Bad input gets a clear, specific FastpropError (never a crash), one test per case.
import { describe, expect, it } from 'vitest';
import { FastpropError, isFastpropError } from '../src/errors.ts';
import { Sequential, type ModelOptions } from '../src/model.ts';
import { SGD } from '../src/optimizers/sgd.ts';

const base: ModelOptions = {
  inputSize: 3,
  layers: [{ units: 4, activation: 'relu' }, { units: 2, activation: 'softmax' }],
  loss: 'categoricalCrossEntropy',
  seed: 1,
};
const x = [[1, 2, 3], [4, 5, 6]];
const y = [[1, 0], [0, 1]];

/** Runs fn and returns the FastpropError it throws (failing the test if it does not). */
async function caught(fn: () => unknown): Promise<FastpropError> {
  try {
    await fn();
  } catch (error) {
    expect(isFastpropError(error), String(error)).toBe(true);
    return error as FastpropError;
  }
  throw new Error('expected a FastpropError, but nothing was thrown');
}

async function expectError(fn: () => unknown, code: string, message: string | RegExp): Promise<void> {
  const error = await caught(fn);
  expect(error.code).toBe(code);
  if (typeof message === 'string') expect(error.message).toBe(message);
  else expect(error.message).toMatch(message);
}

describe.each(['native', 'reference'] as const)('bad input on the %s backend', (backend) => {
  const model = () => new Sequential({ ...base, backend });
  const sparse = () => new Sequential({ ...base, loss: 'sparseCategoricalCrossEntropy', backend });

  it('x with the wrong number of columns', () =>
    expectError(() => model().fit([[1, 2]], [[1, 0]]), 'ERR_SHAPE_MISMATCH', 'Expected x with 3 columns, got 2'));
  it('y with a different number of rows than x', () =>
    expectError(() => model().fit(x, [[1, 0]]), 'ERR_SHAPE_MISMATCH', 'Expected y with 2 rows (one per row of x), got 1'));
  it('y with the wrong number of columns', () =>
    expectError(() => model().evaluate(x, [[1, 0, 0], [0, 1, 0]]), 'ERR_SHAPE_MISMATCH', 'Expected y with 2 columns, got 3'));
  it('ragged rows in x', () =>
    expectError(() => model().predict([[1, 2, 3], [4, 5]]), 'ERR_SHAPE_MISMATCH', 'Expected every row of x to have 3 values, but row 1 has 2'));
  it('NaN in the inputs', () =>
    expectError(() => model().fit([[1, NaN, 3], [4, 5, 6]], y), 'ERR_NON_FINITE', 'x contains NaN at row 0, column 1: every value must be a finite number'));
  it('Infinity in the targets', () =>
    expectError(() => model().fit(x, [[1, 0], [Infinity, 1]]), 'ERR_NON_FINITE', 'y contains Infinity at row 1, column 0: every value must be a finite number'));
  it('NaN in a flat Float32Array input', () =>
    expectError(() => model().predict({ data: new Float32Array([1, 2, 3, 4, NaN, 6]), shape: [2, 3] }), 'ERR_NON_FINITE', 'x contains NaN at row 1, column 1: every value must be a finite number'));
  it('an empty dataset', () => expectError(() => model().fit([], []), 'ERR_EMPTY_DATASET', 'x is empty: expected at least one row'));
  it('a flat buffer whose length does not match its shape', () =>
    expectError(() => model().predict({ data: new Float32Array(5), shape: [2, 3] }), 'ERR_SHAPE_MISMATCH', 'Expected x.data to hold 2 × 3 = 6 values, got 5'));
  it('the wrong number of labels', () =>
    expectError(() => sparse().fit(x, [0]), 'ERR_SHAPE_MISMATCH', 'Expected 2 labels in y (one per row of x), got 1'));
  it('an out-of-range class index', () =>
    expectError(() => sparse().fit(x, [0, 2]), 'ERR_INVALID_LABEL', 'Expected class labels that are integers from 0 to 1 (the model has 2 outputs), but y[1] is 2 (number)'));
  it('a fractional class label', () =>
    expectError(() => sparse().evaluate(x, [0.5, 1]), 'ERR_INVALID_LABEL', /but y\[0\] is 0.5 \(number\)$/));
  it('a non-numeric value in x', () =>
    expectError(() => model().fit([[1, 'a' as unknown as number, 3], [4, 5, 6]], y), 'ERR_INVALID_ARGUMENT', 'Expected a number at x[0][1] but received "a" (string)'));
  it('x that is not a matrix at all', () =>
    expectError(() => model().predict('data' as never), 'ERR_INVALID_ARGUMENT', 'Expected number[][] or { data, shape: [rows, cols] } for x but received "data" (string)'));
  it('batchSize 0', () =>
    expectError(() => model().fit(x, y, { batchSize: 0 }), 'ERR_OUT_OF_RANGE', 'Expected positive integer for batchSize but received 0 (number)'));
  it('a fractional batchSize', () =>
    expectError(() => model().fit(x, y, { batchSize: 1.5 }), 'ERR_OUT_OF_RANGE', 'Expected positive integer for batchSize but received 1.5 (number)'));
  it('epochs given as a string', () =>
    expectError(() => model().fit(x, y, { epochs: '3' as unknown as number }), 'ERR_INVALID_ARGUMENT', 'Expected positive integer for epochs but received "3" (string)'));
  it('negative epochs', () =>
    expectError(() => model().fit(x, y, { epochs: -1 }), 'ERR_OUT_OF_RANGE', 'Expected positive integer for epochs but received -1 (number)'));
  it('an unknown fit option', () =>
    expectError(() => model().fit(x, y, { epoch: 3 } as never), 'ERR_UNKNOWN_OPTION', "Unknown option 'epoch' in fit options (did you mean 'epochs'?)"));
  it('weights of the wrong shape', () =>
    expectError(() => model().setWeights([{ kernel: new Float32Array(11), bias: new Float32Array(4) }, { kernel: new Float32Array(8), bias: new Float32Array(2) }]), 'ERR_SHAPE_MISMATCH', 'Expected weights[0].kernel with 12 values, got 11'));
  it('a model used after dispose', async () => {
    const m = model();
    m.dispose();
    m.dispose(); // idempotent
    await expectError(() => m.predict(x), 'ERR_DISPOSED', 'Cannot call predict: the model has been disposed');
  });
  it('a second fit while the first runs, and dispose during fit', async () => {
    const m = model();
    const first = m.fit(x, y, { epochs: 3 });
    // Both conflicting calls are made before the first fit can finish (no await in between).
    const second = m.fit(x, y);
    let disposeError: unknown;
    try {
      m.dispose();
    } catch (error) {
      disposeError = error;
    }
    await expectError(() => second, 'ERR_BUSY', 'Cannot call fit while the model is already fitting (await the first fit)');
    await expectError(() => { if (disposeError) throw disposeError; }, 'ERR_BUSY', 'Cannot dispose the model while it is training (await fit first)');
    await first;
    m.dispose();
  });
});

describe('bad model options', () => {
  it('an unknown activation, with a suggestion', () =>
    expectError(() => new Sequential({ ...base, layers: [{ units: 2, activation: 'rellu' as never }] }), 'ERR_INVALID_ARGUMENT',
      "Expected one of 'linear', 'sigmoid', 'tanh', 'relu', 'leakyRelu', 'softmax', 'elu', 'gelu', 'softplus', 'silu' for layers[0].activation but received \"rellu\" (string) (did you mean 'relu'?)"));
  it('an unknown loss', () =>
    expectError(() => new Sequential({ ...base, loss: 'crossEntropy' as never }), 'ERR_INVALID_ARGUMENT', /^Expected one of 'meanSquaredError', .* for loss but received "crossEntropy" \(string\)/));
  it('an unknown model option', () =>
    expectError(() => new Sequential({ ...base, learningRate: 0.1 } as never), 'ERR_UNKNOWN_OPTION', "Unknown option 'learningRate' in model options"));
  it('an unknown layer option', () =>
    expectError(() => new Sequential({ ...base, layers: [{ units: 2, activation: 'softmax', unit: 3 } as never] }), 'ERR_UNKNOWN_OPTION', "Unknown option 'unit' in layers[0] (did you mean 'units'?)"));
  it('units that are not a positive integer', () =>
    expectError(() => new Sequential({ ...base, layers: [{ units: 0 }] }), 'ERR_OUT_OF_RANGE', 'Expected positive integer for layers[0].units but received 0 (number)'));
  it('a fused loss without its output activation', () =>
    expectError(() => new Sequential({ ...base, loss: 'binaryCrossEntropy', layers: [{ units: 1, activation: 'relu' }] }), 'ERR_INVALID_ARGUMENT',
      "Loss 'binaryCrossEntropy' needs a 'sigmoid' output layer (it is computed from the logits for numerical stability), but the last layer's activation is 'relu'"));
  it('a learning rate that is not positive', () =>
    expectError(() => new SGD({ learningRate: -0.1 }), 'ERR_OUT_OF_RANGE', /^Expected number >= .* for learningRate but received -0.1 \(number\)$/));
  it('an unknown backend', () =>
    expectError(() => new Sequential({ ...base, backend: 'gpu' as never }), 'ERR_INVALID_ARGUMENT', "Expected one of 'native', 'reference' for backend but received \"gpu\" (string)"));
});
