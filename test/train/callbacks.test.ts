// SPDX-License-Identifier: MIT
// Callbacks, validation, early stopping and reduce-on-plateau.
import { describe, expect, it } from 'vitest';
import { Sequential } from '../../src/model.ts';
import { SGD } from '../../src/optimizers/sgd.ts';
import { EarlyStopping, ReduceLROnPlateau, type Callback } from '../../src/train/callbacks.ts';
import { Random } from '../../src/random.ts';

function regression(rows: number, seed: number) {
  const random = new Random(seed);
  const x = Array.from({ length: rows }, () => [random.uniform(-1, 1), random.uniform(-1, 1)]);
  return { x, y: x.map(([a, b]) => [2 * a! - b! + 0.1 * random.normal()]) };
}

describe.each(['native', 'reference'] as const)('callbacks on the %s backend', (backend) => {
  const model = (lr = 0.05) =>
    new Sequential({ inputSize: 2, layers: [{ units: 8, activation: 'tanh' }, { units: 1 }], loss: 'meanSquaredError', optimizer: new SGD({ learningRate: lr }), backend, seed: 3 });

  it('calls every hook in order, batch hooks once per batch with their logs', async () => {
    const { x, y } = regression(10, 1);
    const events: string[] = [];
    const callback: Callback = {
      onTrainBegin: () => void events.push('train+'),
      onEpochBegin: (e) => void events.push(`epoch+${e}`),
      onBatchBegin: (b) => void events.push(`batch+${b}`),
      onBatchEnd: (b, logs) => void events.push(`batch-${b}:${logs.size}:${Number.isFinite(logs.loss) && logs.mae !== undefined}`),
      onEpochEnd: (e, logs) => void events.push(`epoch-${e}:${logs.mae !== undefined}`),
      onTrainEnd: () => void events.push('train-'),
    };
    await model().fit(x, y, { epochs: 2, batchSize: 4, callbacks: [callback] });
    const epoch = (e: number) => [`epoch+${e}`, 'batch+0', 'batch-0:4:true', 'batch+1', 'batch-1:4:true', 'batch+2', 'batch-2:2:true', `epoch-${e}:true`];
    expect(events).toEqual(['train+', ...epoch(0), ...epoch(1), 'train-']);
  });

  it('batch hooks give the same result as whole-epoch calls', async () => {
    const { x, y } = regression(10, 1);
    const [a, b] = [model(), model()];
    await a.fit(x, y, { epochs: 3, batchSize: 4, seed: 1 });
    await b.fit(x, y, { epochs: 3, batchSize: 4, seed: 1, callbacks: [{ onBatchEnd: () => {} }] });
    expect(Array.from(b.getWeights()[0]!.kernel)).toEqual(Array.from(a.getWeights()[0]!.kernel));
  });

  it('stopTraining from a callback ends training after that epoch', async () => {
    const { x, y } = regression(10, 1);
    const history = await model().fit(x, y, { epochs: 10, callbacks: [{ onEpochEnd: (e, _logs, context) => (e === 2 ? context.stopTraining() : undefined) }] });
    expect(history.loss).toHaveLength(3);
  });

  it('validationData: valLoss and valMae are what evaluate reports after each epoch', async () => {
    const train = regression(40, 1);
    const held = regression(15, 2);
    const m = model();
    const seen: { valLoss: number; valMae: number }[] = [];
    const history = await m.fit(train.x, train.y, {
      epochs: 3,
      validationData: [held.x, held.y],
      onEpochEnd: () => {
        const { loss, mae } = m.evaluate(held.x, held.y);
        seen.push({ valLoss: loss, valMae: mae! });
      },
    });
    expect(history.valLoss).toEqual(seen.map((s) => s.valLoss));
    expect(history.valMae).toEqual(seen.map((s) => s.valMae));
    expect(history.mae).toHaveLength(3);
  });

  it('validationSplit holds out the last rows', async () => {
    const { x, y } = regression(20, 1);
    const [a, b] = [model(), model()];
    const split = await a.fit(x, y, { epochs: 2, validationSplit: 0.25, seed: 4 });
    const explicit = await b.fit(x.slice(0, 15), y.slice(0, 15), { epochs: 2, validationData: [x.slice(15), y.slice(15)], seed: 4 });
    expect(split.valLoss).toEqual(explicit.valLoss);
    expect(split.loss).toEqual(explicit.loss);
  });

  it('early stopping: patience, min delta, and restoring the best weights', async () => {
    const train = regression(30, 1);
    const held = regression(30, 9);
    const m = model(0.3);
    const minDelta = 1e-3;
    const stopper = new EarlyStopping({ monitor: 'valLoss', patience: 2, minDelta, restoreBestWeights: true });
    const history = await m.fit(train.x, train.y, { epochs: 500, batchSize: 5, validationData: [held.x, held.y], callbacks: [stopper] });
    expect(stopper.stoppedEpoch).toBeDefined();
    expect(stopper.stoppedEpoch).toBeLessThan(499);
    expect(history.valLoss!.length).toBe(stopper.stoppedEpoch! + 1);
    // The best epoch as the callback defines it: the last that improved by more than minDelta.
    let best = Infinity;
    let bestEpoch = -1;
    history.valLoss!.forEach((v, e) => {
      if (v < best - minDelta) [best, bestEpoch] = [v, e];
    });
    // It stopped exactly patience + 1 epochs after the best one...
    expect(stopper.stoppedEpoch).toBe(bestEpoch + 3);
    // ...and the model is back on the best epoch's weights.
    expect(m.evaluate(held.x, held.y).loss).toBeCloseTo(best, 10);
  });

  it('early stopping on a metric that needs validation data says so', async () => {
    const { x, y } = regression(10, 1);
    await expect(model().fit(x, y, { epochs: 2, callbacks: [new EarlyStopping()] })).rejects.toThrow(
      "Cannot monitor 'valLoss': this fit does not report it (help: pass validationData or validationSplit to fit)",
    );
  });

  it('reduce-on-plateau lowers the learning rate when the loss stalls, down to its floor', async () => {
    const { x, y } = regression(20, 1);
    const history = await model(0.2).fit(x, y, {
      epochs: 60,
      batchSize: 5,
      callbacks: [new ReduceLROnPlateau({ monitor: 'loss', factor: 0.5, patience: 1, minDelta: 1e-2, minLearningRate: 0.05 })],
    });
    const rates = history.learningRate;
    expect(rates[0]).toBeCloseTo(0.2, 6);
    rates.slice(1).forEach((r, i) => expect(r).toBeLessThanOrEqual(rates[i]!)); // never raised
    expect(new Set(rates).size).toBeGreaterThan(2);
    expect(Math.min(...rates)).toBeCloseTo(0.05, 6); // reached the floor and stopped there
  });
});
