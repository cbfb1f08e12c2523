// SPDX-License-Identifier: MIT
// Without callbacks, validation or a per-epoch schedule, fit runs several epochs per native call
// (ROWS_PER_CALL rows, src/train/loop.ts); with an epoch callback it makes one call per epoch.
// The batches, their order and their steps are the same either way, so the weights, the
// optimizer state and the history's losses must be the same bits. The dataset is sized so that
// the grouped run needs more than one call: the boundary between calls is crossed too. Unshuffled,
// the grouped run's order is built by copying the first epoch (epochOrder): checked the same way.
import { describe, expect, it } from 'vitest';
import { Sequential, type ModelOptions } from '../../src/model.ts';
import { SGD } from '../../src/optimizers/sgd.ts';
import { Random } from '../../src/random.ts';
import { ROWS_PER_CALL } from '../../src/train/loop.ts';
import { randomMatrix, shaped } from '../helpers/data.ts';

const random = new Random(4);
const rows = 5000;
const epochsPerCall = Math.floor(ROWS_PER_CALL / rows);
const epochs = epochsPerCall + 2;  // one full call and part of a second
const x = shaped(randomMatrix(random, rows, 3), rows, 3);
const y = shaped(Float32Array.from({ length: rows }, () => random.below(2)), rows, 1);

const options = (backend: 'native' | 'reference'): ModelOptions => ({
  inputSize: 3,
  layers: [{ units: 4, activation: 'tanh' }, { units: 1, activation: 'sigmoid' }],
  loss: 'binaryCrossEntropy',
  optimizer: new SGD({ learningRate: 0.05, momentum: 0.9 }),
  seed: 5,
  backend,
});

describe.each(['native', 'reference'] as const)('grouped epochs (%s backend)', (backend) => {
  it.each([true, false])(`${epochs} epochs of ${rows} rows in ${Math.ceil(epochs / epochsPerCall)} calls equal one call per epoch, bit for bit (shuffle %s)`, async (shuffle) => {
    expect(epochsPerCall).toBeGreaterThan(1);  // else nothing is grouped
    const grouped = new Sequential(options(backend));
    const perEpoch = new Sequential(options(backend));
    let epochEnds = 0;
    const fit = { epochs, batchSize: 64, seed: 9, shuffle };
    const a = await grouped.fit(x, y, fit);
    const b = await perEpoch.fit(x, y, { ...fit, callbacks: [{ onEpochEnd: () => { epochEnds++; } }] });
    expect(epochEnds).toBe(epochs);
    expect(a.loss).toHaveLength(epochs);
    expect(a.loss).toEqual(b.loss);
    const weights = (m: Sequential) => m.getWeights().flatMap((l) => [...l.kernel, ...l.bias]);
    expect(weights(grouped)).toEqual(weights(perEpoch));
    // The momentum too: it carries from one call into the next.
    const more = { epochs: 1, batchSize: 64, seed: 10, shuffle };
    await grouped.fit(x, y, more);
    await perEpoch.fit(x, y, more);
    expect(weights(grouped)).toEqual(weights(perEpoch));
    expect(new Set(weights(grouped)).size).toBeGreaterThan(10);  // trained, not all equal
    grouped.dispose();
    perEpoch.dispose();
  });
});
