// SPDX-License-Identifier: MIT
// Property-based fuzzing of the public API, part 3 of 6: InMemoryDataset (constructor, select,
// shuffle, split, batches), StreamingDataset (constructor, toMemory) and Normalizer
// (constructor, fit, fitDataset, apply).
// Each call must return something that passes a cheap invariant, or throw a FastpropError (or
// the caller's own hostile error, see arbitraries.ts) — never another error, a crash or a hang.
//
// Properties: 8; generated cases: 300 (InMemoryDataset) + 300 (select/shuffle/split/batches)
// + 200 (StreamingDataset) + 200 (Normalizer constructor) + 200 (Normalizer.fit) + 150
// (Normalizer.fitDataset) + 300 (Normalizer.apply) + 100 (toJSON round trip) = 1,750.
//
// The public-API fuzz suite is six files, 41 properties and 12,810 generated cases in all
// (test/fuzz/public-*.fuzz.test.ts; the raw binding is test/fuzz/binding.fuzz.test.ts):
//   public-model 2,850 · public-fit 2,000 · public-data 1,750 · public-io 850 · public-loaders 900 · public-misc 4,460.
// A property that can end either way (a result, an error) also asserts that both occurred, so
// none passes vacuously; each finding is pinned by a plain regression test next to its property.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InMemoryDataset, Normalizer, StreamingDataset } from '../../src/index.ts';
import { anyValue, arrayKind, element, goodElement, Hostile, isPlainObject, lazyFlat, materialize, matrix, options, settle, settleSync, wrongType } from './arbitraries.ts';

const rows = fc.integer({ min: 0, max: 5 });
const cols = fc.integer({ min: 0, max: 4 });
/** A good x of 1–5 rows by 1–3 columns, as nested arrays or a flat buffer. */
const goodX = fc.tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 3 })).chain(([r, c]) =>
  fc.tuple(fc.array(goodElement, { minLength: r * c, maxLength: r * c }), fc.boolean()).map(([v, nested]) =>
    nested ? Array.from({ length: r }, (_, i) => v.slice(i * c, (i + 1) * c)) : { data: Float32Array.from(v), shape: [r, c] as [number, number] }));
/** The rows x claims, when that is a small count (a hostile shape may claim 2^53: targets for 2 rows then). */
const rowsOf = (x: unknown): number => {
  const n: unknown = Array.isArray(x) ? x.length : isPlainObject(x) && Array.isArray(x.shape) ? x.shape[0] : undefined;
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 8 ? n : 2;
};

/** Targets for `n` rows in any form a dataset takes (or not). */
function targets(n: number): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: n, maxLength: n }).map((v) => Int32Array.from(v)) },
    { weight: 3, arbitrary: fc.array(goodElement, { minLength: n, maxLength: n }) },
    { weight: 2, arbitrary: matrix(fc.constant(n), fc.integer({ min: 1, max: 3 })) },
    { weight: 2, arbitrary: fc.record({ n: fc.constantFrom(n, n + 1, Math.max(0, n - 1)), kind: arrayKind, values: fc.array(element, { minLength: 1, maxLength: 4 }) }).map(({ n: m, kind, values }) => lazyFlat(kind, m, values)) },
    { weight: 1, arbitrary: wrongType },
  );
}

/** A small valid dataset. */
const dataset = goodX.chain((x) => fc.tuple(fc.constant(x), fc.oneof(
  fc.array(fc.integer({ min: 0, max: 3 }), { minLength: rowsOf(x), maxLength: rowsOf(x) }).map((v) => Int32Array.from(v)),
  fc.array(goodElement, { minLength: 2 * rowsOf(x), maxLength: 2 * rowsOf(x) }).map((v) => ({ data: Float32Array.from(v), shape: [rowsOf(x), 2] as [number, number] })),
))).map(([x, y]) => new InMemoryDataset(x as never, y as never));

/** Row j of a dataset's x, as numbers. */
const rowOf = (d: InMemoryDataset, j: number) => Array.from(d.x.data.subarray(j * d.features, (j + 1) * d.features));

describe('fuzzing InMemoryDataset', () => {
  it('the constructor keeps x and y of the same number of rows, or throws a FastpropError', () => {
    const tally = { ok: 0, failed: 0 };
    const info = fc.oneof(fc.constant(undefined), options({ classes: fc.constantFrom(['a', 'b'], []), skippedRows: fc.constantFrom(0, 3) }));
    const cases = fc.oneof({ weight: 3, arbitrary: goodX }, { weight: 2, arbitrary: matrix(rows, cols) }).chain((x) => fc.tuple(fc.constant(x), targets(rowsOf(x)), info));
    fc.assert(fc.property(cases, ([x, y, i]) => {
      const result = settleSync('new InMemoryDataset', () => new InMemoryDataset(materialize(x) as never, materialize(y) as never, materialize(i) as never));
      tally[result.ok ? 'ok' : 'failed']++;
      if (!result.ok) return true;
      const d = result.value;
      expect(d.x.data.length).toBe(d.rows * d.features);
      expect(ArrayBuffer.isView(d.y) ? d.y.length : d.y.shape[0]).toBe(d.rows);
      expect((ArrayBuffer.isView(d.y) ? d.y : d.y.data).every(Number.isFinite)).toBe(true);
      if (d.y instanceof Int32Array) expect(d.y.every((v) => v >= 0 || !(materialize(y) instanceof Uint32Array))).toBe(true);
      expect(Number.isSafeInteger(d.skippedRows) && d.skippedRows >= 0).toBe(true);
      return true;
    }), { numRuns: 300 });
    expect(Math.min(tally.ok, tally.failed)).toBeGreaterThan(5); // not vacuous: both endings happen
  });

  it('regression: a nested-array value beyond float32 range is refused (1.8e308 was stored as Infinity; fast-check seed -1286811417)', () => {
    expect(() => new InMemoryDataset([[0]], [[1.7976931348623157e308]])).toThrow(expect.objectContaining({ code: 'ERR_NON_FINITE', message: expect.stringContaining("float32's range") }));
    expect(() => new InMemoryDataset([[-1e39]], [[0]])).toThrow(expect.objectContaining({ code: 'ERR_NON_FINITE' }));
    expect(() => new InMemoryDataset({ data: [1e39], shape: [1, 1] }, [[0]])).toThrow(expect.objectContaining({ code: 'ERR_NON_FINITE' }));
  });

  it("regression: a null info argument or a bad 'classes' in it is refused with a FastpropError (null threw a TypeError)", () => {
    expect(() => new InMemoryDataset([[1]], [1], null as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
    expect(() => new InMemoryDataset([[1]], [1], { classes: 'ab' as never })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
  });

  it('regression: one-per-row targets are checked like matrix targets (NaN, holes and Uint32 labels >= 2^31 were kept, the last wrapped to negative)', () => {
    expect(() => new InMemoryDataset([[1]], [NaN])).toThrow(expect.objectContaining({ code: 'ERR_NON_FINITE' }));
    expect(() => new InMemoryDataset([[1]], new Float32Array([Infinity]))).toThrow(expect.objectContaining({ code: 'ERR_NON_FINITE' }));
    expect(() => new InMemoryDataset([[1], [2]], [1, , ] as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
    expect(() => new InMemoryDataset([[1]], new Uint32Array([2 ** 32 - 1]))).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
  });

  it('select, shuffle, split and batches keep rows whole, or throw a FastpropError', () => {
    const tally = { ok: 0, failed: 0 };
    const index = fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 0, max: 5 }) }, { weight: 1, arbitrary: fc.constantFrom(-1, 1.5, NaN, 2 ** 31, 2 ** 53) });
    const indices = fc.oneof(
      { weight: 4, arbitrary: fc.array(index, { maxLength: 6 }) },
      { weight: 1, arbitrary: fc.array(index, { minLength: 1, maxLength: 6 }).map((v) => Uint32Array.from(v)) },
      { weight: 1, arbitrary: fc.oneof(wrongType, fc.constant('12')) },
    );
    const op = fc.oneof(
      indices.map((i) => ({ op: 'select' as const, arg: i })),
      fc.oneof(fc.integer(), anyValue).map((seed) => ({ op: 'shuffle' as const, arg: seed })),
      fc.oneof(fc.constant(undefined), options({ validation: fc.constantFrom(0, 0.2, 0.5, 1), test: fc.constantFrom(0, 0.2, 0.5), seed: fc.integer(), shuffle: fc.boolean() })).map((o) => ({ op: 'split' as const, arg: o })),
      fc.oneof(fc.integer({ min: 1, max: 4 }), fc.constantFrom(2 ** 31, 2 ** 53), anyValue).map((b) => ({ op: 'batches' as const, arg: b })),
    );
    fc.assert(fc.property(dataset, op, (d, { op: name, arg }) => {
      const given = materialize(arg);
      const result = settleSync(name, () => {
        switch (name) {
          case 'select': return [d.select(given as never)];
          case 'shuffle': return [d.shuffle(given as never)];
          case 'split': {
            const { train, validation, test } = d.split(given as never);
            return [train, ...(validation ? [validation] : []), ...(test ? [test] : [])];
          }
          case 'batches': return [...d.batches(given as never)].map((b) => new InMemoryDataset(b.x, b.y as never));
        }
      });
      tally[result.ok ? 'ok' : 'failed']++;
      if (!result.ok) return true;
      const parts = result.value;
      // Every row of every part is a row of d (whole: features stay together).
      const all = new Set(Array.from({ length: d.rows }, (_, j) => JSON.stringify(rowOf(d, j))));
      for (const part of parts) {
        expect(part.features).toBe(d.features);
        for (let j = 0; j < part.rows; j++) expect(all.has(JSON.stringify(rowOf(part, j)))).toBe(true);
      }
      if (name === 'select') expect(parts[0]!.rows).toBe((given as ArrayLike<number>).length);
      if (name !== 'select') expect(parts.reduce((n, p) => n + p.rows, 0)).toBe(d.rows);
      return true;
    }), { numRuns: 300 });
    expect(Math.min(tally.ok, tally.failed)).toBeGreaterThan(5);
  });

  it('regression: select refuses row indices outside the dataset (it returned rows of zeros and NaN targets)', () => {
    const d = new InMemoryDataset([[1], [2]], [1, 2]);
    for (const rows of [[5], [-1], [0.5], [NaN]]) expect(() => d.select(rows as never)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    // A string's characters were read as indices ('12' threw RangeError: offset is out of bounds); null threw a TypeError.
    for (const rows of ['12', null, [1n]]) expect(() => d.select(rows as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
  });

  it("regression: split() without options uses the defaults, and a non-boolean 'shuffle' is refused (the first threw a TypeError)", () => {
    const d = new InMemoryDataset([[1], [2]], [1, 2]);
    expect((d.split as () => { train: InMemoryDataset })().train.rows).toBe(2);
    expect(() => d.split({ shuffle: 'no' as never })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
  });
});

describe('fuzzing StreamingDataset', () => {
  const batch = fc.oneof(
    { weight: 8, arbitrary: fc.integer({ min: 1, max: 3 }).chain((n) => fc.record({ x: fc.array(fc.array(goodElement, { minLength: 2, maxLength: 2 }), { minLength: n, maxLength: n }), y: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: n, maxLength: n }).map((v) => Int32Array.from(v)) })) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 3 }).chain((n) => fc.record({ x: matrix(fc.constant(n), cols), y: targets(n) })) },
    { weight: 1, arbitrary: fc.constantFrom<unknown>(null, undefined, 7, 'xy', {}, { x: [[1, 2]] }) },
  );
  const source = fc.record({
    kind: fc.oneof({ weight: 3, arbitrary: fc.constantFrom('sync', 'async') }, { weight: 2, arbitrary: fc.constantFrom('nonIterable', 'throws', 'throwsMidway', 'string', 'notAFunction') }),
    batches: fc.array(batch, { maxLength: 4 }),
  });

  it('the constructor and toMemory read a stream into one dataset, or fail with a FastpropError', async () => {
    const tally = { ok: 0, failed: 0 };
    await fc.assert(fc.asyncProperty(source, fc.oneof(fc.constant(undefined), options({ shuffleBuffer: fc.constantFrom(0, 5, 2 ** 31) })), async (s, o) => {
      const batches = materialize(s.batches) as unknown[];
      const make = () => {
        switch (s.kind) {
          case 'sync': return batches.values();
          case 'async': return (async function* () { yield* batches; })();
          case 'nonIterable': return 5;
          case 'throws': throw new Hostile('source');
          case 'throwsMidway': return (function* () { yield batches[0]; throw new Hostile('midway'); })();
          case 'string': return 'batches';
          default: return undefined;
        }
      };
      const result = await settle('toMemory', () => new StreamingDataset((s.kind === 'notAFunction' ? batches : make) as never, materialize(o) as never).toMemory());
      tally[result.ok ? 'ok' : 'failed']++;
      if (result.ok) {
        expect(result.value.rows).toBeGreaterThan(0);
        expect(result.value.x.data.length).toBe(result.value.rows * result.value.features);
      }
      return true;
    }), { numRuns: 200 });
    expect(Math.min(tally.ok, tally.failed)).toBeGreaterThan(5);
  });

  it('regression: toMemory of a stream that yields null, or whose source returns a non-iterable, throws a FastpropError (both threw TypeErrors)', async () => {
    await expect(new StreamingDataset(function* () { yield null as never; }).toMemory()).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    await expect(new StreamingDataset(() => 5 as never).toMemory()).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
  });
});

describe('fuzzing Normalizer', () => {
  const method = fc.oneof({ weight: 6, arbitrary: fc.constantFrom('minMax', 'standardize') }, { weight: 1, arbitrary: fc.oneof(fc.constant('minmax'), wrongType) });
  const numbers = (n: number) => fc.oneof(
    { weight: 4, arbitrary: fc.array(fc.double({ min: 0.1, max: 4, noNaN: true }), { minLength: n, maxLength: n }) },
    { weight: 1, arbitrary: fc.record({ n: fc.constantFrom(n, n + 1, 0), kind: arrayKind, values: fc.array(element, { minLength: 1, maxLength: 3 }) }).map(({ n: m, kind, values }) => lazyFlat(kind, m, values)) },
    { weight: 1, arbitrary: fc.oneof(wrongType, fc.constantFrom(3, '123', { length: 2 }, { length: 2 ** 40 })) },
  );

  it('the constructor takes equal-length finite shift and non-zero scale, or throws a FastpropError', () => {
    const tally = { ok: 0, failed: 0 };
    fc.assert(fc.property(method, fc.integer({ min: 1, max: 4 }).chain((n) => fc.tuple(numbers(n), numbers(n))), (m, [shift, scale]) => {
      const result = settleSync('new Normalizer', () => new Normalizer(materialize(m) as never, materialize(shift) as never, materialize(scale) as never));
      tally[result.ok ? 'ok' : 'failed']++;
      if (result.ok) {
        const n = result.value;
        expect(n.features).toBeGreaterThan(0);
        expect(n.scale.length).toBe(n.features);
        expect([...n.shift, ...n.scale].every(Number.isFinite) && n.scale.every((v) => v !== 0)).toBe(true);
      }
      return true;
    }), { numRuns: 200 });
    expect(Math.min(tally.ok, tally.failed)).toBeGreaterThan(5);
  });

  it("regression: the constructor refuses a BigInt64Array shift or scale, or a symbol in one (each threw a TypeError)", () => {
    expect(() => new Normalizer('minMax', [0, 0], new BigInt64Array(2) as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
    // An element that is a symbol threw 'Cannot convert a Symbol value to a number'.
    expect(() => new Normalizer('minMax', [0, 0], [1, Symbol('s')] as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
  });

  it('fit gives finite statistics for valid data, or throws a FastpropError', () => {
    const tally = { ok: 0, failed: 0 };
    fc.assert(fc.property(fc.oneof(goodX, matrix(rows, cols), dataset, wrongType), method, (x, m) => {
      const result = settleSync('Normalizer.fit', () => Normalizer.fit(materialize(x) as never, materialize(m) as never));
      tally[result.ok ? 'ok' : 'failed']++;
      if (result.ok) expect([...result.value.shift, ...result.value.scale].every(Number.isFinite)).toBe(true);
      return true;
    }), { numRuns: 200 });
    expect(Math.min(tally.ok, tally.failed)).toBeGreaterThan(5);
  });

  it('fitDataset reads a dataset or stream once, or throws a FastpropError', async () => {
    const tally = { ok: 0, failed: 0 };
    const streams = fc.array(fc.oneof(
      { weight: 4, arbitrary: fc.record({ x: goodX, y: fc.constant([0]) }) },
      { weight: 1, arbitrary: fc.constantFrom<unknown>(null, 3, {}, { y: 1 }) },
    ), { maxLength: 3 }).map((batches) => ({ stream: batches }));
    await fc.assert(fc.asyncProperty(fc.oneof(dataset, streams, wrongType), method, async (d, m) => {
      const given = materialize(d);
      const value = isPlainObject(given) && 'stream' in given
        ? new StreamingDataset(() => ((given as { stream: unknown[] }).stream as never[]).values())
        : given;
      const result = await settle('Normalizer.fitDataset', () => Normalizer.fitDataset(value as never, materialize(m) as never));
      tally[result.ok ? 'ok' : 'failed']++;
      if (result.ok) expect([...result.value.shift, ...result.value.scale].every(Number.isFinite)).toBe(true);
      return true;
    }), { numRuns: 150 });
    expect(Math.min(tally.ok, tally.failed)).toBeGreaterThan(5);
  });

  it('apply returns rows × features finite values, or throws a FastpropError', () => {
    const tally = { ok: 0, failed: 0 };
    const normalizer = new Normalizer('standardize', [1, -2, 0.5], [2, 0.5, 1e-30]);
    const args = fc.oneof(
      { weight: 4, arbitrary: fc.integer({ min: 0, max: 4 }).chain((r) => fc.tuple(fc.array(goodElement, { minLength: 3 * r, maxLength: 3 * r }).map((v) => Float32Array.from(v)), fc.constant<unknown>(r), fc.constant<unknown>(3))) },
      { weight: 2, arbitrary: fc.tuple(fc.record({ n: fc.integer({ min: 0, max: 12 }), kind: arrayKind, values: fc.array(element, { minLength: 1, maxLength: 4 }) }).map(({ n, kind, values }) => lazyFlat(kind, n, values)), fc.oneof(rows, anyValue), fc.oneof(fc.constant(3), cols, anyValue)) },
      { weight: 1, arbitrary: fc.tuple(anyValue, anyValue, anyValue) },
    );
    fc.assert(fc.property(args, ([data, r, c]) => {
      const result = settleSync('apply', () => normalizer.apply(materialize(data) as never, r as never, c as never));
      tally[result.ok ? 'ok' : 'failed']++;
      if (result.ok) {
        expect(result.value).toBeInstanceOf(Float32Array);
        expect(result.value.length).toBe((r as number) * 3 + 0); // + 0: rows may be -0
        expect(result.value.every(Number.isFinite)).toBe(true);
      }
      return true;
    }), { numRuns: 300 });
    expect(Math.min(tally.ok, tally.failed)).toBeGreaterThan(5);
  });

  it('regression: apply refuses a buffer shorter than rows × features, and absurd sizes (it read past the end as NaN, or threw RangeError)', () => {
    const n = new Normalizer('minMax', [0, 0], [1, 1]);
    expect(() => n.apply(new Float32Array(2), 2, 2)).toThrow(expect.objectContaining({ code: 'ERR_SHAPE_MISMATCH' }));
    expect(() => n.apply(new Float32Array(2), 2 ** 40, 2)).toThrow(expect.objectContaining({ code: 'ERR_SHAPE_MISMATCH' }));
    expect(() => n.apply([1, 2] as never, 1, 2)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
  });

  it('toJSON round-trips through the constructor', () => {
    fc.assert(fc.property(goodX, fc.constantFrom('minMax', 'standardize') as fc.Arbitrary<'minMax' | 'standardize'>, (x, m) => {
      const n = Normalizer.fit(x as never, m);
      const { method: again, shift, scale } = n.toJSON();
      const copy = new Normalizer(again, shift, scale);
      expect([copy.shift, copy.scale]).toEqual([n.shift, n.scale]);
      return true;
    }), { numRuns: 100 });
  });
});
