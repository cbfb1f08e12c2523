// SPDX-License-Identifier: MIT
/**
 * Reference twin of `native/core/activations.cc`: one forward and one derivative rule per
 * activation, side by side (the micrograd / tinygrad way of keeping each rule next to its
 * gradient). Conventions at the kinks: relu'(0) = 0, leakyRelu'(0) = slope.
 * @internal
 */
import type { Activation } from '../spec.ts';

// Conventions at the kinks: relu'(0) = 0, leakyRelu'(0) = slope, elu'(0) = 1.

/** f(z) for one element (softmax is row-wise: see softmaxRow). */
type Forward = (z: number, slope: number) => number;
/** f'(z) expressed through z and a = f(z). */
type Derivative = (z: number, a: number, slope: number) => number;

export function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

/**
 * The complementary error function erfc(x) = 1 − erf(x) to near double precision (JS has no
 * Math.erf): 1 minus erf's Maclaurin series for |x| < 3, and the continued fraction of erfc
 * (evaluated backwards) beyond, where the series would lose digits to cancellation. Φ(z) is
 * erfc(−z/√2)/2: written as (1 + erf(z/√2))/2 it cancels to 0 in the tail below 0 (z < −8.3 in
 * float64, where GELU is still −4e-16).
 */
export function erfc(x: number): number {
  const ax = Math.abs(x);
  if (ax < 3) {
    let term = x;
    let sum = x;
    for (let n = 1; n < 100 && Math.abs(term) > 1e-17 * Math.abs(sum); n++) {
      term *= (-x * x) / n;
      sum += term / (2 * n + 1);
    }
    return 1 - (2 / Math.sqrt(Math.PI)) * sum;
  }
  // erfc(x) = e^(−x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + …)))))
  let fraction = ax;
  for (let k = 60; k >= 1; k--) fraction = ax + k / 2 / fraction;
  const tail = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / fraction;
  return x > 0 ? tail : 2 - tail;
}

const normalCdf = (z: number) => 0.5 * erfc(-z / Math.SQRT2);
const normalPdf = (z: number) => Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI);
const softplus = (z: number) => (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z)));

const RULES: Record<Exclude<Activation, 'softmax'>, { forward: Forward; derivative: Derivative }> = {
  linear: { forward: (z) => z, derivative: () => 1 },
  sigmoid: { forward: sigmoid, derivative: (_z, a) => a * (1 - a) },
  tanh: { forward: Math.tanh, derivative: (_z, a) => 1 - a * a },
  relu: { forward: (z) => (z > 0 ? z : 0), derivative: (z) => (z > 0 ? 1 : 0) },
  leakyRelu: { forward: (z, s) => (z > 0 ? z : s * z), derivative: (z, _a, s) => (z > 0 ? 1 : s) },
  elu: { forward: (z) => (z > 0 ? z : Math.expm1(z)), derivative: (z, a) => (z > 0 ? 1 : a + 1) },
  gelu: { forward: (z) => z * normalCdf(z), derivative: (z) => normalCdf(z) + z * normalPdf(z) },
  softplus: { forward: softplus, derivative: (z) => sigmoid(z) },
  silu: { forward: (z) => z * sigmoid(z), derivative: (z) => sigmoid(z) * (1 + z * (1 - sigmoid(z))) },
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
