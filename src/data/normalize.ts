// SPDX-License-Identifier: MIT
/**
 * Feature normalisation, fitted on the training split only and stored with the model, so
 * predict, evaluate and fit apply the same transform to every input.
 *
 * Both methods are the affine map x' = (x − shift) / scale, per feature:
 * - `minMax`: shift = min, scale = max − min, so training values land in [0, 1];
 * - `standardize`: shift = mean, scale = the population standard deviation (divide by n).
 *
 * A constant feature (max = min, or standard deviation 0) gets scale 1, so it maps to 0 rather
 * than dividing by zero: it carries no information, and 0 is what the other values of a
 * standardised feature are centred on.
 */
import { FastpropError } from '../errors.ts';
import { toMatrix, type InputData } from '../tensor.ts';
import { assertOneOf, describe, invalidParameter } from '../validate.ts';
import { checkBatch, InMemoryDataset, StreamingDataset, type Dataset } from './dataset.ts';

/** The normalisation methods. */
export const NORMALIZATIONS = ['minMax', 'standardize'] as const;
export type NormalizationMethod = (typeof NORMALIZATIONS)[number];

/** Running per-feature statistics (Welford's mean and variance, min and max), in float64. */
class FeatureStats {
  readonly features: number;
  readonly mean: Float64Array;
  readonly m2: Float64Array;
  readonly min: Float64Array;
  readonly max: Float64Array;
  rows = 0;

  constructor(features: number) {
    this.features = features;
    this.mean = new Float64Array(features);
    this.m2 = new Float64Array(features);
    this.min = new Float64Array(features).fill(Infinity);
    this.max = new Float64Array(features).fill(-Infinity);
  }

  add(data: Float32Array, rows: number): void {
    const f = this.features;
    for (let r = 0; r < rows; r++) {
      const n = ++this.rows;
      for (let c = 0; c < f; c++) {
        const v = data[r * f + c]!;
        const delta = v - this.mean[c]!;
        this.mean[c]! += delta / n;
        this.m2[c]! += delta * (v - this.mean[c]!);
        if (v < this.min[c]!) this.min[c] = v;
        if (v > this.max[c]!) this.max[c] = v;
      }
    }
  }
}

/**
 * A fitted per-feature affine normalisation, x' = (x − shift) / scale.
 *
 * @example
 * ```ts
 * const { train, test } = data.split({ test: 0.2, seed: 1 });
 * model.setNormalization(Normalizer.fit(train, 'standardize')); // statistics of train only
 * await model.fit(train, { epochs: 20 });
 * model.evaluate(test.x, test.y);                                // normalised the same way
 * ```
 */
export class Normalizer {
  readonly method: NormalizationMethod;
  /** Subtracted from each feature. */
  readonly shift: Float32Array;
  /** Each shifted feature is divided by this (1 for constant features). */
  readonly scale: Float32Array;

  /**
   * Builds a normaliser from known statistics (as stored in a model file).
   * @throws {@link FastpropError} when shift or scale is not an array or typed array, the arrays differ in length, or they hold non-finite values or a zero scale.
   */
  constructor(method: NormalizationMethod, shift: ArrayLike<number>, scale: ArrayLike<number>) {
    assertOneOf(method, NORMALIZATIONS, 'normalization method');
    // Arrays or typed arrays only: an array-like object's length is not to be trusted ({ length: 1e10 }).
    if (!isArrayOrTypedArray(shift)) throw invalidParameter('shift', 'an array of numbers', shift);
    if (!isArrayOrTypedArray(scale)) throw invalidParameter('scale', 'an array of numbers', scale);
    if (shift.length !== scale.length || shift.length === 0) {
      throw new FastpropError('ERR_SHAPE_MISMATCH', `Expected shift and scale of the same non-zero length, got ${shift.length} and ${scale.length}`);
    }
    this.method = method;
    this.shift = numbers(shift, 'shift');
    this.scale = numbers(scale, 'scale');
    for (let i = 0; i < this.shift.length; i++) {
      if (!Number.isFinite(this.shift[i]!) || !Number.isFinite(this.scale[i]!) || this.scale[i] === 0) {
        throw new FastpropError('ERR_NON_FINITE', `Normalisation feature ${i} has shift ${this.shift[i]} and scale ${this.scale[i]}: both must be finite and the scale non-zero`);
      }
    }
  }

  /** Number of features it normalises. */
  get features(): number {
    return this.shift.length;
  }

  /** Fits the statistics of x (or of a dataset's inputs): use the training split only. */
  static fit(data: InputData | InMemoryDataset, method: NormalizationMethod): Normalizer {
    const m = data instanceof InMemoryDataset ? { data: data.x.data, rows: data.rows, cols: data.features } : toMatrix(data, 'x');
    const stats = new FeatureStats(m.cols);
    stats.add(m.data, m.rows);
    return Normalizer.#from(stats, method);
  }

  /** Fits the statistics in one pass over a dataset (a stream is read once, never held whole). */
  static async fitDataset(dataset: Dataset, method: NormalizationMethod): Promise<Normalizer> {
    if (dataset instanceof InMemoryDataset) return Normalizer.fit(dataset, method);
    if (!(dataset instanceof StreamingDataset)) throw invalidParameter('dataset', 'an InMemoryDataset or StreamingDataset', dataset);
    let stats: FeatureStats | undefined;
    let index = 0;
    for await (const batch of dataset.batches()) {
      const m = toMatrix(checkBatch(batch, index++).x, 'batch x', stats?.features);
      stats ??= new FeatureStats(m.cols);
      stats.add(m.data, m.rows);
    }
    if (!stats) throw new FastpropError('ERR_EMPTY_DATASET', 'Cannot fit a normalisation on an empty stream');
    return Normalizer.#from(stats, method);
  }

  static #from(stats: FeatureStats, method: NormalizationMethod): Normalizer {
    assertOneOf(method, NORMALIZATIONS, 'normalization method');
    const f = stats.features;
    const shift = new Float64Array(f);
    const scale = new Float64Array(f);
    for (let c = 0; c < f; c++) {
      const spread = method === 'minMax' ? stats.max[c]! - stats.min[c]! : Math.sqrt(stats.m2[c]! / stats.rows);
      shift[c] = method === 'minMax' ? stats.min[c]! : stats.mean[c]!;
      // Constant feature: scale 1, so it maps to 0 (see the file header). A spread that rounds to
      // 0 in float32 counts as constant too.
      scale[c] = Math.fround(spread) === 0 ? 1 : spread;
    }
    return new Normalizer(method, shift, scale);
  }

  /**
   * The normalised copy of a [rows × features] buffer.
   * @throws {@link FastpropError} `ERR_SHAPE_MISMATCH` when the width differs, `ERR_NON_FINITE` if a value overflows.
   */
  apply(data: Float32Array, rows: number, cols: number): Float32Array {
    if (!(data instanceof Float32Array)) throw invalidParameter('data', 'a Float32Array', data);
    if (typeof rows !== 'number' || !Number.isSafeInteger(rows) || rows < 0) throw invalidParameter('rows', 'a non-negative integer', rows);
    if (cols !== this.features) {
      throw new FastpropError('ERR_SHAPE_MISMATCH', `The normalisation was fitted on ${this.features} features, got ${describe(cols)}`);
    }
    if (data.length !== rows * cols) {
      throw new FastpropError('ERR_SHAPE_MISMATCH', `Expected data with ${rows} × ${cols} = ${rows * cols} values, got ${data.length}`);
    }
    const out = new Float32Array(rows * cols);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        const i = r * cols + c;
        out[i] = (data[i]! - this.shift[c]!) / this.scale[c]!;
        if (!Number.isFinite(out[i]!)) {
          throw new FastpropError('ERR_NON_FINITE', `Normalising row ${r}, column ${c} (${data[i]}) gives ${out[i]}: the value is far outside the fitted range`);
        }
      }
    }
    return out;
  }

  /** A plain description for saving: `{ method, shift, scale }` with number arrays. */
  toJSON(): { method: NormalizationMethod; shift: number[]; scale: number[] } {
    return { method: this.method, shift: Array.from(this.shift), scale: Array.from(this.scale) };
  }
}

/** The values as float32, each checked to be a number first (a symbol or bigint would make Float32Array.from throw a TypeError). */
function numbers(values: ArrayLike<unknown>, name: string): Float32Array {
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'number') throw invalidParameter(`${name}[${i}]`, 'a number', v);
    out[i] = v;
  }
  return out;
}

function isArrayOrTypedArray(value: unknown): value is ArrayLike<number> {
  // Not a BigInt64Array either: Float32Array.from would throw 'Cannot convert a BigInt value to a number'.
  return Array.isArray(value) || (ArrayBuffer.isView(value) && !(value instanceof DataView || value instanceof BigInt64Array || value instanceof BigUint64Array));
}
