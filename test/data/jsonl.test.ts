// SPDX-License-Identifier: MIT
// JSON Lines: records { "x": [...], "y": ... }, streamed; one test per kind of bad line.
import { describe, expect, it } from 'vitest';
import { jsonlDataset, loadJsonl } from '../../src/data/jsonl.ts';
import { BadDataError } from '../../src/errors.ts';
import { tempDir } from '../helpers/files.ts';

const files = tempDir('fastprop-jsonl-');

async function badLine(text: string, options = {}): Promise<{ path: string; error: BadDataError }> {
  const path = files.write('bad.jsonl', text);
  const error = await loadJsonl(path, options).then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(BadDataError);
  return { path, error: error as BadDataError };
}

describe('JSON Lines', () => {
  it('reads scalar labels as one value per row, skipping blank lines', async () => {
    const path = files.write('scalar.jsonl', '{"x":[1,2],"y":1}\n\n{"x":[3,4.5],"y":0}\n');
    const data = await loadJsonl(path);
    expect(data.x).toEqual({ data: Float32Array.from([1, 2, 3, 4.5]), shape: [2, 2] });
    expect(Array.from(data.y as Float32Array)).toEqual([1, 0]);
  });

  it('reads array targets as a matrix, streamed in batches', async () => {
    const path = files.write('vector.jsonl', Array.from({ length: 5 }, (_, i) => JSON.stringify({ x: [i], y: [i, -i - 1] })).join('\n'));
    const sizes: number[] = [];
    for await (const batch of jsonlDataset(path, { batchSize: 2 }).batches()) sizes.push((batch.x as unknown as { shape: number[] }).shape[0]!);
    expect(sizes).toEqual([2, 2, 1]);
    expect((await loadJsonl(path)).y).toEqual({ data: Float32Array.from([0, -1, 1, -2, 2, -3, 3, -4, 4, -5]), shape: [5, 2] });
  });

  it('invalid JSON', async () => {
    const { path, error } = await badLine('{"x":[1],"y":1}\n{"x":[1],"y":\n');
    expect(error.message).toMatch(new RegExp(`^${path}, line 2: not valid JSON`));
    expect(error.line).toBe(2);
  });

  it('a missing label', async () => {
    const { path, error } = await badLine('{"x":[1],"y":1}\n{"x":[2]}\n');
    expect(error.message).toBe(`${path}, line 2: missing label "y"`);
  });

  it('x of the wrong width', async () => {
    const { path, error } = await badLine('{"x":[1,2],"y":1}\n{"x":[2],"y":0}\n');
    expect(error.message).toBe(`${path}, line 2: expected x with 2 values (as the first record), got 1`);
  });

  it('a non-numeric value (no coercion of strings or null)', async () => {
    const { path, error } = await badLine('{"x":[1,"2"],"y":1}\n');
    expect(error.message).toBe(`${path}, line 1: x[1] is "2": expected a finite number`);
    const second = await badLine('{"x":[1],"y":[0,null]}\n');
    expect(second.error.message).toBe(`${second.path}, line 1: y[1] is null: expected a finite number`);
  });

  it('a label of another kind than the first record', async () => {
    const { path, error } = await badLine('{"x":[1],"y":1}\n{"x":[1],"y":[1]}\n');
    expect(error.message).toBe(`${path}, line 2: y is an array, but the first record has a number`);
  });

  it('skipBadRows skips bad lines and reports how many', async () => {
    const path = files.write('skip.jsonl', '{"x":[1],"y":1}\nnot json\n{"x":[2,3],"y":1}\n{"x":[4],"y":0}\n');
    const data = await loadJsonl(path, { skipBadRows: true });
    expect(Array.from(data.x.data)).toEqual([1, 4]);
    expect(data.skippedRows).toBe(2);
  });
});
