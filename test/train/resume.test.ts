// SPDX-License-Identifier: MIT
// Resume: a run saved after 3 epochs, loaded and trained 3 more ends on the same weights and
// optimizer state as 6 uninterrupted epochs, bit for bit (native backend, Adam, dropout, L2, a
// per-epoch schedule and the model's own shuffling: everything that carries state).
import { describe, expect, it } from 'vitest';
import { Sequential, type FitOptions } from '../../src/model.ts';
import { Adam } from '../../src/optimizers/adam.ts';
import { Random } from '../../src/random.ts';
import { ModelCheckpoint } from '../../src/train/checkpoint.ts';
import { cosineAnnealing } from '../../src/train/schedules.ts';
import { randomMatrix, shaped } from '../helpers/data.ts';
import { tempDir } from '../helpers/files.ts';

const files = tempDir('fastprop-resume-');
const random = new Random(5);
const rows = 600;
const x = shaped(randomMatrix(random, rows, 20), rows, 20);
const labels = Int32Array.from({ length: rows }, () => random.below(4));
const make = () => new Sequential({
  inputSize: 20,
  layers: [{ units: 48, activation: 'relu', l2: 1e-4 }, { dropout: 0.2 }, { units: 4, activation: 'softmax' }],
  loss: 'sparseCategoricalCrossEntropy', optimizer: new Adam({ learningRate: 3e-3 }), backend: 'native', seed: 21,
});
const options = (epochs: number): FitOptions => ({ epochs, batchSize: 32, schedule: cosineAnnealing({ period: 6, minLearningRate: 1e-4 }) });

/** Parameters and optimizer state as raw bytes. */
function state(model: Sequential): Buffer[] {
  return [
    ...model.getWeights().flatMap((w) => [Buffer.from(w.kernel.buffer), Buffer.from(w.bias.buffer)]),
    ...model.getOptimizerState().slots.map((s) => Buffer.from(s.buffer)),
  ];
}

function expectBitIdentical(a: Sequential, b: Sequential): void {
  const [sa, sb] = [state(a), state(b)];
  expect(sa).toHaveLength(sb.length);
  sa.forEach((buffer, i) => expect(buffer.equals(sb[i]!)).toBe(true));
  expect([a.step, a.epoch]).toEqual([b.step, b.epoch]);
}

describe('resume from a saved model', () => {
  it('6 epochs straight = 3 epochs, save, load, 3 epochs (bit for bit)', async () => {
    const straight = make();
    await straight.fit(x, labels, options(6));

    const first = make();
    await first.fit(x, labels, options(3));
    const path = files.path('half.fprop');
    await first.save(path);
    const resumed = await Sequential.load(path, { backend: 'native' });
    await resumed.fit(x, labels, options(3));
    expectBitIdentical(resumed, straight);

    // Without the saved training state (a fresh model given only the weights) the run differs:
    // the test would catch a format that dropped any of it.
    const weightsOnly = make();
    weightsOnly.setWeights(first.getWeights());
    await weightsOnly.fit(x, labels, options(3));
    expect(state(weightsOnly)[0]!.equals(state(straight)[0]!)).toBe(false);
  });

  it('a ModelCheckpoint every 3 epochs writes checkpoints that resume to the same weights', async () => {
    const straight = make();
    await straight.fit(x, labels, options(6));

    const checkpointed = make();
    const checkpoint = new ModelCheckpoint({ path: files.path('ck-{epoch}.fprop'), every: 3 });
    await checkpointed.fit(x, labels, { ...options(6), callbacks: [checkpoint] });
    expect(checkpoint.saved).toEqual([files.path('ck-3.fprop'), files.path('ck-6.fprop')]);
    expectBitIdentical(checkpointed, straight);

    const atSix = await Sequential.load(files.path('ck-6.fprop'));
    expectBitIdentical(atSix, straight);
    const fromThree = await Sequential.load(files.path('ck-3.fprop'));
    expect(fromThree.epoch).toBe(3);
    await fromThree.fit(x, labels, options(6 - fromThree.epoch));
    expectBitIdentical(fromThree, straight);
  });

  it('saveBestOnly saves exactly on the epochs where the monitored metric improved', async () => {
    const model = make();
    const best = new ModelCheckpoint({ path: files.path('best-{epoch}.fprop'), saveBestOnly: true, monitor: 'valLoss' });
    const history = await model.fit(x, labels, { ...options(6), validationSplit: 0.2, callbacks: [best] });
    const improved: string[] = [];
    let lowest = Infinity;
    history.valLoss!.forEach((loss, e) => {
      if (loss < lowest) {
        lowest = loss;
        improved.push(files.path(`best-${e + 1}.fprop`));
      }
    });
    expect(best.saved).toEqual(improved);
    const reloaded = await Sequential.load(best.saved.at(-1)!);
    expect(reloaded.evaluate(x, labels).loss).toBeGreaterThan(0);
  });

  it('rejects options that would never save', () => {
    expect(() => new ModelCheckpoint({ path: 'x', every: 0 })).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(() => new ModelCheckpoint({ path: '' })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
  });
});
