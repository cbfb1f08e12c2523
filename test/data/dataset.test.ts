// SPDX-License-Identifier: MIT
// In-memory datasets (split, shuffle, batches) and normalisation (fitted on train, stored on the
// model, applied by predict, evaluate and fit; constant features do not divide by zero).
import { describe, expect, it } from 'vitest';
import { InMemoryDataset, StreamingDataset } from '../../src/data/dataset.ts';
import { Normalizer } from '../../src/data/normalize.ts';
import { Sequential } from '../../src/model.ts';
import { SGD } from '../../src/optimizers/sgd.ts';

const rows = (n: number) => new InMemoryDataset(Array.from({ length: n }, (_, i) => [i, 10 * i]), Int32Array.from({ length: n }, (_, i) => i));

describe('InMemoryDataset', () => {
  it('split is seeded, disjoint and complete', () => {
    const data = rows(100);
    const a = data.split({ validation: 0.1, test: 0.2, seed: 7 });
    const b = data.split({ validation: 0.1, test: 0.2, seed: 7 });
    const c = data.split({ validation: 0.1, test: 0.2, seed: 8 });
    expect([a.train.rows, a.validation!.rows, a.test!.rows]).toEqual([70, 10, 20]);
    const ids = (d: InMemoryDataset) => Array.from(d.y as Int32Array);
    expect(ids(a.test!)).toEqual(ids(b.test!));
    expect(ids(a.test!)).not.toEqual(ids(c.test!));
    const all = [...ids(a.train), ...ids(a.validation!), ...ids(a.test!)].sort((p, q) => p - q);
    expect(all).toEqual(Array.from({ length: 100 }, (_, i) => i));
    // Rows stay whole: x follows y.
    a.train.x.data.forEach((v, i) => i % 2 === 0 && expect(v).toBe((a.train.y as Int32Array)[i / 2]));
  });

  it('split without shuffling takes consecutive rows; an empty split is an error', () => {
    const { train, test } = rows(10).split({ test: 0.3, shuffle: false });
    expect(Array.from(test!.y as Int32Array)).toEqual([0, 1, 2]);
    expect(Array.from(train.y as Int32Array)).toEqual([3, 4, 5, 6, 7, 8, 9]);
    expect(() => rows(3).split({ test: 0.1 })).toThrow(expect.objectContaining({ code: 'ERR_EMPTY_DATASET' }));
  });

  it('shuffle is a seeded permutation; batches are consecutive views', () => {
    const shuffled = rows(20).shuffle(3);
    expect(Array.from(shuffled.y as Int32Array)).toEqual(Array.from(rows(20).shuffle(3).y as Int32Array));
    expect(Array.from(shuffled.y as Int32Array).sort((p, q) => p - q)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect([...rows(10).batches(4)].map((b) => (b.x.shape[0]))).toEqual([4, 4, 2]);
  });

  it('rejects x and y with different row counts', () => {
    expect(() => new InMemoryDataset([[1], [2]], [1])).toThrow(expect.objectContaining({ code: 'ERR_SHAPE_MISMATCH' }));
  });
});

describe('Normalizer', () => {
  const x = [[0, 5, 1], [10, 5, 3], [5, 5, 5]];

  it('minMax maps the training range to [0, 1]; a constant feature maps to 0', () => {
    const n = Normalizer.fit(x, 'minMax');
    expect(Array.from(n.apply(Float32Array.from(x.flat()), 3, 3))).toEqual([0, 0, 0, 1, 0, 0.5, 0.5, 0, 1]);
    expect(Array.from(n.scale)).toEqual([10, 1, 4]);
  });

  it('standardize gives mean 0 and standard deviation 1; a constant feature maps to 0', () => {
    const n = Normalizer.fit(x, 'standardize');
    const out = n.apply(Float32Array.from(x.flat()), 3, 3);
    for (let c = 0; c < 3; c++) {
      const column = [out[c]!, out[3 + c]!, out[6 + c]!];
      const mean = column.reduce((a, b) => a + b) / 3;
      const sd = Math.sqrt(column.reduce((a, b) => a + (b - mean) ** 2, 0) / 3);
      expect(mean).toBeCloseTo(0, 6);
      expect(sd).toBeCloseTo(c === 1 ? 0 : 1, 6);
    }
    expect(Array.from(out).every(Number.isFinite)).toBe(true);
  });

  it('fits a stream in one pass to the same statistics', async () => {
    const stream = new StreamingDataset(function* () {
      yield { x: [x[0]!, x[1]!], y: [0, 1] };
      yield { x: [x[2]!], y: [1] };
    });
    const streamed = await Normalizer.fitDataset(stream, 'standardize');
    const whole = Normalizer.fit(x, 'standardize');
    expect(Array.from(streamed.shift)).toEqual(Array.from(whole.shift));
    for (let i = 0; i < 3; i++) expect(streamed.scale[i]).toBeCloseTo(whole.scale[i]!, 6);
  });

  it('is applied by predict, evaluate and fit once set on the model', async () => {
    const train = new InMemoryDataset([[100, -3], [300, -1], [200, -2]], [[1], [3], [2]]);
    const normalizer = Normalizer.fit(train, 'minMax');
    const make = () => new Sequential({ inputSize: 2, layers: [{ units: 1 }], loss: 'meanSquaredError', optimizer: new SGD({ learningRate: 0.1 }), seed: 5 });
    const withNorm = make();
    withNorm.setNormalization(normalizer);
    const byHand = make();
    const normalized = { data: normalizer.apply(train.x.data, 3, 2), shape: [3, 2] as [number, number] };
    expect(withNorm.predict(train.x).data).toEqual(byHand.predict(normalized).data);
    expect(withNorm.evaluate(train.x, train.y)).toEqual(byHand.evaluate(normalized, train.y));
    await withNorm.fit(train, { epochs: 5, shuffle: false });
    await byHand.fit(normalized, train.y, { epochs: 5, shuffle: false });
    expect(withNorm.getWeights()).toEqual(byHand.getWeights());
    expect(withNorm.normalization).toBe(normalizer);
    expect(() => withNorm.setNormalization(Normalizer.fit([[1, 2, 3]], 'minMax'))).toThrow(expect.objectContaining({ code: 'ERR_SHAPE_MISMATCH' }));
  });

  it('takes shift and scale as arrays or typed arrays only (found by fuzz/safetensors.fuzz.js)', () => {
    expect(new Normalizer('minMax', new Float32Array([1]), [2]).scale).toEqual(new Float32Array([2]));
    // An array-like object's length was trusted: a RangeError, or gigabytes allocated.
    const huge = { length: 1e10 } as unknown as number[];
    expect(() => new Normalizer('minMax', huge, huge)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT', message: expect.stringMatching(/shift/) }));
    // A missing array was a TypeError.
    expect(() => new Normalizer('minMax', [1], undefined as unknown as number[])).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT', message: expect.stringMatching(/scale/) }));
  });
});
