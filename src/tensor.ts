// SPDX-License-Identifier: MIT
/**
 * Data as users give it, and its normalised form.
 *
 * A matrix is row-major: element (r, c) of a [rows × cols] matrix is `data[r * cols + c]`.
 * Users pass either nested arrays (`number[][]`, one inner array per row) or a flat buffer with
 * an explicit shape (`{ data: Float32Array, shape: [rows, cols] }`); a Float32Array is used as
 * it is, without copying. Everything is checked here, once, before any backend sees it.
 */
import { FastpropError } from './errors.ts';
import { describe, invalidParameter } from './validate.ts';

/** A flat row-major buffer with its shape. */
export interface MatrixInput {
  readonly data: Float32Array | Float64Array | readonly number[];
  readonly shape: readonly [rows: number, cols: number];
}

/** Inputs: nested arrays (one per row) or a flat buffer with a shape. */
export type InputData = readonly (readonly number[])[] | MatrixInput;

/**
 * Targets: a matrix like the inputs (one-hot rows or regression targets), or, for
 * `sparseCategoricalCrossEntropy`, one integer class label per row. A model with a single output
 * also accepts one number per row. (A Float32Array of labels must hold whole numbers, as the
 * loaders' label columns do.)
 */
export type TargetData = InputData | readonly number[] | Int32Array | Uint8Array | Uint16Array | Uint32Array | Float32Array;

/** A validated matrix. */
export interface Matrix {
  readonly data: Float32Array;
  readonly rows: number;
  readonly cols: number;
}

function nonFinite(name: string, value: number, row: number, col: number): FastpropError {
  return new FastpropError(
    'ERR_NON_FINITE',
    Number.isFinite(value)
      ? `${name} contains ${String(value)} at row ${row}, column ${col}, beyond float32's range (±3.4e38): every value must be a finite float32`
      : `${name} contains ${String(value)} at row ${row}, column ${col}: every value must be a finite number`,
  );
}

function isMatrixInput(value: unknown): value is MatrixInput {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && 'shape' in value && 'data' in value;
}

/**
 * Validates and normalises a matrix argument.
 * @param expectedCols - when given, the number of columns the model needs.
 * @param deferred - when given, a borrowed Float32Array's finiteness scan is left to it (see
 *   {@link DeferredFiniteChecks}); everything else is still checked here.
 */
export function toMatrix(input: unknown, name: string, expectedCols?: number, deferred?: DeferredFiniteChecks): Matrix {
  let matrix: Matrix;
  if (Array.isArray(input)) matrix = fromNested(input, name);
  else if (isMatrixInput(input)) matrix = fromFlat(input, name, deferred);
  else throw invalidParameter(name, 'number[][] or { data, shape: [rows, cols] }', input);
  if (expectedCols !== undefined && matrix.cols !== expectedCols) {
    throw new FastpropError('ERR_SHAPE_MISMATCH', `Expected ${name} with ${expectedCols} columns, got ${matrix.cols}`);
  }
  return matrix;
}

function fromNested(rows: readonly unknown[], name: string): Matrix {
  if (rows.length === 0) throw new FastpropError('ERR_EMPTY_DATASET', `${name} is empty: expected at least one row`);
  const first = rows[0];
  if (!Array.isArray(first)) throw invalidParameter(`${name}[0]`, 'an array of numbers (one row)', first);
  const cols = first.length;
  if (cols === 0) throw new FastpropError('ERR_SHAPE_MISMATCH', `${name}[0] is empty: expected at least one column`);
  // Every row's shape first, before allocating for all of them (a sparse array can claim 2^32 rows).
  const checked: (readonly unknown[])[] = [];
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r];
    if (!Array.isArray(row)) throw invalidParameter(`${name}[${r}]`, 'an array of numbers (one row)', row);
    if (row.length !== cols) {
      throw new FastpropError('ERR_SHAPE_MISMATCH', `Expected every row of ${name} to have ${cols} values, but row ${r} has ${row.length}`);
    }
    checked.push(row);
  }
  const data = new Float32Array(checked.length * cols);
  for (let r = 0; r < checked.length; r++) {
    const row = checked[r]!;
    for (let c = 0; c < cols; c++) {
      const value: unknown = row[c];
      if (typeof value !== 'number') {
        throw new FastpropError('ERR_INVALID_ARGUMENT', `Expected a number at ${name}[${r}][${c}] but received ${describe(value)}`);
      }
      // Checked on the float32 value, as in fromFlat: a finite float64 beyond float32's range
      // would become Infinity.
      data[r * cols + c] = value;
      if (!Number.isFinite(data[r * cols + c]!)) throw nonFinite(name, value, r, c);
    }
  }
  return { data, rows: checked.length, cols };
}

/**
 * The index of the first NaN or ±Infinity in a Float32Array, or -1. Set to the addon's scan once
 * it loads (src/native.ts): that one takes about 2 ms on a 4096 × 784 x, where the loop below
 * took 12–27 ms of event-loop time (its first calls run before V8 optimises it).
 */
let firstNonFinite = (values: Float32Array): number => {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i]!)) return i;
  return -1;
};

/**
 * The same scan for fit's data: whichever scan above is set, until the addon gives one that runs
 * off the event loop.
 */
let firstNonFiniteAsync = (values: Float32Array): Promise<number> => Promise.resolve(firstNonFinite(values));

/**
 * Replaces the JavaScript finiteness scan of borrowed Float32Arrays with the addon's (called by
 * src/native.ts), and, when given, the scan for fit's data with one that runs off the event loop.
 */
export function useFiniteScan(scan: (values: Float32Array) => number, scanAsync?: (values: Float32Array) => Promise<number>): void {
  firstNonFinite = scan;
  if (scanAsync) firstNonFiniteAsync = scanAsync;
}

/**
 * The finiteness scans of borrowed Float32Arrays that fit runs off the event loop: toMatrix
 * collects them (everything else it checks at once) and fit awaits {@link run} before training.
 * On the event loop, the scan of a 4096 × 784 x took about 2 ms in the addon (12–27 ms in
 * JavaScript), and 20 ms under AddressSanitizer; for a whole dataset, it grows with it.
 */
export class DeferredFiniteChecks {
  readonly #pending: { values: Float32Array; name: string; cols: number }[] = [];

  add(values: Float32Array, name: string, cols: number): void {
    this.#pending.push({ values, name, cols });
  }

  /** Rejects with the error toMatrix would have thrown, for the first array, in order, with a bad value. */
  async run(): Promise<void> {
    for (const { values, name, cols } of this.#pending) {
      const i = await firstNonFiniteAsync(values);
      if (i >= 0) throw nonFinite(name, values[i]!, Math.floor(i / cols), i % cols);
    }
  }
}

function fromFlat(input: MatrixInput, name: string, deferred?: DeferredFiniteChecks): Matrix {
  const shape: unknown = input.shape;
  if (!Array.isArray(shape) || shape.length !== 2 || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw invalidParameter(`${name}.shape`, '[rows, cols] of non-negative integers', shape);
  }
  const [rows, cols] = shape as [number, number];
  if (rows === 0) throw new FastpropError('ERR_EMPTY_DATASET', `${name} is empty: expected at least one row`);
  if (cols === 0) throw new FastpropError('ERR_SHAPE_MISMATCH', `${name} has no columns: expected at least one`);
  const source: unknown = input.data;
  if (!(source instanceof Float32Array || source instanceof Float64Array || Array.isArray(source))) {
    throw invalidParameter(`${name}.data`, 'Float32Array, Float64Array or number[]', source);
  }
  if (source.length !== rows * cols) {
    throw new FastpropError(
      'ERR_SHAPE_MISMATCH',
      `Expected ${name}.data to hold ${rows} × ${cols} = ${rows * cols} values, got ${source.length}`,
    );
  }
  if (source instanceof Float32Array) {
    // Borrowed as it is: only finiteness to check, which fit does off the event loop (deferred).
    if (deferred) {
      // fit reads it on another thread while the event loop runs: a resizable ArrayBuffer could
      // be shrunk meanwhile, unmapping memory being read, so such a one is trained from a copy.
      const resizable = (source.buffer as { resizable?: boolean }).resizable === true;
      const data = resizable ? source.slice() : source;
      deferred.add(data, name, cols);
      return { data, rows, cols };
    }
    const i = firstNonFinite(source);
    if (i >= 0) throw nonFinite(name, source[i]!, Math.floor(i / cols), i % cols);
    return { data: source, rows, cols };
  }
  // Anything else is converted once.
  const data = new Float32Array(source.length);
  for (let i = 0; i < source.length; i++) {
    const value: unknown = source[i];
    if (typeof value !== 'number') {
      throw new FastpropError('ERR_INVALID_ARGUMENT', `Expected a number at ${name}.data[${i}] but received ${describe(value)}`);
    }
    // Checked on the float32 value: a finite float64 beyond float32's range would become Infinity.
    data[i] = value;
    if (!Number.isFinite(data[i]!)) throw nonFinite(name, value, Math.floor(i / cols), i % cols);
  }
  return { data, rows, cols };
}

/** Validates class labels: one integer in [0, classes) per row. */
export function toLabels(input: unknown, name: string, rows: number, classes: number): Int32Array {
  const isIntegerArray =
    input instanceof Int32Array || input instanceof Uint8Array || input instanceof Uint16Array || input instanceof Uint32Array ||
    input instanceof Float32Array; // each value is still checked to be an integer below
  if (!Array.isArray(input) && !isIntegerArray) {
    throw invalidParameter(name, 'an array of integer class labels (one per row)', input);
  }
  const source = input as ArrayLike<unknown>;
  if (source.length !== rows) {
    throw new FastpropError('ERR_SHAPE_MISMATCH', `Expected ${rows} labels in ${name} (one per row of x), got ${source.length}`);
  }
  const labels = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    const label = source[r];
    if (typeof label !== 'number' || !Number.isInteger(label) || label < 0 || label >= classes) {
      throw new FastpropError(
        'ERR_INVALID_LABEL',
        `Expected class labels that are integers from 0 to ${classes - 1} (the model has ${classes} outputs), but ${name}[${r}] is ${describe(label)}`,
      );
    }
    labels[r] = label;
  }
  return labels;
}
