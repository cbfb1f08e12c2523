// SPDX-License-Identifier: MIT
/**
 * Reference twin of `native/core/mlp.cc`, in float64: forward and backward passes of a stack
 * of dense layers, one small step per operation.
 *
 *   forward   z_l = a_{l−1}·W_l + b_l,  a_l = f_l(z_l)  (then × dropout mask when training)
 *   backward  δ_L = ∂L/∂z_L;  δ_{l−1} = (δ_l·W_lᵀ) ⊙ mask_{l−1} ⊙ f'_{l−1}(z_{l−1})
 *             ∂L/∂W_l = a_{l−1}ᵀ·δ_l (+ l1·sign(W) + 2·l2·W),   ∂L/∂b_l = Σ_rows δ_l
 * @internal
 */
import { hasPenalty, layerOffsets, outputSize, parameterCount, type ModelSpec } from '../spec.ts';
import { activationBackward, activationForward } from './activations.ts';
import { dropoutMask, dropoutSeed } from './dropout.ts';
import { gemm } from './gemm.ts';
import { lossAndDelta, lossValue, metricSum, type ReferenceTargets } from './losses.ts';

export interface Activations {
  /** Pre-activations z_l, one [rows × units_l] block per layer. */
  readonly z: Float64Array[];
  /** Activations a_l = f_l(z_l), before dropout. */
  readonly a: Float64Array[];
  /** Dropout masks of the layers that applied one (training only). */
  readonly masks: (Float64Array | undefined)[];
}

function slice(buffer: ArrayLike<number>, start: number, length: number): Float64Array {
  const out = new Float64Array(length);
  for (let i = 0; i < length; i++) out[i] = buffer[start + i]!;
  return out;
}

/** Forward pass; `dropoutStep` ≥ 1 applies dropout with that optimizer step's masks. */
export function forward(spec: ModelSpec, params: ArrayLike<number>, x: ArrayLike<number>, rows: number, dropoutStep = 0): Activations {
  const z: Float64Array[] = [];
  const a: Float64Array[] = [];
  const masks: (Float64Array | undefined)[] = [];
  let input: ArrayLike<number> = x;
  spec.layers.forEach((layer, l) => {
    const { weights, bias } = layerOffsets(spec, l);
    const w = slice(params, weights, layer.inputs * layer.units);
    const b = slice(params, bias, layer.units);
    const zl = new Float64Array(rows * layer.units);
    gemm(false, false, rows, layer.units, layer.inputs, 1, input, layer.inputs, w, layer.units, 0, zl, layer.units, b);
    const al = activationForward(layer.activation, layer.leakySlope, zl, rows, layer.units);
    z.push(zl);
    a.push(al);
    input = al;
    if (dropoutStep > 0 && layer.dropout > 0) {
      const mask = dropoutMask(layer.dropout, dropoutSeed(spec.dropoutSeed, dropoutStep, l), rows * layer.units);
      input = al.map((v, i) => v * mask[i]!);
      masks.push(mask);
    } else {
      masks.push(undefined);
    }
  });
  return { z, a, masks };
}

/** The L1/L2 penalty of the kernels. */
export function penalty(spec: ModelSpec, params: ArrayLike<number>): number {
  let sum = 0;
  spec.layers.forEach((layer, l) => {
    if (layer.l1 === 0 && layer.l2 === 0) return;
    const { weights } = layerOffsets(spec, l);
    for (let i = weights; i < weights + layer.inputs * layer.units; i++) {
      sum += layer.l1 * Math.abs(params[i]!) + layer.l2 * params[i]! ** 2;
    }
  });
  return sum;
}

/** Gradients of the batch-mean loss (plus penalties) for a batch whose forward pass is `acts`. */
export function backward(
  spec: ModelSpec,
  params: ArrayLike<number>,
  x: ArrayLike<number>,
  acts: Activations,
  targets: ReferenceTargets,
  rows: number,
): { loss: number; grads: Float64Array } {
  const grads = new Float64Array(parameterCount(spec));
  const last = spec.layers.length - 1;
  const output = lossAndDelta(spec.loss, spec.layers[last]!, acts.z[last]!, acts.a[last]!, targets, rows, spec.huberDelta);
  let delta = output.delta;
  for (let l = last; l >= 0; l--) {
    const layer = spec.layers[l]!;
    const below = acts.masks[l - 1];
    const input = l === 0 ? x : below ? acts.a[l - 1]!.map((v, i) => v * below[i]!) : acts.a[l - 1]!;
    const { weights, bias } = layerOffsets(spec, l);
    // ∂L/∂W = inputᵀ·δ (+ the penalties' gradients)
    const dw = new Float64Array(layer.inputs * layer.units);
    gemm(true, false, layer.inputs, layer.units, rows, 1, input, layer.inputs, delta, layer.units, 0, dw, layer.units);
    for (let i = 0; i < dw.length; i++) {
      const w = params[weights + i]!;
      dw[i]! += layer.l1 * Math.sign(w) + 2 * layer.l2 * w;
    }
    grads.set(dw, weights);
    // ∂L/∂b = Σ_rows δ
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < layer.units; j++) grads[bias + j]! += delta[r * layer.units + j]!;
    }
    if (l === 0) break;
    // δ_{l−1} = (δ_l·W_lᵀ) ⊙ mask ⊙ f'(z_{l−1})
    const previousLayer = spec.layers[l - 1]!;
    const w = slice(params, weights, layer.inputs * layer.units);
    const previous = new Float64Array(rows * layer.inputs);
    gemm(false, true, rows, layer.inputs, layer.units, 1, delta, layer.units, w, layer.units, 0, previous, layer.inputs);
    if (below) for (let i = 0; i < previous.length; i++) previous[i]! *= below[i]!;
    activationBackward(previousLayer.activation, previousLayer.leakySlope, acts.z[l - 1]!, acts.a[l - 1]!, previous, rows, previousLayer.units);
    delta = previous;
  }
  return { loss: output.loss + (hasPenalty(spec) ? penalty(spec, params) : 0), grads };
}

/** ∂L/∂θ of the mean loss (plus penalties) over all rows, taken as one batch, without dropout. */
export function gradients(
  spec: ModelSpec,
  params: ArrayLike<number>,
  x: ArrayLike<number>,
  targets: ReferenceTargets,
  rows: number,
): { loss: number; grads: Float64Array } {
  return backward(spec, params, x, forward(spec, params, x, rows), targets, rows);
}

/** The batch-mean loss plus penalties: what finite differences perturb. */
export function loss(spec: ModelSpec, params: ArrayLike<number>, x: ArrayLike<number>, targets: ReferenceTargets, rows: number, dropoutStep = 0): number {
  const acts = forward(spec, params, x, rows, dropoutStep);
  const last = spec.layers.length - 1;
  return lossValue(spec.loss, acts.z[last]!, acts.a[last]!, targets, rows, outputSize(spec), spec.huberDelta) + penalty(spec, params);
}

/** As `Mlp::evaluate`: loss summed over rows, the metric sum, and the penalty. */
export function evaluate(
  spec: ModelSpec,
  params: ArrayLike<number>,
  x: ArrayLike<number>,
  targets: ReferenceTargets,
  rows: number,
): { lossSum: number; metric: number; penalty: number } {
  const acts = forward(spec, params, x, rows);
  const last = spec.layers.length - 1;
  const n = outputSize(spec);
  return {
    lossSum: lossValue(spec.loss, acts.z[last]!, acts.a[last]!, targets, rows, n, spec.huberDelta) * rows,
    metric: metricSum(spec.loss, acts.a[last]!, targets, rows, n),
    penalty: penalty(spec, params),
  };
}
