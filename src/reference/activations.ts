// SPDX-License-Identifier: MIT
/**
 * Reference twin of `native/core/activations.cc`: one forward and one derivative rule per
 * activation, side by side (the micrograd / tinygrad way of keeping each rule next to its
 * gradient). Conventions at the kinks: relu'(0) = 0, leakyRelu'(0) = slope.
 * @internal
 */
import type { Activation } from '../spec.ts';

/** f(z) for one element (softmax is row-wise: see softmaxRow). */
type Forward = (z: number, slope: number) => number;
/** f'(z) expressed through z and a = f(z). */
type Derivative = (z: number, a: number, slope: number) => number;

export function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

const RULES: Record<Exclude<Activation, 'softmax'>, { forward: Forward; derivative: Derivative }> = {
  linear: { forward: (z) => z, derivative: () => 1 },
  sigmoid: { forward: sigmoid, derivative: (_z, a) => a * (1 - a) },
  tanh: { forward: Math.tanh, derivative: (_z, a) => 1 - a * a },
  relu: { forward: (z) => (z > 0 ? z : 0), derivative: (z) => (z > 0 ? 1 : 0) },
  leakyRelu: { forward: (z, s) => (z > 0 ? z : s * z), derivative: (z, _a, s) => (z > 0 ? 1 : s) },
};

function softmaxRow(z: ArrayLike<number>, a: Float64Array, offset: number, n: number): void {
  let max = -Infinity;
  for (let j = 0; j < n; j++) max = Math.max(max, z[offset + j]!);
  let sum = 0;
  for (let j = 0; j < n; j++) {
    a[offset + j] = Math.exp(z[offset + j]! - max);
    sum += a[offset + j]!;
  }
  for (let j = 0; j < n; j++) a[offset + j]! /= sum;
}

/** a = f(z) over a [rows × n] block. */
export function activationForward(f: Activation, slope: number, z: Float64Array, rows: number, n: number): Float64Array {
  const a = new Float64Array(rows * n);
  if (f === 'softmax') {
    for (let r = 0; r < rows; r++) softmaxRow(z, a, r * n, n);
    return a;
  }
  const rule = RULES[f].forward;
  for (let i = 0; i < rows * n; i++) a[i] = rule(z[i]!, slope);
  return a;
}

/** δ = g ⊙ f'(z), in place in g; for softmax the Jacobian product δ_j = a_j (g_j − Σ_k g_k a_k). */
export function activationBackward(
  f: Activation,
  slope: number,
  z: Float64Array,
  a: Float64Array,
  g: Float64Array,
  rows: number,
  n: number,
): void {
  if (f === 'softmax') {
    for (let r = 0; r < rows; r++) {
      let dot = 0;
      for (let j = 0; j < n; j++) dot += g[r * n + j]! * a[r * n + j]!;
      for (let j = 0; j < n; j++) g[r * n + j] = a[r * n + j]! * (g[r * n + j]! - dot);
    }
    return;
  }
  const rule = RULES[f].derivative;
  for (let i = 0; i < rows * n; i++) g[i]! *= rule(z[i]!, a[i]!, slope);
}
