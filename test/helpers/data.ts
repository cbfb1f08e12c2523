// SPDX-License-Identifier: MIT
// Seeded test data.
import { Random } from '../../src/random.ts';

/** A [rows × cols] matrix of values uniform in [low, high). */
export function randomMatrix(random: Random, rows: number, cols: number, low = -1, high = 1): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < out.length; i++) out[i] = random.uniform(low, high);
  return out;
}

/**
 * Targets that suit the loss and output: probabilities, one-hot rows, labels, or free values
 * (within (0, 1) for a sigmoid or softmax output, which cannot reach anything else: with
 * targets outside it, softmax + MAE has a constant loss and a zero gradient).
 */
export function randomTargets(
  random: Random,
  loss: string,
  rows: number,
  outputs: number,
  output = 'linear',
): Float32Array | Int32Array {
  if (loss === 'sparseCategoricalCrossEntropy') {
    return Int32Array.from({ length: rows }, () => random.below(outputs));
  }
  if (loss === 'categoricalCrossEntropy') {
    const t = new Float32Array(rows * outputs);
    for (let r = 0; r < rows; r++) t[r * outputs + random.below(outputs)] = 1;
    return t;
  }
  if (loss === 'binaryCrossEntropy' || output === 'sigmoid' || output === 'softmax') {
    return randomMatrix(random, rows, outputs, 0, 1);
  }
  return randomMatrix(random, rows, outputs, -1, 1);
}

/** The `{ data, shape }` form of a flat matrix. */
export function shaped(data: Float32Array, rows: number, cols: number): { data: Float32Array; shape: [number, number] } {
  return { data, shape: [rows, cols] };
}
