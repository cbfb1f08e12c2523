// SPDX-License-Identifier: MIT
/**
 * Datasets that `fit` consumes: an {@link InMemoryDataset} (every row in one flat buffer) or a
 * {@link StreamingDataset} (an async iterable of batches, read again for every epoch, so data
 * larger than memory can train).
 */
import { FastpropError } from '../errors.ts';
import { Random } from '../random.ts';
import { toMatrix, type InputData, type MatrixInput, type TargetData } from '../tensor.ts';
import { assertBoolean, assertFiniteNumber, assertOptions, assertPositiveInteger, invalidParameter, outOfRange } from '../validate.ts';

/** One batch of a stream: inputs and their targets, in any form `fit(x, y)` takes. */
export interface Batch {
  readonly x: InputData;
  readonly y: TargetData;
}

/** A flat row-major matrix with its shape, as the in-memory dataset keeps it. */
export type FlatMatrix = MatrixInput & { readonly data: Float32Array };

/**
 * Targets as an in-memory dataset keeps them: a [rows × outputs] matrix, or one value per row
 * (class indices as an Int32Array, or numbers as a Float32Array).
 */
export type DatasetTargets = FlatMatrix | Int32Array | Float32Array;

/** What a loader noticed while reading: how many bad rows `skipBadRows` skipped. */
export interface LoadReport {
  /** Rows skipped because of bad data (only with `skipBadRows: true`; otherwise the load throws). */
  readonly skippedRows: number;
}

function rowsOf(y: DatasetTargets): number {
  return ArrayBuffer.isView(y) ? y.length : y.shape[0];
}

function toTargets(y: TargetData, name: string): DatasetTargets {
  if (y instanceof Int32Array) return y;
  if (y instanceof Float32Array) return finite(y, name);
  if (y instanceof Uint32Array) {
    // Int32Array.from would wrap these to negative indices. (Loops, not findIndex: that throws on a detached buffer.)
    for (let i = 0; i < y.length; i++) if (y[i]! > 0x7fffffff) throw outOfRange(`${name}[${i}]`, 'a class index below 2^31', y[i]);
  }
  if (y instanceof Uint8Array || y instanceof Uint16Array || y instanceof Uint32Array) return Int32Array.from(y);
  if (Array.isArray(y) && y.length > 0 && !Array.isArray(y[0])) {
    const values = y as readonly unknown[];
    for (let i = 0; i < values.length; i++) {
      if (typeof values[i] !== 'number') throw invalidParameter(`${name}[${i}]`, 'a number (one per row)', values[i]); // holes too
    }
    return finite(Float32Array.from(values as number[]), name);
  }
  const m = toMatrix(y, name);
  return { data: m.data, shape: [m.rows, m.cols] };
}

/** One target per row must be finite, as matrix targets are (toMatrix checks those). */
function finite(values: Float32Array, name: string): Float32Array {
  for (let r = 0; r < values.length; r++) {
    if (!Number.isFinite(values[r]!)) throw new FastpropError('ERR_NON_FINITE', `${name} contains ${values[r]} at row ${r}: every value must be a finite number`);
  }
  return values;
}

/**
 * A dataset held in memory: inputs [rows × features] and one target per row.
 *
 * @example
 * ```ts
 * const data = new InMemoryDataset([[0, 0], [0, 1], [1, 0], [1, 1]], [0, 1, 1, 0]);
 * const { train, test } = data.split({ test: 0.25, seed: 1 });
 * await model.fit(train, { epochs: 100 });
 * ```
 * @throws {@link FastpropError} `ERR_SHAPE_MISMATCH` when x and y disagree on the number of rows.
 */
export class InMemoryDataset {
  /** Inputs, [rows × features], row-major. */
  readonly x: FlatMatrix;
  /** Targets: a matrix, or one value (class index or number) per row. */
  readonly y: DatasetTargets;
  /** For categorical labels read from a file: the class names, in class-index order. */
  readonly classes: readonly string[] | undefined;
  /** Rows a loader skipped because of bad data (`skipBadRows`); 0 otherwise. */
  readonly skippedRows: number;

  constructor(x: InputData, y: TargetData, info: { classes?: readonly string[]; skippedRows?: number } = {}) {
    assertOptions(info, ['classes', 'skippedRows'], 'dataset info');
    const { classes, skippedRows = 0 } = info;
    if (classes !== undefined && (!Array.isArray(classes) || !classes.every((c) => typeof c === 'string'))) {
      throw invalidParameter('classes', 'an array of class names', classes);
    }
    if (!Number.isSafeInteger(skippedRows) || skippedRows < 0) throw invalidParameter('skippedRows', 'a non-negative integer', skippedRows);
    const m = toMatrix(x, 'x');
    this.x = { data: m.data, shape: [m.rows, m.cols] };
    this.y = toTargets(y, 'y');
    if (rowsOf(this.y) !== m.rows) {
      throw new FastpropError('ERR_SHAPE_MISMATCH', `Expected y with ${m.rows} rows (one per row of x), got ${rowsOf(this.y)}`);
    }
    this.classes = classes;
    this.skippedRows = skippedRows;
  }

  /** Number of rows. */
  get rows(): number {
    return this.x.shape[0];
  }

  /** Number of input features (columns of x). */
  get features(): number {
    return this.x.shape[1];
  }

  /**
   * A new dataset holding the given rows, in that order (copied).
   * @throws {@link FastpropError} `ERR_OUT_OF_RANGE` for an index that is not a row of this dataset.
   */
  select(rows: ArrayLike<number>): InMemoryDataset {
    const numeric = ArrayBuffer.isView(rows) && !(rows instanceof DataView || rows instanceof BigInt64Array || rows instanceof BigUint64Array);
    if (!Array.isArray(rows) && !numeric) throw invalidParameter('rows', 'an array of row indices', rows);
    for (let r = 0; r < rows.length; r++) {
      const index: unknown = rows[r];
      if (typeof index !== 'number') throw invalidParameter(`rows[${r}]`, 'a row index', index);
      if (!Number.isInteger(index) || index < 0 || index >= this.rows) throw outOfRange(`rows[${r}]`, `a row index from 0 to ${this.rows - 1}`, index);
    }
    const cols = this.features;
    const x = new Float32Array(rows.length * cols);
    for (let r = 0; r < rows.length; r++) x.set(this.x.data.subarray(rows[r]! * cols, (rows[r]! + 1) * cols), r * cols);
    let y: DatasetTargets;
    if (ArrayBuffer.isView(this.y)) {
      const source = this.y;
      const out = new (source.constructor as Int32ArrayConstructor | Float32ArrayConstructor)(rows.length);
      for (let r = 0; r < rows.length; r++) out[r] = source[rows[r]!]!;
      y = out;
    } else {
      const outputs = this.y.shape[1];
      const out = new Float32Array(rows.length * outputs);
      for (let r = 0; r < rows.length; r++) out.set(this.y.data.subarray(rows[r]! * outputs, (rows[r]! + 1) * outputs), r * outputs);
      y = { data: out, shape: [rows.length, outputs] };
    }
    return new InMemoryDataset({ data: x, shape: [rows.length, cols] }, y, this.#info());
  }

  /** The rows in a seeded random order (a new dataset). */
  shuffle(seed: number): InMemoryDataset {
    assertFiniteNumber(seed, 'seed');
    return this.select(new Random(seed).permutation(this.rows));
  }

  /**
   * Splits the rows into train, validation and test sets: shuffled with `seed` (unless
   * `shuffle: false`), then the first rows go to test, the next to validation, the rest to train.
   * @example
   * ```ts
   * const { train, validation, test } = data.split({ validation: 0.1, test: 0.1, seed: 42 });
   * ```
   */
  split(options: SplitOptions = {}): { train: InMemoryDataset; validation?: InMemoryDataset; test?: InMemoryDataset } {
    assertOptions(options, ['validation', 'test', 'seed', 'shuffle'], 'split options');
    const { validation = 0, test = 0, seed = 0, shuffle = true } = options;
    assertFiniteNumber(validation, 'validation', 0, 1);
    assertFiniteNumber(test, 'test', 0, 1);
    assertFiniteNumber(seed, 'seed');
    assertBoolean(shuffle, 'shuffle');
    const testRows = Math.round(this.rows * test);
    const validationRows = Math.round(this.rows * validation);
    const trainRows = this.rows - testRows - validationRows;
    if (trainRows <= 0 || (test > 0 && testRows === 0) || (validation > 0 && validationRows === 0)) {
      throw new FastpropError('ERR_EMPTY_DATASET', `Splitting ${this.rows} rows into validation ${validation} and test ${test} leaves an empty split`);
    }
    const order = shuffle ? new Random(seed).permutation(this.rows) : Uint32Array.from({ length: this.rows }, (_, i) => i);
    return {
      train: this.select(order.subarray(testRows + validationRows)),
      ...(validationRows > 0 ? { validation: this.select(order.subarray(testRows, testRows + validationRows)) } : {}),
      ...(testRows > 0 ? { test: this.select(order.subarray(0, testRows)) } : {}),
    };
  }

  /** Consecutive batches of at most `batchSize` rows (views, no copies). */
  *batches(batchSize: number): Generator<Batch & { x: FlatMatrix }> {
    assertPositiveInteger(batchSize, 'batchSize');
    const cols = this.features;
    for (let start = 0; start < this.rows; start += batchSize) {
      const end = Math.min(start + batchSize, this.rows);
      const y: DatasetTargets = ArrayBuffer.isView(this.y)
        ? this.y.subarray(start, end)
        : { data: this.y.data.subarray(start * this.y.shape[1], end * this.y.shape[1]), shape: [end - start, this.y.shape[1]] };
      yield { x: { data: this.x.data.subarray(start * cols, end * cols), shape: [end - start, cols] }, y };
    }
  }

  #info(): { classes?: readonly string[] } {
    return this.classes ? { classes: this.classes } : {};
  }
}

/** Options of {@link InMemoryDataset.split}. */
export interface SplitOptions {
  /** Fraction of the rows for validation. @defaultValue 0 */
  validation?: number;
  /** Fraction of the rows for testing. @defaultValue 0 */
  test?: number;
  /** Seed of the shuffle before splitting. @defaultValue 0 */
  seed?: number;
  /** Shuffle before splitting (false: test, validation and train are consecutive runs of rows). @defaultValue true */
  shuffle?: boolean;
}

/** Options of {@link StreamingDataset}. */
export interface StreamingDatasetOptions {
  /**
   * Rows held in a shuffle buffer while training (0: none). A stream has no global shuffle: with
   * a buffer of N rows, each training batch is drawn at random (from fit's seeded stream) out of
   * the next N rows, as tf.data's `shuffle(N)` does; batches are then re-cut to fit's batchSize.
   * With `shuffle: false` in fit, or 0 here, batches train in the order the stream yields them.
   * @defaultValue 0
   */
  shuffleBuffer?: number;
}

/**
 * A dataset read as a stream of batches: `source()` is called once per epoch and must return a
 * fresh async iterable (for files: open the file again). Each yielded batch trains as a small
 * in-memory dataset, in order, in mini-batches of fit's `batchSize`.
 *
 * @example
 * ```ts
 * const stream = new StreamingDataset(async function* () {
 *   for (const file of shards) yield await readShard(file); // { x, y }
 * });
 * await model.fit(stream, { epochs: 5, batchSize: 64, validationData: [xVal, yVal] });
 * ```
 */
export class StreamingDataset {
  readonly #source: () => AsyncIterable<Batch> | Iterable<Batch>;
  /** Rows in the shuffle buffer (0: none). */
  readonly shuffleBuffer: number;

  constructor(source: () => AsyncIterable<Batch> | Iterable<Batch>, options: StreamingDatasetOptions = {}) {
    if (typeof source !== 'function') throw invalidParameter('source', 'a function returning an async iterable of { x, y } batches', source);
    assertOptions(options, ['shuffleBuffer'], 'StreamingDataset options');
    const { shuffleBuffer = 0 } = options;
    assertFiniteNumber(shuffleBuffer, 'shuffleBuffer', 0);
    if (!Number.isInteger(shuffleBuffer)) throw invalidParameter('shuffleBuffer', 'an integer', shuffleBuffer);
    this.#source = source;
    this.shuffleBuffer = shuffleBuffer;
  }

  /**
   * A fresh pass over the batches.
   * @throws {@link FastpropError} `ERR_INVALID_ARGUMENT` when `source()` returns something that is not iterable.
   */
  batches(): AsyncIterable<Batch> | Iterable<Batch> {
    const pass: unknown = this.#source();
    if ((typeof pass !== 'object' && typeof pass !== 'function') || pass === null || !(Symbol.asyncIterator in pass || Symbol.iterator in pass)) {
      throw invalidParameter('source()', 'an iterable or async iterable of { x, y } batches (e.g. an async generator)', pass);
    }
    return pass as AsyncIterable<Batch> | Iterable<Batch>;
  }

  /** Reads the whole stream into memory (for data that fits), e.g. to split it. */
  async toMemory(): Promise<InMemoryDataset> {
    const xs: Float32Array[] = [];
    const ys: DatasetTargets[] = [];
    let cols = -1;
    let index = 0;
    for await (const batch of this.batches()) {
      const { x, y } = checkBatch(batch, index++);
      const piece = new InMemoryDataset(x, y);
      if (cols >= 0 && piece.features !== cols) {
        throw new FastpropError('ERR_SHAPE_MISMATCH', `Expected every batch to have ${cols} features, got ${piece.features}`);
      }
      cols = piece.features;
      xs.push(piece.x.data);
      ys.push(piece.y);
    }
    if (xs.length === 0) throw new FastpropError('ERR_EMPTY_DATASET', 'The stream yielded no batches');
    return new InMemoryDataset({ data: concat(xs), shape: [xs.reduce((n, x) => n + x.length, 0) / cols, cols] }, concatTargets(ys));
  }
}

/** A yielded batch, checked to be `{ x, y }` (the `index`-th of its pass, for the message). */
export function checkBatch(batch: unknown, index: number): Batch {
  if (typeof batch !== 'object' || batch === null || !('x' in batch) || !('y' in batch)) {
    throw invalidParameter(`stream batch ${index}`, '{ x, y }', batch);
  }
  return batch as Batch;
}

/** Either kind of dataset. */
export type Dataset = InMemoryDataset | StreamingDataset;

/** True for an {@link InMemoryDataset} or a {@link StreamingDataset}. */
export function isDataset(value: unknown): value is Dataset {
  return value instanceof InMemoryDataset || value instanceof StreamingDataset;
}

function concat<T extends Float32Array | Int32Array>(parts: readonly T[]): T {
  const first = parts[0]!;
  const out = new (first.constructor as new (n: number) => T)(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Joins targets of one kind (all matrices with the same width, or all 1-D of one type). */
export function concatTargets(parts: readonly DatasetTargets[]): DatasetTargets {
  const first = parts[0]!;
  if (ArrayBuffer.isView(first)) {
    if (!parts.every((p) => p.constructor === first.constructor)) {
      throw new FastpropError('ERR_SHAPE_MISMATCH', 'Batches mix kinds of targets (class indices and numbers)');
    }
    return concat(parts as (Int32Array | Float32Array)[]);
  }
  const outputs = first.shape[1];
  if (!parts.every((p) => !ArrayBuffer.isView(p) && p.shape[1] === outputs)) {
    throw new FastpropError('ERR_SHAPE_MISMATCH', `Expected every batch's targets to have ${outputs} columns`);
  }
  const data = concat(parts.map((p) => (p as FlatMatrix).data));
  return { data, shape: [data.length / outputs, outputs] };
}
