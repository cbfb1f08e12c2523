// SPDX-License-Identifier: MIT
// Models and data shared by the public-API fuzz suites that train or run models: five tiny
// models (one per kind of loss and target) on both backends, and (x, y) generators for them.
import fc from 'fast-check';
import { Adam, RMSprop, Sequential, type BackendName } from '../../src/index.ts';
import { anyArrayKind, element, goodElement, lazyFlat, matrix, wrongType } from './arbitraries.ts';

export const backend = fc.constantFrom<BackendName>('native', 'reference');
/** Hostile values for places where a large valid integer would only make a huge, slow model. */
export const badValue = fc.oneof(wrongType, fc.constantFrom(0, -0, -1, 1.5, NaN, Infinity, -Infinity, 2 ** 31, 2 ** 40, 2 ** 53, 2 ** 53 + 2, 1e300, Number.MAX_VALUE));

export interface Kind {
  readonly name: string;
  readonly inputSize: number;
  readonly outputs: number;
  readonly labels: boolean;
  readonly make: (backend: BackendName) => Sequential;
}

export const KINDS: readonly Kind[] = [
  { name: 'regression', inputSize: 3, outputs: 1, labels: false, make: (b) => new Sequential({ inputSize: 3, layers: [{ units: 4, activation: 'tanh' }, { units: 1 }], loss: 'meanSquaredError', backend: b, seed: 1 }) },
  { name: 'huber', inputSize: 2, outputs: 2, labels: false, make: (b) => new Sequential({ inputSize: 2, layers: [{ units: 3, activation: 'relu', l1: 0.01 }, { dropout: 0.5 }, { units: 2 }], loss: 'huber', backend: b, seed: 2 }) },
  { name: 'sparse', inputSize: 3, outputs: 3, labels: true, make: (b) => new Sequential({ inputSize: 3, layers: [{ units: 4, activation: 'gelu' }, { units: 3, activation: 'softmax' }], loss: 'sparseCategoricalCrossEntropy', backend: b, seed: 3, optimizer: new Adam() }) },
  { name: 'binary', inputSize: 2, outputs: 1, labels: false, make: (b) => new Sequential({ inputSize: 2, layers: [{ units: 1, activation: 'sigmoid' }], loss: 'binaryCrossEntropy', backend: b, seed: 4 }) },
  { name: 'categorical', inputSize: 2, outputs: 3, labels: false, make: (b) => new Sequential({ inputSize: 2, layers: [{ units: 3, activation: 'softmax', l2: 0.1 }], loss: 'categoricalCrossEntropy', backend: b, seed: 5, optimizer: new RMSprop({ momentum: 0.5 }) }) },
];

/** Rows, usually a few, sometimes none. */
export const rowCount = fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 1, max: 5 }) }, { weight: 1, arbitrary: fc.constant(0) });
/** A width near the right one. */
export const near = (n: number) => fc.oneof({ weight: 5, arbitrary: fc.constant(n) }, { weight: 1, arbitrary: fc.constantFrom(Math.max(0, n - 1), n + 1, 0) });

/** Class labels (or one value per row) in any form: plain or typed arrays of any element type, hostile buffers. */
export function labels(rows: number): fc.Arbitrary<unknown> {
  return fc
    .record({ rows: near(rows), kind: anyArrayKind, values: fc.array(fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 0, max: 3 }) }, { weight: 1, arbitrary: element }), { minLength: 1, maxLength: 6 }) })
    .map(({ rows: r, kind, values }) => lazyFlat(kind, r, values));
}

/** x as it should be: nested arrays or a Float32Array with its shape, of ordinary values. */
export function goodMatrix(rows: number, cols: number): fc.Arbitrary<unknown> {
  return fc.tuple(fc.array(goodElement, { minLength: rows * cols, maxLength: rows * cols }), fc.boolean()).map(([v, nested]) =>
    nested ? Array.from({ length: rows }, (_, r) => v.slice(r * cols, (r + 1) * cols)) : { data: Float32Array.from(v), shape: [rows, cols] });
}

/** y as it should be for this kind of model. */
export function goodTargets(kind: Kind, rows: number): fc.Arbitrary<unknown> {
  if (!kind.labels) return goodMatrix(rows, kind.outputs);
  return fc.tuple(fc.array(fc.integer({ min: 0, max: kind.outputs - 1 }), { minLength: rows, maxLength: rows }), fc.boolean()).map(([v, typed]) => (typed ? Int32Array.from(v) : v));
}

/** (x, y) for a model of this kind: mostly the right shapes, often not; x often right so that y's checks are reached. */
export function data(kind: Kind): fc.Arbitrary<[unknown, unknown]> {
  return rowCount.chain((rows) => fc.tuple(
    fc.oneof(goodMatrix(rows, kind.inputSize), matrix(fc.constant(rows), near(kind.inputSize))),
    fc.oneof(goodTargets(kind, rows), matrix(near(rows), near(kind.outputs)), labels(rows)),
  ));
}

export function isMatrixOf(value: unknown, rows: number, cols: number): boolean {
  if (Array.isArray(value)) return value.length === rows && value.every((r) => Array.isArray(r) && r.length === cols && r.every((v) => typeof v === 'number'));
  const m = value as { data: Float32Array; shape: [number, number] };
  return m.data instanceof Float32Array && m.shape[0] === rows && m.shape[1] === cols && m.data.length === rows * cols;
}

/** (x, y) as they should be, of 1 to 5 rows. */
export function goodData(kind: Kind): fc.Arbitrary<[unknown, unknown]> {
  return fc.integer({ min: 1, max: 5 }).chain((rows) => fc.tuple(goodMatrix(rows, kind.inputSize), goodTargets(kind, rows)));
}

/** Mostly good (x, y), so that training runs; often hostile. */
export function trainingData(kind: Kind): fc.Arbitrary<[unknown, unknown]> {
  return fc.oneof({ weight: 3, arbitrary: goodData(kind) }, { weight: 1, arbitrary: data(kind) });
}
