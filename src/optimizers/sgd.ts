// SPDX-License-Identifier: MIT
import { assertFiniteNumber, assertOptions } from '../validate.ts';
import type { Optimizer, OptimizerDescription } from './optimizer.ts';

/** Options of {@link SGD}. */
export interface SGDOptions {
  /**
   * Step size η.
   * @defaultValue 0.01
   */
  learningRate?: number;
  /**
   * Momentum μ in [0, 1); 0 is plain gradient descent.
   * @defaultValue 0
   */
  momentum?: number;
}

/**
 * Stochastic gradient descent with optional momentum, in PyTorch's form:
 *
 * ```text
 * v ← μ·v + g
 * θ ← θ − η·v          (μ = 0:  θ ← θ − η·g)
 * ```
 *
 * v starts at zero, so the first step is θ − η·g either way.
 *
 * @example
 * ```ts
 * new SGD({ learningRate: 0.01, momentum: 0.9 })
 * ```
 * @throws {@link FastpropError} `ERR_OUT_OF_RANGE` for a learning rate ≤ 0 or momentum outside [0, 1).
 */
export class SGD implements Optimizer {
  readonly learningRate: number;
  readonly momentum: number;

  constructor(options: SGDOptions = {}) {
    assertOptions(options, ['learningRate', 'momentum'], 'SGD options');
    const { learningRate = 0.01, momentum = 0 } = options;
    assertFiniteNumber(learningRate, 'learningRate', Number.MIN_VALUE);
    assertFiniteNumber(momentum, 'momentum', 0, 0.999999);
    this.learningRate = learningRate;
    this.momentum = momentum;
  }

  get slotCount(): number {
    return this.momentum === 0 ? 0 : 1;
  }

  describe(): OptimizerDescription {
    return { kind: 'sgd', learningRate: this.learningRate, momentum: this.momentum };
  }
}
