// SPDX-License-Identifier: MIT
import { assertFiniteNumber, assertOptions } from '../validate.ts';
import { description, type Optimizer, type OptimizerDescription } from './optimizer.ts';

/** Options of {@link Adam} (and {@link AdamW}). */
export interface AdamOptions {
  /** Step size η. @defaultValue 0.001 */
  learningRate?: number;
  /** Decay of the first-moment average, in [0, 1). @defaultValue 0.9 */
  beta1?: number;
  /** Decay of the second-moment average, in [0, 1). @defaultValue 0.999 */
  beta2?: number;
  /** Added to √v̂ so the step stays finite. @defaultValue 1e-8 */
  epsilon?: number;
}

const ADAM_OPTIONS = ['learningRate', 'beta1', 'beta2', 'epsilon'] as const;

function checkAdam(options: AdamOptions, name: string, extra: readonly string[] = []) {
  assertOptions(options, [...ADAM_OPTIONS, ...extra], name);
  const { learningRate = 0.001, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8 } = options;
  assertFiniteNumber(learningRate, 'learningRate', Number.MIN_VALUE);
  assertFiniteNumber(beta1, 'beta1', 0, 0.999999);
  assertFiniteNumber(beta2, 'beta2', 0, 0.9999999);
  assertFiniteNumber(epsilon, 'epsilon', Number.MIN_VALUE);
  return { learningRate, beta1, beta2, epsilon };
}

/**
 * Adam (Kingma & Ba, 2015, https://arxiv.org/abs/1412.6980), with bias correction, in PyTorch's form:
 *
 * ```text
 * m ← β₁·m + (1 − β₁)·g          v ← β₂·v + (1 − β₂)·g²
 * θ ← θ − η·m̂ / (√v̂ + ε)        m̂ = m / (1 − β₁ᵗ),  v̂ = v / (1 − β₂ᵗ),  t = step from 1
 * ```
 */
export class Adam implements Optimizer {
  readonly learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly slotCount = 2;

  constructor(options: AdamOptions = {}) {
    ({ learningRate: this.learningRate, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon } = checkAdam(options, 'Adam options'));
  }

  describe(): OptimizerDescription {
    return description('adam', this.learningRate, { beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon });
  }
}

/** Options of {@link AdamW}. */
export interface AdamWOptions extends AdamOptions {
  /** Decoupled weight decay λ. @defaultValue 0.01 */
  weightDecay?: number;
}

/**
 * AdamW: Adam with decoupled weight decay (Loshchilov & Hutter, 2019,
 * https://arxiv.org/abs/1711.05101), as PyTorch applies it: θ ← θ·(1 − η·λ), then the Adam step.
 * Unlike an L2 penalty, the decay is not scaled by Adam's per-parameter step sizes.
 */
export class AdamW implements Optimizer {
  readonly learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly weightDecay: number;
  readonly slotCount = 2;

  constructor(options: AdamWOptions = {}) {
    ({ learningRate: this.learningRate, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon } = checkAdam(options, 'AdamW options', ['weightDecay']));
    const { weightDecay = 0.01 } = options;
    assertFiniteNumber(weightDecay, 'weightDecay', 0);
    this.weightDecay = weightDecay;
  }

  describe(): OptimizerDescription {
    return description('adamw', this.learningRate, { beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon, weightDecay: this.weightDecay });
  }
}
