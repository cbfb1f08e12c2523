// SPDX-License-Identifier: MIT
import { assertFiniteNumber, assertOptions } from '../validate.ts';
import { description, type Optimizer, type OptimizerDescription } from './optimizer.ts';

/** Options of {@link RMSprop}. */
export interface RMSpropOptions {
  /** Step size η. @defaultValue 0.01 */
  learningRate?: number;
  /** Decay α of the squared-gradient average, in [0, 1). @defaultValue 0.99 */
  rho?: number;
  /** Momentum μ in [0, 1). @defaultValue 0 */
  momentum?: number;
  /** @defaultValue 1e-8 */
  epsilon?: number;
}

/**
 * RMSprop (Hinton, Lecture 6e), in PyTorch's form:
 *
 * ```text
 * s ← α·s + (1 − α)·g²
 * θ ← θ − η·g / (√s + ε)          (momentum: b ← μ·b + g/(√s + ε),  θ ← θ − η·b)
 * ```
 */
export class RMSprop implements Optimizer {
  readonly learningRate: number;
  readonly rho: number;
  readonly momentum: number;
  readonly epsilon: number;

  constructor(options: RMSpropOptions = {}) {
    assertOptions(options, ['learningRate', 'rho', 'momentum', 'epsilon'], 'RMSprop options');
    const { learningRate = 0.01, rho = 0.99, momentum = 0, epsilon = 1e-8 } = options;
    assertFiniteNumber(learningRate, 'learningRate', Number.MIN_VALUE);
    assertFiniteNumber(rho, 'rho', 0, 0.999999);
    assertFiniteNumber(momentum, 'momentum', 0, 0.999999);
    assertFiniteNumber(epsilon, 'epsilon', Number.MIN_VALUE);
    this.learningRate = learningRate;
    this.rho = rho;
    this.momentum = momentum;
    this.epsilon = epsilon;
  }

  get slotCount(): number {
    return this.momentum === 0 ? 1 : 2;
  }

  describe(): OptimizerDescription {
    return description('rmsprop', this.learningRate, { rho: this.rho, momentum: this.momentum, epsilon: this.epsilon });
  }
}
