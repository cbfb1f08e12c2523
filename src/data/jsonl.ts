// SPDX-License-Identifier: MIT
/**
 * JSON Lines files: one record `{ "x": [numbers], "y": number | [numbers] }` per line, streamed.
 * The first record fixes the width of x and the kind of y (a number, or an array of a given
 * length); a record that differs, is not valid JSON, or holds a non-finite or non-number value is
 * bad data, reported with the file and line. Blank lines are ignored.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { BadDataError, FastpropError } from '../errors.ts';
import { InMemoryDataset, StreamingDataset, type Batch } from './dataset.ts';
import { assertPath, BadRows, BatchRows, ioError, loaderOptions, type LoaderOptions } from './files.ts';

/** Options of {@link jsonlDataset} and {@link loadJsonl}. */
export type JsonlOptions = LoaderOptions;

/** A streamed JSON Lines file; see {@link jsonlDataset}. */
export class JsonlDataset extends StreamingDataset {
  readonly #state: { skipped: number };

  /** @internal Use {@link jsonlDataset}. */
  constructor(path: string, batchSize: number, skipBadRows: boolean, shuffleBuffer = 0) {
    const state = { skipped: 0 };
    super(() => readBatches(path, batchSize, skipBadRows, state), { shuffleBuffer });
    this.#state = state;
  }

  /** Bad lines skipped by the latest complete pass (with `skipBadRows`). */
  get skippedRows(): number {
    return this.#state.skipped;
  }
}

/**
 * Opens a JSON Lines file as a stream of batches (read again for every epoch).
 * @example
 * ```ts
 * // data.jsonl: {"x": [0.1, 0.2], "y": 1}
 * await model.fit(jsonlDataset('data.jsonl', { batchSize: 64 }), { epochs: 10 });
 * ```
 * @throws {@link FastpropError} when a pass runs: `ERR_IO` if the file cannot be read,
 * `ERR_BAD_DATA` ({@link BadDataError}) for a bad line.
 */
export function jsonlDataset(path: string, options: JsonlOptions = {}): JsonlDataset {
  assertPath(path);
  const { batchSize, skipBadRows, shuffleBuffer } = loaderOptions(options as JsonlOptions & Record<string, unknown>, [], 'JSON Lines options');
  return new JsonlDataset(path, batchSize, skipBadRows, shuffleBuffer);
}

/**
 * Reads a whole JSON Lines file into memory.
 * @throws as {@link jsonlDataset}, and `ERR_EMPTY_DATASET` for a file with no records.
 */
export async function loadJsonl(path: string, options: JsonlOptions = {}): Promise<InMemoryDataset> {
  const stream = jsonlDataset(path, options);
  const all = await stream.toMemory().catch((error: unknown) => {
    if (error instanceof FastpropError && error.code === 'ERR_EMPTY_DATASET') {
      throw new FastpropError('ERR_EMPTY_DATASET', `${path} holds no records`);
    }
    throw error;
  });
  return new InMemoryDataset(all.x, all.y, { skippedRows: stream.skippedRows });
}

/** The shape the first record fixed: x width, and y as a scalar (-1) or an array length. */
interface Layout {
  readonly features: number;
  readonly outputs: number;
}

function parseRecord(text: string, layout: Layout | undefined): { x: number[]; y: number[]; scalar: boolean } | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    return `not valid JSON (${(cause as Error).message})`;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'expected an object { "x": [...], "y": ... }';
  const record = value as Record<string, unknown>;
  if (!('x' in record)) return 'missing "x"';
  if (!('y' in record) || record.y === null) return 'missing label "y"';
  const { x, y } = record;
  if (!Array.isArray(x) || x.length === 0) return '"x" must be a non-empty array of numbers';
  const badX = x.findIndex((v) => typeof v !== 'number' || !Number.isFinite(Math.fround(v)));
  if (badX >= 0) return `x[${badX}] is ${JSON.stringify(x[badX])}: expected a finite number`;
  if (layout && x.length !== layout.features) return `expected x with ${layout.features} values (as the first record), got ${x.length}`;
  const scalar = !Array.isArray(y);
  const ys = scalar ? [y] : (y as unknown[]);
  const badY = ys.findIndex((v) => typeof v !== 'number' || !Number.isFinite(Math.fround(v)));
  if (ys.length === 0) return '"y" is an empty array';
  if (badY >= 0) return `${scalar ? 'y' : `y[${badY}]`} is ${JSON.stringify(ys[badY])}: expected a finite number`;
  if (layout) {
    if (scalar !== (layout.outputs < 0)) return layout.outputs < 0 ? 'y is an array, but the first record has a number' : 'y is a number, but the first record has an array';
    if (!scalar && ys.length !== layout.outputs) return `expected y with ${layout.outputs} values (as the first record), got ${ys.length}`;
  }
  return { x: x as number[], y: ys as number[], scalar };
}

async function* readBatches(path: string, batchSize: number, skipBadRows: boolean, state: { skipped: number }): AsyncGenerator<Batch> {
  const input = createReadStream(path);
  try {
    await new Promise<void>((resolve, reject) => {
      input.once('open', () => resolve());
      input.once('error', reject);
    });
  } catch (cause) {
    throw ioError(path, 'read', cause);
  }
  const bad = new BadRows(skipBadRows);
  let layout: Layout | undefined;
  let batch: BatchRows | undefined;
  const flush = (): Batch => {
    const { features, outputs } = layout!;
    const { x, y, rows: n } = batch!.take();
    return { x: { data: x, shape: [n, features] }, y: outputs < 0 ? y : { data: y, shape: [n, outputs] } };
  };
  let line = 0;
  try {
    for await (const text of createInterface({ input, crlfDelay: Infinity })) {
      line++;
      if (text.trim() === '') continue;
      const parsed = parseRecord(text, layout);
      if (typeof parsed === 'string') {
        bad.handle(new BadDataError(path, { line }, parsed));
        continue;
      }
      if (!layout) {
        layout = { features: parsed.x.length, outputs: parsed.scalar ? -1 : parsed.y.length };
        batch = new BatchRows(batchSize, layout.features, Math.abs(layout.outputs));
      }
      const n = batch!.reserve();
      batch!.x.set(parsed.x, n * layout.features);
      batch!.y.set(parsed.y, n * Math.abs(layout.outputs));
      if (batch!.added()) yield flush();
    }
  } catch (cause) {
    if (cause instanceof FastpropError) throw cause;
    throw ioError(path, 'read', cause);
  } finally {
    input.destroy();
  }
  if (batch && batch.rows > 0) yield flush();
  state.skipped = bad.count;
}
