// SPDX-License-Identifier: MIT
// Training that stops early on its own: an AbortSignal, or a loss that becomes NaN/Infinity.
import { describe, expect, it } from 'vitest';
import { isFastpropError } from '../../src/errors.ts';
import { Sequential } from '../../src/model.ts';
import { SGD } from '../../src/optimizers/sgd.ts';
import { TrainingInterruptedError } from '../../src/train/loop.ts';
import { Random } from '../../src/random.ts';
import { randomMatrix, shaped } from '../helpers/data.ts';

describe.each(['native', 'reference'] as const)('stopping on the %s backend', (backend) => {
  it('an AbortSignal stops between batches; fit rejects with ERR_ABORTED and the model stays usable', async () => {
    const rows = backend === 'native' ? 4096 : 256;
    const random = new Random(1);
    const x = shaped(randomMatrix(random, rows, 64), rows, 64);
    const y = Int32Array.from({ length: rows }, () => random.below(4));
    const model = new Sequential({ inputSize: 64, layers: [{ units: 128, activation: 'relu' }, { units: 4, activation: 'softmax' }], loss: 'sparseCategoricalCrossEntropy', backend, seed: 1 });
    const controller = new AbortController();
    const started = performance.now();
    setTimeout(() => controller.abort(), 100);
    const error = await model.fit(x, y, { epochs: 100_000, batchSize: 8, signal: controller.signal }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TrainingInterruptedError);
    expect((error as TrainingInterruptedError).code).toBe('ERR_ABORTED');
    expect(performance.now() - started).toBeLessThan(2000); // not after 100,000 epochs
    expect((error as TrainingInterruptedError).history.loss.length).toBeLessThan(100_000);
    // Usable afterwards: the weights are finite, predict and fit work.
    expect(model.getWeights().every((w) => w.kernel.every(Number.isFinite))).toBe(true);
    expect(model.predict(x).shape).toEqual([rows, 4]);
    await model.fit(x, y, { epochs: 1, batchSize: 64 });
  });

  it('an already aborted signal trains nothing', async () => {
    const model = new Sequential({ inputSize: 1, layers: [{ units: 1 }], loss: 'meanSquaredError', backend, seed: 1 });
    const before = model.getWeights();
    const error = await model.fit([[1]], [[1]], { epochs: 5, signal: AbortSignal.abort() }).catch((e: unknown) => e);
    expect(isFastpropError(error) && error.code).toBe('ERR_ABORTED');
    expect(model.getWeights()).toEqual(before);
  });

  // Natively, batches of up to 4 rows update each row of W inside the backward pass, and larger
  // ones each block of ∂L/∂W as its product finishes it: neither may keep a bad step's update.
  it.each([4, 8])('a diverging loss (batches of %i rows) stops training with ERR_NON_FINITE_LOSS and keeps the weights from before the bad step', async (rows) => {
    const x = Array.from({ length: rows }, (_, i) => [2 * i + 1, 2 * i + 2]);
    const y = Array.from({ length: rows }, (_, i) => [i + 1]);
    const make = () => new Sequential({ inputSize: 2, layers: [{ units: 1 }], loss: 'meanSquaredError', optimizer: new SGD({ learningRate: 5 }), backend, seed: 2 });
    const model = make();
    const error = await model.fit(x, y, { epochs: 1000, batchSize: rows, shuffle: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TrainingInterruptedError);
    const interrupted = error as TrainingInterruptedError;
    expect(interrupted.code).toBe('ERR_NON_FINITE_LOSS');
    // Depending on which overflows first, the loss (computed in double) or the float32 weights.
    expect(interrupted.message).toMatch(/^(The loss became (Infinity|NaN)|An update made the weights non-finite) in epoch \d+, batch 1; training stopped and the weights from before that step are kept/);
    const completed = interrupted.history.loss.length;
    expect(completed).toBeGreaterThan(2);
    // Full batches: epoch = step. A run of exactly the completed epochs ends on the same weights.
    const replay = make();
    await replay.fit(x, y, { epochs: completed, batchSize: rows, shuffle: false });
    expect(model.getWeights()).toEqual(replay.getWeights());
    expect(model.getWeights()[0]!.kernel.every(Number.isFinite)).toBe(true);
  });

  // The rollback copies are reused from call to call (src/train/loop.ts): they must hold the
  // weights at the start of this call, not of an earlier one.
  it.each([4, 8])('after an earlier fit, a diverging fit (batches of %i rows) keeps the weights from before its bad step', async (rows) => {
    const x = Array.from({ length: rows }, (_, i) => [2 * i + 1, 2 * i + 2]);
    const y = Array.from({ length: rows }, (_, i) => [i + 1]);
    const make = () => new Sequential({ inputSize: 2, layers: [{ units: 1 }], loss: 'meanSquaredError', optimizer: new SGD({ learningRate: 5 }), backend, seed: 2 });
    const model = make();
    await model.fit(x, y, { epochs: 2, batchSize: rows, shuffle: false });
    const error = await model.fit(x, y, { epochs: 1000, batchSize: rows, shuffle: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TrainingInterruptedError);
    const completed = (error as TrainingInterruptedError).history.loss.length;
    expect(completed).toBeGreaterThan(0);
    const replay = make();
    await replay.fit(x, y, { epochs: 2, batchSize: rows, shuffle: false });
    await replay.fit(x, y, { epochs: completed, batchSize: rows, shuffle: false });
    expect(model.getWeights()).toEqual(replay.getWeights());
  });
});
