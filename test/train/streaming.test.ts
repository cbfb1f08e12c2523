// SPDX-License-Identifier: MIT
// fit on datasets: an in-memory dataset is fit(x, y); a stream trains each yielded batch in order
// with callbacks, validation, history, abort and stop-on-NaN working as for in-memory data.
import { describe, expect, it } from 'vitest';
import { InMemoryDataset, StreamingDataset, type Batch } from '../../src/data/dataset.ts';
import { isFastpropError } from '../../src/errors.ts';
import { Sequential } from '../../src/model.ts';
import { Adam } from '../../src/optimizers/adam.ts';
import { SGD } from '../../src/optimizers/sgd.ts';
import { Random } from '../../src/random.ts';
import { TrainingInterruptedError } from '../../src/train/loop.ts';
import { randomMatrix } from '../helpers/data.ts';

const random = new Random(9);
const total = 96;
const x = randomMatrix(random, total, 5);
const labels = Int32Array.from({ length: total }, () => random.below(3));
const data = new InMemoryDataset({ data: x, shape: [total, 5] }, labels);

function chunks(size: number): StreamingDataset {
  return new StreamingDataset(() => data.batches(size), {});
}

describe.each(['native', 'reference'] as const)('fit on datasets, %s backend', (backend) => {
  const make = () => new Sequential({
    inputSize: 5, layers: [{ units: 16, activation: 'tanh' }, { dropout: 0.1 }, { units: 3, activation: 'softmax' }],
    loss: 'sparseCategoricalCrossEntropy', optimizer: new Adam({ learningRate: 0.01 }), backend, seed: 4,
  });
  const weights = (m: Sequential) => m.getWeights().flatMap((w) => [Buffer.from(w.kernel.buffer), Buffer.from(w.bias.buffer)]);

  it('fit(dataset) equals fit(x, y), and a stream of batch-sized chunks equals unshuffled in-memory training bit for bit', async () => {
    const [a, b, c] = [make(), make(), make()];
    const ha = await a.fit(data.x, data.y, { epochs: 3, batchSize: 8, shuffle: false });
    const hb = await b.fit(data, { epochs: 3, batchSize: 8, shuffle: false });
    const hc = await c.fit(chunks(8), { epochs: 3, batchSize: 8 });
    weights(a).forEach((w, i) => {
      expect(w.equals(weights(b)[i]!)).toBe(true);
      expect(w.equals(weights(c)[i]!)).toBe(true);
    });
    expect(hb.loss).toEqual(ha.loss);
    hc.loss.forEach((loss, i) => expect(loss).toBeCloseTo(ha.loss[i]!, 12));
    expect(hc.accuracy).toEqual(ha.accuracy);
  });

  it('chunks larger than batchSize train as small datasets in order', async () => {
    const [a, b] = [make(), make()];
    await a.fit(chunks(8), { epochs: 2, batchSize: 8 });
    await b.fit(chunks(32), { epochs: 2, batchSize: 8 });
    expect(weights(a).every((w, i) => w.equals(weights(b)[i]!))).toBe(true);
  });

  it('a shuffle buffer shuffles with the seed: same seed same weights, different seed different', async () => {
    const shuffled = new StreamingDataset(() => data.batches(8), { shuffleBuffer: 40 });
    const [a, b, c, plain] = [make(), make(), make(), make()];
    await a.fit(shuffled, { epochs: 2, batchSize: 8, seed: 1 });
    await b.fit(shuffled, { epochs: 2, batchSize: 8, seed: 1 });
    await c.fit(shuffled, { epochs: 2, batchSize: 8, seed: 2 });
    await plain.fit(shuffled, { epochs: 2, batchSize: 8, shuffle: false });
    expect(weights(a).every((w, i) => w.equals(weights(b)[i]!))).toBe(true);
    expect(weights(a)[0]!.equals(weights(c)[0]!)).toBe(false);
    expect(weights(a)[0]!.equals(weights(plain)[0]!)).toBe(false);
    // Every row is used once per epoch: the shuffled epoch's accuracy counts all 96 rows.
    const seen: number[] = [];
    await make().fit(shuffled, { epochs: 1, batchSize: 8, callbacks: [{ onBatchEnd: (_b, logs) => void seen.push(logs.size) }] });
    expect(seen.reduce((p, q) => p + q)).toBe(total);
  });

  it('runs callbacks, batch hooks and validation, and records the history', async () => {
    const events: string[] = [];
    const history = await make().fit(chunks(32), {
      epochs: 2, batchSize: 16, validationData: data,
      callbacks: [{
        onEpochBegin: (e) => void events.push(`epoch+${e}`),
        onBatchEnd: (b, logs) => void events.push(`batch${b}:${logs.size}`),
        onEpochEnd: (e, logs) => void events.push(`epoch-${e}:${logs.valLoss !== undefined}`),
      }],
    });
    const epoch = (e: number) => [`epoch+${e}`, ...[0, 1, 2, 3, 4, 5].map((b) => `batch${b}:16`), `epoch-${e}:true`];
    expect(events).toEqual([...epoch(0), ...epoch(1)]);
    expect(history.loss).toHaveLength(2);
    expect(history.valAccuracy).toHaveLength(2);
  });

  it('an AbortSignal stops a stream; a diverging loss stops it with ERR_NON_FINITE_LOSS', async () => {
    const controller = new AbortController();
    const endless = new StreamingDataset(async function* (): AsyncGenerator<Batch> {
      for (let i = 0; ; i++) {
        if (i === 5) controller.abort();
        yield { x: data.x, y: data.y };
      }
    });
    const error = await make().fit(endless, { signal: controller.signal }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TrainingInterruptedError);
    expect((error as TrainingInterruptedError).code).toBe('ERR_ABORTED');

    const model = new Sequential({ inputSize: 2, layers: [{ units: 1 }], loss: 'meanSquaredError', optimizer: new SGD({ learningRate: 5 }), backend, seed: 2 });
    const big = new StreamingDataset(() => [{ x: [[1, 2], [3, 4], [5, 6], [7, 8]], y: [[1], [2], [3], [4]] }]);
    const diverged = await model.fit(big, { epochs: 1000, batchSize: 4 }).catch((e: unknown) => e);
    expect(isFastpropError(diverged) && diverged.code).toBe('ERR_NON_FINITE_LOSS');
    expect(model.getWeights()[0]!.kernel.every(Number.isFinite)).toBe(true);
  });

  it('rejects a bad batch naming it, an empty stream, and validationSplit', async () => {
    const bad = new StreamingDataset(() => [{ x: data.x, y: data.y }, { x: [[1, 2]], y: [0] }]);
    await expect(make().fit(bad)).rejects.toThrow('Expected stream batch 1 x with 5 columns, got 2');
    await expect(make().fit(new StreamingDataset(() => []))).rejects.toMatchObject({ code: 'ERR_EMPTY_DATASET' });
    await expect(make().fit(chunks(8), { validationSplit: 0.1 })).rejects.toThrow('validationSplit needs in-memory data');
    await expect(make().fit(data, labels as never)).rejects.toThrow('pass no y');
  });
});
