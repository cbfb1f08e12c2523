// SPDX-License-Identifier: MIT
import { assertFiniteNumber, assertOptions } from '../validate.ts';
import { description, type Optimizer, type OptimizerDescription } from './optimizer.ts';

/** Options of {@link Adagrad}. */
export interface AdagradOptions {
  /** Step size η. @defaultValue 0.01 */
  learningRate?: number;
  /** @defaultValue 1e-10 */
  epsilon?: number;
}

/**
 * Adagrad (Duchi, Hazan & Singer, 2011), in PyTorch's form, with the accumulator starting at 0:
 *
 * ```text
 * s ← s + g²
 * θ ← θ − η·g / (√s + ε)
 * ```
 */
export class Adagrad implements Optimizer {
  readonly learningRate: number;
  readonly epsilon: number;
  readonly slotCount = 1;

  constructor(options: AdagradOptions = {}) {
    assertOptions(options, ['learningRate', 'epsilon'], 'Adagrad options');
    const { learningRate = 0.01, epsilon = 1e-10 } = options;
    assertFiniteNumber(learningRate, 'learningRate', Number.MIN_VALUE);
    assertFiniteNumber(epsilon, 'epsilon', Number.MIN_VALUE);
    this.learningRate = learningRate;
    this.epsilon = epsilon;
  }

  describe(): OptimizerDescription {
    return description('adagrad', this.learningRate, { epsilon: this.epsilon });
  }
}
