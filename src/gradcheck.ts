// SPDX-License-Identifier: MIT
/**
 * gradCheck: holds a model's analytic gradients (from its own backend) against central finite
 * differences of the same loss computed in float64 by the reference implementation, and reports
 * the worst error per parameter tensor (PyTorch users know this as torch.autograd.gradcheck).
 */
import { datasetFor, Sequential } from './model.ts';
import { Random } from './random.ts';
import * as mlp from './reference/mlp.ts';
import { layerOffsets, LOSS_INFO } from './spec.ts';
import type { InputData, TargetData } from './tensor.ts';
import { assertFiniteNumber, assertOptions, assertPositiveInteger, invalidParameter } from './validate.ts';

export interface GradCheckOptions {
  /** Finite-difference step. @defaultValue 1e-5 */
  epsilon?: number;
  /** Check at most this many entries per tensor, chosen at random (seeded). @defaultValue 256 */
  maxPerTensor?: number;
  /** Seed of that choice. @defaultValue 0 */
  seed?: number;
}

export interface TensorCheck {
  readonly layer: number;
  readonly tensor: 'kernel' | 'bias';
  /** Entries compared. */
  readonly checked: number;
  /** max |analytic − numeric| / max |numeric| over the checked entries (the tensor's scale). */
  readonly maxRelativeError: number;
  readonly maxAbsoluteError: number;
}

export interface GradCheckResult {
  readonly tensors: TensorCheck[];
  /** The worst relative error of any tensor. */
  readonly maxRelativeError: number;
}

/**
 * Compares the model's gradients on (x, y) with finite differences.
 * @example
 * ```ts
 * const { maxRelativeError } = gradCheck(model, x, y);
 * if (maxRelativeError > 1e-4) throw new Error('gradients disagree');
 * ```
 */
export function gradCheck(model: Sequential, x: InputData, y: TargetData, options: GradCheckOptions = {}): GradCheckResult {
  if (!(model instanceof Sequential)) throw invalidParameter('model', 'a Sequential', model);
  assertOptions(options, ['epsilon', 'maxPerTensor', 'seed'], 'gradCheck options');
  const { epsilon = 1e-5, maxPerTensor = 256, seed = 0 } = options;
  assertFiniteNumber(epsilon, 'epsilon', Number.MIN_VALUE);
  assertPositiveInteger(maxPerTensor, 'maxPerTensor');
  assertFiniteNumber(seed, 'seed');

  const spec = model.spec;
  const { inputs: raw, targets } = datasetFor(spec, x, y);
  // model.gradients normalises its inputs; the finite differences must see the same inputs.
  const inputs = model.normalization ? { ...raw, data: model.normalization.apply(raw.data, raw.rows, raw.cols) } : raw;
  const referenceTargets = LOSS_INFO[spec.loss].labels ? { labels: targets } : { values: targets };
  const analytic = model.gradients(x, y);
  const params = Float64Array.from(model.getWeights().flatMap((layer) => [...layer.kernel, ...layer.bias]));
  const random = new Random(seed);
  const loss = () => mlp.loss(spec, params, inputs.data, referenceTargets, inputs.rows);

  const tensors: TensorCheck[] = [];
  spec.layers.forEach((layer, l) => {
    const offsets = layerOffsets(spec, l);
    for (const [tensor, offset, gradient] of [
      ['kernel', offsets.weights, analytic.layers[l]!.kernel],
      ['bias', offsets.bias, analytic.layers[l]!.bias],
    ] as const) {
      const indices = gradient.length <= maxPerTensor ? Array.from(gradient.keys()) : Array.from(random.permutation(gradient.length).subarray(0, maxPerTensor));
      let maxAbs = 0;
      let scale = 0;
      for (const i of indices) {
        const saved = params[offset + i]!;
        params[offset + i] = saved + epsilon;
        const up = loss();
        params[offset + i] = saved - epsilon;
        const down = loss();
        params[offset + i] = saved;
        const numeric = (up - down) / (2 * epsilon);
        maxAbs = Math.max(maxAbs, Math.abs(gradient[i]! - numeric));
        scale = Math.max(scale, Math.abs(numeric));
      }
      tensors.push({ layer: l, tensor, checked: indices.length, maxAbsoluteError: maxAbs, maxRelativeError: scale === 0 ? maxAbs : maxAbs / scale });
    }
  });
  return { tensors, maxRelativeError: Math.max(...tensors.map((t) => t.maxRelativeError)) };
}
