// SPDX-License-Identifier: MIT
/**
 * Reference twin of `native/core/mlp.cc`, in float64: forward and backward passes of a stack
 * of dense layers, one small step per operation.
 *
 *   forward   z_l = a_{l−1}·W_l + b_l,  a_l = f_l(z_l)           (a_0 = x)
 *   backward  δ_L = ∂L/∂z_L;  δ_{l−1} = (δ_l·W_lᵀ) ⊙ f'_{l−1}(z_{l−1})
 *             ∂L/∂W_l = a_{l−1}ᵀ·δ_l,   ∂L/∂b_l = Σ_rows δ_l
 * @internal
 */
import { layerOffsets, outputSize, parameterCount, type ModelSpec } from '../spec.ts';
import { activationBackward, activationForward } from './activations.ts';
import { gemm } from './gemm.ts';
import { countCorrect, lossAndDelta, lossValue, type ReferenceTargets } from './losses.ts';

export interface Activations {
  /** Pre-activations z_l, one [rows × units_l] block per layer. */
  readonly z: Float64Array[];
  /** Activations a_l = f_l(z_l). */
  readonly a: Float64Array[];
}

function slice(buffer: ArrayLike<number>, start: number, length: number): Float64Array {
  const out = new Float64Array(length);
  for (let i = 0; i < length; i++) out[i] = buffer[start + i]!;
  return out;
}

export function forward(spec: ModelSpec, params: ArrayLike<number>, x: ArrayLike<number>, rows: number): Activations {
  const z: Float64Array[] = [];
  const a: Float64Array[] = [];
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
  });
  return { z, a };
}

/** Gradients of the batch-mean loss for a batch whose forward pass is `acts`. */
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
    const input = l === 0 ? x : acts.a[l - 1]!;
    const { weights, bias } = layerOffsets(spec, l);
    // ∂L/∂W = inputᵀ·δ
    const dw = new Float64Array(layer.inputs * layer.units);
    gemm(true, false, layer.inputs, layer.units, rows, 1, input, layer.inputs, delta, layer.units, 0, dw, layer.units);
    grads.set(dw, weights);
    // ∂L/∂b = Σ_rows δ
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < layer.units; j++) grads[bias + j]! += delta[r * layer.units + j]!;
    }
    if (l === 0) break;
    // δ_{l−1} = (δ_l·W_lᵀ) ⊙ f'(z_{l−1})
    const below = spec.layers[l - 1]!;
    const w = slice(params, weights, layer.inputs * layer.units);
    const previous = new Float64Array(rows * layer.inputs);
    gemm(false, true, rows, layer.inputs, layer.units, 1, delta, layer.units, w, layer.units, 0, previous, layer.inputs);
    activationBackward(below.activation, below.leakySlope, acts.z[l - 1]!, acts.a[l - 1]!, previous, rows, below.units);
    delta = previous;
  }
  return { loss: output.loss, grads };
}

/** ∂L/∂θ of the mean loss over all rows, taken as one batch. */
export function gradients(
  spec: ModelSpec,
  params: ArrayLike<number>,
  x: ArrayLike<number>,
  targets: ReferenceTargets,
  rows: number,
): { loss: number; grads: Float64Array } {
  return backward(spec, params, x, forward(spec, params, x, rows), targets, rows);
}

/** The batch-mean loss alone: what finite differences perturb. */
export function loss(spec: ModelSpec, params: ArrayLike<number>, x: ArrayLike<number>, targets: ReferenceTargets, rows: number): number {
  const acts = forward(spec, params, x, rows);
  const last = spec.layers.length - 1;
  return lossValue(spec.loss, acts.z[last]!, acts.a[last]!, targets, rows, outputSize(spec), spec.huberDelta);
}

/** Loss summed over rows and right predictions, as in `Mlp::evaluate`. */
export function evaluate(
  spec: ModelSpec,
  params: ArrayLike<number>,
  x: ArrayLike<number>,
  targets: ReferenceTargets,
  rows: number,
): { lossSum: number; correct: number } {
  const acts = forward(spec, params, x, rows);
  const last = spec.layers.length - 1;
  const n = outputSize(spec);
  return {
    lossSum: lossValue(spec.loss, acts.z[last]!, acts.a[last]!, targets, rows, n, spec.huberDelta) * rows,
    correct: countCorrect(spec.loss, acts.a[last]!, targets, rows, n),
  };
}
