// SPDX-License-Identifier: MIT
/**
 * Reference twin of `native/core/losses.cc`: batch-mean losses and δ = ∂L/∂z of the last layer.
 *
 *   meanSquaredError     L = mean over rows and outputs of (y − t)²       ∂L/∂y = 2(y − t)/(rows·n)
 *   halfSquaredError     L = mean over rows of ½ Σ_outputs (y − t)²       ∂L/∂y = (y − t)/rows
 *   meanAbsoluteError    L = mean over rows and outputs of |y − t|        ∂L/∂y = sign(y − t)/(rows·n)
 *   binaryCrossEntropy   L = mean of softplus(z) − t·z  (sigmoid fused)   ∂L/∂z = (σ(z) − t)/(rows·n)
 *   categoricalCE        L = mean over rows of Σ t·(lse(z) − z)  (softmax) ∂L/∂z = (a·Σt − t)/rows
 *   sparseCategoricalCE  as categorical with one-hot t from labels
 *   huber                L = mean over rows and outputs of ½d² (|d| ≤ δ) or δ(|d| − ½δ), d = y − t
 *                        ∂L/∂y = clamp(d, −δ, δ)/(rows·n)
 * @internal
 */
import type { LayerSpec, Loss } from '../spec.ts';
import { activationBackward } from './activations.ts';

/** Targets of a batch: a [rows × n] matrix, or class labels for sparse cross-entropy. */
export interface ReferenceTargets {
  readonly values?: ArrayLike<number>;
  readonly labels?: ArrayLike<number>;
}

function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

function logSumExp(z: ArrayLike<number>, offset: number, n: number): number {
  let max = -Infinity;
  for (let j = 0; j < n; j++) max = Math.max(max, z[offset + j]!);
  let sum = 0;
  for (let j = 0; j < n; j++) sum += Math.exp(z[offset + j]! - max);
  return max + Math.log(sum);
}

function argmax(v: ArrayLike<number>, offset: number, n: number): number {
  let best = 0;
  for (let j = 1; j < n; j++) if (v[offset + j]! > v[offset + best]!) best = j;
  return best;
}

/** The batch-mean loss. */
export function lossValue(loss: Loss, z: Float64Array, a: Float64Array, targets: ReferenceTargets, rows: number, n: number, huberDelta = 1): number {
  const t = targets.values!;
  let sum = 0;
  switch (loss) {
    case 'meanSquaredError':
      for (let i = 0; i < rows * n; i++) sum += (a[i]! - t[i]!) ** 2;
      return sum / (rows * n);
    case 'halfSquaredError':
      for (let i = 0; i < rows * n; i++) sum += 0.5 * (a[i]! - t[i]!) ** 2;
      return sum / rows;
    case 'meanAbsoluteError':
      for (let i = 0; i < rows * n; i++) sum += Math.abs(a[i]! - t[i]!);
      return sum / (rows * n);
    case 'huber':
      for (let i = 0; i < rows * n; i++) {
        const e = Math.abs(a[i]! - t[i]!);
        sum += e <= huberDelta ? 0.5 * e * e : huberDelta * (e - 0.5 * huberDelta);
      }
      return sum / (rows * n);
    case 'binaryCrossEntropy':
      for (let i = 0; i < rows * n; i++) sum += softplus(z[i]!) - t[i]! * z[i]!;
      return sum / (rows * n);
    case 'categoricalCrossEntropy':
      for (let r = 0; r < rows; r++) {
        const lse = logSumExp(z, r * n, n);
        for (let j = 0; j < n; j++) sum += t[r * n + j]! * (lse - z[r * n + j]!);
      }
      return sum / rows;
    case 'sparseCategoricalCrossEntropy': {
      const labels = targets.labels!;
      for (let r = 0; r < rows; r++) sum += logSumExp(z, r * n, n) - z[r * n + labels[r]!]!;
      return sum / rows;
    }
  }
}

/** δ = ∂L/∂z of the last layer, and the batch-mean loss. */
export function lossAndDelta(
  loss: Loss,
  out: LayerSpec,
  z: Float64Array,
  a: Float64Array,
  targets: ReferenceTargets,
  rows: number,
  huberDelta = 1,
): { loss: number; delta: Float64Array } {
  const n = out.units;
  const count = rows * n;
  const delta = new Float64Array(count);
  const t = targets.values!;
  switch (loss) {
    case 'meanSquaredError':
      for (let i = 0; i < count; i++) delta[i] = (2 * (a[i]! - t[i]!)) / count;
      break;
    case 'halfSquaredError':
      for (let i = 0; i < count; i++) delta[i] = (a[i]! - t[i]!) / rows;
      break;
    case 'meanAbsoluteError':
      for (let i = 0; i < count; i++) delta[i] = Math.sign(a[i]! - t[i]!) / count;
      break;
    case 'huber':
      for (let i = 0; i < count; i++) delta[i] = Math.min(huberDelta, Math.max(-huberDelta, a[i]! - t[i]!)) / count;
      break;
    case 'binaryCrossEntropy':
      for (let i = 0; i < count; i++) delta[i] = (a[i]! - t[i]!) / count;
      return { loss: lossValue(loss, z, a, targets, rows, n), delta };
    case 'categoricalCrossEntropy':
      for (let r = 0; r < rows; r++) {
        let mass = 0;
        for (let j = 0; j < n; j++) mass += t[r * n + j]!;
        for (let j = 0; j < n; j++) delta[r * n + j] = (a[r * n + j]! * mass - t[r * n + j]!) / rows;
      }
      return { loss: lossValue(loss, z, a, targets, rows, n), delta };
    case 'sparseCategoricalCrossEntropy': {
      const labels = targets.labels!;
      for (let i = 0; i < count; i++) delta[i] = a[i]! / rows;
      for (let r = 0; r < rows; r++) delta[r * n + labels[r]!]! -= 1 / rows;
      return { loss: lossValue(loss, z, a, targets, rows, n), delta };
    }
  }
  // Regression losses: delta holds ∂L/∂a; the activation's derivative turns it into ∂L/∂z.
  activationBackward(out.activation, out.leakySlope, z, a, delta, rows, n);
  return { loss: lossValue(loss, z, a, targets, rows, n, huberDelta), delta };
}

/**
 * The batch's metric, summed (as `metric_sum` in losses.cc): right predictions for the
 * classification losses (argmax; a ≥ 0.5 per output for binary), Σ|a − t| for regression.
 */
export function metricSum(loss: Loss, a: ArrayLike<number>, targets: ReferenceTargets, rows: number, n: number): number {
  let sum = 0;
  switch (loss) {
    case 'binaryCrossEntropy':
      for (let i = 0; i < rows * n; i++) sum += Number(a[i]! >= 0.5 === targets.values![i]! >= 0.5);
      return sum;
    case 'categoricalCrossEntropy':
      for (let r = 0; r < rows; r++) sum += Number(argmax(a, r * n, n) === argmax(targets.values!, r * n, n));
      return sum;
    case 'sparseCategoricalCrossEntropy':
      for (let r = 0; r < rows; r++) sum += Number(argmax(a, r * n, n) === targets.labels![r]);
      return sum;
    default:
      for (let i = 0; i < rows * n; i++) sum += Math.abs(a[i]! - targets.values![i]!);
      return sum;
  }
}
