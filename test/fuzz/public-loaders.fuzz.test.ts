// SPDX-License-Identifier: MIT
// Property-based fuzzing of the public API, part 5 of 6: loadCsv/csvDataset,
// loadJsonl/jsonlDataset and loadIdx/idxDataset/readIdxHeader — hostile options and paths, and
// small files, good and bad, that exercise them (IDX headers claiming absurd sizes, plain and
// gzipped). Byte-level, coverage-guided fuzzing of the same parsers is scripts/fuzz.sh's job.
// Every call resolves with a consistent dataset or rejects with a FastpropError.
//
// Properties: 3; generated cases: 300 (CSV) + 300 (JSON Lines) + 300 (IDX) = 900.
//
// The public-API fuzz suite is six files, 41 properties and 12,810 generated cases in all
// (test/fuzz/public-*.fuzz.test.ts; the raw binding is test/fuzz/binding.fuzz.test.ts):
//   public-model 2,850 · public-fit 2,000 · public-data 1,750 · public-io 850 · public-loaders 900 · public-misc 4,460.
// A property that can end either way (a result, an error) also asserts that both occurred, so
// none passes vacuously; each finding is pinned by a plain regression test next to its property.
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { csvDataset, idxDataset, jsonlDataset, loadCsv, loadIdx, loadJsonl, readIdxHeader, type InMemoryDataset } from '../../src/index.ts';
import { idxBytes, tempDir } from '../helpers/files.ts';
import { materialize, options, settle, withFault, wrongNonString } from './arbitraries.ts';
import { badValue } from './models.ts';

const files = tempDir('fastprop-fuzz-loaders-');
let n = 0;
const write = (name: string, content: string | Uint8Array) => files.write(`${n++}-${name}`, content);

/** Paths that are not a readable file of the right kind, or not a path. */
const badPath = fc.oneof(fc.constantFrom(files.path('missing.csv'), files.dir, '', files.path('nul\0byte')), wrongNonString);
const sizes = { batchSize: fc.constantFrom(1, 2, 1024, 2 ** 31), skipBadRows: fc.boolean(), shuffleBuffer: fc.constantFrom(0, 5, 2 ** 31) };

/** What every loaded dataset must be: rows × features finite inputs and one target per row. */
function consistent(d: InMemoryDataset): void {
  expect(d.rows).toBeGreaterThan(0);
  expect(d.x.data.length).toBe(d.rows * d.features);
  expect(d.x.data.every(Number.isFinite)).toBe(true);
  const y = d.y;
  expect(ArrayBuffer.isView(y) ? y.length : y.shape[0]).toBe(d.rows);
  expect((ArrayBuffer.isView(y) ? y : y.data).every(Number.isFinite)).toBe(true);
}

/** Loads whole and streamed (read into memory): both must end acceptably, and agree when both succeed. */
async function both(label: string, load: () => Promise<InMemoryDataset>, stream: () => Promise<InMemoryDataset>, tally: { ok: number; failed: number }): Promise<void> {
  const whole = await settle(label, load, 10_000);
  const streamed = await settle(`${label} (streamed)`, stream, 10_000);
  tally[whole.ok ? 'ok' : 'failed']++;
  if (whole.ok) consistent(whole.value);
  if (streamed.ok) consistent(streamed.value);
  if (whole.ok && streamed.ok) expect(Array.from(streamed.value.x.data)).toEqual(Array.from(whole.value.x.data));
}

describe('fuzzing the loaders', () => {
  it('loadCsv and csvDataset load a consistent dataset or reject with a FastpropError', async () => {
    const tally = { ok: 0, failed: 0 };
    const BAD_FIELDS = ['', ' ', 'NaN', 'Infinity', '0x10', '1e999', '"unclosed', '1e39', 'cat'];
    /** A well-formed file and the options that read it, then (often) one fault in the file or the options. */
    const csvCase = fc.record({
      width: fc.integer({ min: 2, max: 4 }), rows: fc.integer({ min: 1, max: 5 }), header: fc.boolean(), categorical: fc.boolean(),
      byIndex: fc.boolean(), delimiter: fc.constantFrom(',', ';'), eol: fc.constantFrom('\n', '\r\n'), seed: fc.nat(1000),
      damage: fc.option(fc.record({ row: fc.nat(), col: fc.nat(), field: fc.constantFrom(...BAD_FIELDS), short: fc.boolean() }), { freq: 3 }),
    }).chain((c) => {
      const label = c.width - 1;
      const cell = (r: number, col: number) => (col === label && c.categorical ? ['cat', 'dog'][(r + c.seed) % 2]! : String(((r * 7 + col * 3 + c.seed) % 19) / 4 - 2));
      const lines = Array.from({ length: c.rows }, (_, r) => Array.from({ length: c.width }, (_, col) => cell(r, col)));
      if (c.damage) {
        const row = lines[c.damage.row % c.rows]!;
        if (c.damage.short) row.pop();
        else row[c.damage.col % c.width] = c.damage.field;
      }
      const names = Array.from({ length: c.width }, (_, i) => (i === label ? 'y' : `f${i}`));
      const text = [...(c.header ? [names] : []), ...lines].map((l) => l.join(c.delimiter)).join(c.eol);
      const valid = fc.record({
        labels: fc.constant<unknown>(c.byIndex || !c.header ? label : 'y'), header: fc.constant(c.header), delimiter: fc.constant(c.delimiter),
        categorical: fc.constant(c.categorical), ...sizes,
        ...(c.categorical ? { labelEncoding: fc.constantFrom('index', 'oneHot'), classes: fc.constantFrom(['cat', 'dog'], ['dog', 'cat', 'eel']) } : {}),
      }, { requiredKeys: ['labels', 'header', 'delimiter', 'categorical'] });
      const keys = ['labels', 'features', 'header', 'delimiter', 'quote', 'categorical', 'classes', 'labelEncoding', 'batchSize', 'skipBadRows', 'shuffleBuffer'];
      return fc.record({ text: fc.constant(text), o: withFault(valid, keys, { hostile: fc.oneof(badValue, fc.constantFrom('y', 'nope', -1, 9, ['y', 'y'], ['cat', 'cat'], '', ',,', "'")) }) });
    });
    const cases = fc.oneof({ weight: 8, arbitrary: csvCase }, { weight: 1, arbitrary: fc.record({ text: badPath, o: fc.constant<unknown>({ labels: 0 }) }) });
    await fc.assert(fc.asyncProperty(cases, async ({ text, o }) => {
      const path = typeof text === 'string' ? write('data.csv', text) : materialize(text);
      const given = materialize(o);
      await both('loadCsv', () => loadCsv(path as never, given as never), async () => (await csvDataset(path as never, given as never)).toMemory(), tally);
      return true;
    }), { numRuns: 300 });
    expect(Math.min(tally.ok, tally.failed)).toBeGreaterThan(5); // not vacuous: both endings happen
  });

  it('regression: loadCsv and loadIdx without options reject with ERR_INVALID_ARGUMENT (they threw TypeErrors)', async () => {
    const csv = write('regression.csv', 'a,y\n1,2\n');
    await expect(loadCsv(csv, undefined as never)).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    await expect(csvDataset(csv, undefined as never)).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    await expect(loadIdx(undefined as never)).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    expect(() => idxDataset(undefined as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
  });

  it("regression: CSV 'features' that is not an array is refused (a string threw 'options.features.map is not a function')", async () => {
    const csv = write('features.csv', 'a,y\n1,2\n');
    await expect(loadCsv(csv, { labels: 'y', features: 'a' as never })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
  });

  it('regression: a batchSize of 2^31 reads a small file (the CSV and JSON Lines readers allocated 2^31 rows up front: RangeError: Invalid typed array length)', async () => {
    const csv = write('big-batch.csv', 'a,b,c,y\n1,2,3,4\n5,6,7,8\n');
    expect((await loadCsv(csv, { labels: 'y', batchSize: 2 ** 31 })).rows).toBe(2);
    const jsonl = write('big-batch.jsonl', '{"x":[1,2,3],"y":1}\n{"x":[4,5,6],"y":0}\n');
    expect((await loadJsonl(jsonl, { batchSize: 2 ** 31 })).rows).toBe(2);
  });

  it('loadJsonl and jsonlDataset load a consistent dataset or reject with a FastpropError', async () => {
    const tally = { ok: 0, failed: 0 };
    const value = fc.oneof({ weight: 10, arbitrary: fc.double({ min: -100, max: 100, noNaN: true }) }, { weight: 1, arbitrary: fc.constantFrom<unknown>('1', null, true, 1e39, [], {}) });
    const line = fc.oneof(
      { weight: 10, arbitrary: fc.record({ x: fc.array(value, { minLength: 2, maxLength: 2 }), y: fc.oneof(value, fc.array(value, { minLength: 1, maxLength: 2 })) }).map((r) => JSON.stringify(r)) },
      { weight: 1, arbitrary: fc.constantFrom('', '   ', '{', 'null', '[]', '{"x":[]}', '{"x":[1,2]}', '{"y":1}', '{"x":[1,2],"y":[]}', '{"x":[1,2,3],"y":1}', '{"x":[1e999,1],"y":1}', '{"x":"12","y":1}') },
    );
    const jsonl = fc.record({ lines: fc.array(line, { maxLength: 6 }), eol: fc.constantFrom('\n', '\r\n') }).map(({ lines, eol }) => lines.join(eol));
    await fc.assert(fc.asyncProperty(fc.oneof({ weight: 6, arbitrary: jsonl }, { weight: 1, arbitrary: badPath }), fc.oneof(fc.constant(undefined), options(sizes, { hostile: badValue })), async (content, o) => {
      const path = typeof content === 'string' ? write('data.jsonl', content) : materialize(content);
      const given = materialize(o);
      await both('loadJsonl', () => loadJsonl(path as never, given as never), () => jsonlDataset(path as never, given as never).toMemory(), tally);
      return true;
    }), { numRuns: 300 });
    expect(Math.min(tally.ok, tally.failed)).toBeGreaterThan(5);
  });

  it('loadIdx, idxDataset and readIdxHeader read a consistent dataset or reject with a FastpropError, whatever the headers claim', async () => {
    const tally = { ok: 0, failed: 0 };
    const dim = fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 0, max: 4 }) }, { weight: 1, arbitrary: fc.constantFrom(2 ** 16, 2 ** 31, 2 ** 32 - 1) });
    /** An IDX file: its header (type, dims) and data that fits it, or is one short, or too long; plain or gzipped. */
    const idx = (dims: fc.Arbitrary<number[]>, types: readonly number[]) => fc.record({
      type: fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...types) }, { weight: 1, arbitrary: fc.constantFrom(0x00, 0x07, 0xff, 0x0d) }),
      dims, fit: fc.constantFrom('exact', 'exact', 'exact', 'short', 'long'), gzip: fc.boolean(), seed: fc.nat(255),
    }).map(({ type, dims: d, fit, gzip, seed }) => {
      const size = ({ 8: 1, 9: 1, 11: 2, 12: 4, 13: 4, 14: 8 } as Record<number, number>)[type] ?? 1;
      const wanted = d.reduce((a, b) => a * b, 1) * size;
      const length = Math.min(4096, Math.max(0, wanted + (fit === 'short' ? -1 : fit === 'long' ? 3 : 0)));
      const bytes = idxBytes(type, d, Uint8Array.from({ length }, (_, i) => (seed + i * 7) % 10));
      return gzip ? gzipSync(bytes) : bytes;
    });
    const pair = fc.integer({ min: 1, max: 4 }).chain((records) => fc.record({
      images: idx(fc.oneof({ weight: 4, arbitrary: fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 2 }).map((rest) => [records, ...rest]) }, { weight: 1, arbitrary: fc.array(dim, { maxLength: 3 }) }), [0x08, 0x08, 0x09, 0x0b, 0x0c, 0x0d, 0x0e]),
      labels: idx(fc.oneof({ weight: 4, arbitrary: fc.constant<number[]>([records]) }, { weight: 1, arbitrary: fc.array(dim, { maxLength: 2 }) }), [0x08, 0x08, 0x08, 0x09, 0x0b, 0x0c]),
    }));
    const idxOptions = (images: unknown, labels: unknown) => options({
      images: fc.constant(images), labels: fc.constant(labels), scale: fc.constantFrom(1, 1 / 255, -1, 1e39), batchSize: fc.constantFrom(1, 2, 1024, 2 ** 31), shuffleBuffer: fc.constantFrom(0, 3, 2 ** 31),
    }, { required: ['images', 'labels'], hostile: badValue });
    const cases = fc.oneof({ weight: 6, arbitrary: pair.map((p) => ({ images: write('images.idx', p.images), labels: write('labels.idx', p.labels) })) }, { weight: 1, arbitrary: fc.record({ images: badPath, labels: badPath }) })
      .chain(({ images, labels }) => fc.record({ images: fc.constant(images), o: idxOptions(images, labels) }));
    await fc.assert(fc.asyncProperty(cases, async ({ images, o }) => {
      const given = materialize(o);
      const header = await settle('readIdxHeader', () => readIdxHeader(materialize(images) as never));
      if (header.ok) expect(header.value.dims.every((d) => Number.isSafeInteger(d) && d >= 0)).toBe(true);
      await both('loadIdx', () => loadIdx(given as never), () => idxDataset(given as never).toMemory(), tally);
      return true;
    }), { numRuns: 300 });
    expect(Math.min(tally.ok, tally.failed)).toBeGreaterThan(5);
  });
});
