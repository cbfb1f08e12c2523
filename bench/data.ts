// SPDX-License-Identifier: MIT
/**
 * The fixed synthetic data every system trains on: inputs uniform in [0, 1) like torch.rand, and
 * labels uniform over the classes. Seeded, so every run and every system sees the same numbers.
 * Training speed does not depend on the values (no early exits, no sparsity), only on shapes.
 */

/** mulberry32: a tiny 32-bit seeded generator; statistical quality is irrelevant here. */
export function seededUniform(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A Float32Array of `length` values uniform in [lo, hi). */
export function uniformArray(length: number, seed: number, lo = 0, hi = 1): Float32Array {
  const next = seededUniform(seed);
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) out[i] = lo + (hi - lo) * next();
  return out;
}

/** A classification dataset: x [rows × features] row-major, one label in [0, classes) per row. */
export interface Classification {
  readonly x: Float32Array;
  readonly labels: Int32Array;
  readonly rows: number;
  readonly features: number;
  readonly classes: number;
}

export function classification(rows: number, features: number, classes: number, seed = 1): Classification {
  const next = seededUniform(seed + 1);
  const labels = new Int32Array(rows);
  for (let i = 0; i < rows; i++) labels[i] = Math.floor(next() * classes);
  return { x: uniformArray(rows * features, seed), labels, rows, features, classes };
}

/** The first `rows` rows of a dataset, as views (no copy). */
export function firstRows(data: Classification, rows: number): Classification {
  return { ...data, rows, x: data.x.subarray(0, rows * data.features), labels: data.labels.subarray(0, rows) };
}
