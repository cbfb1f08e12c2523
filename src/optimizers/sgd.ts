// SPDX-License-Identifier: MIT
import { FastpropError } from '../errors.ts';
import { assertBoolean, assertFiniteNumber, assertOptions } from '../validate.ts';
import { description, type Optimizer, type OptimizerDescription } from './optimizer.ts';

/** Options of {@link SGD}. */
export interface SGDOptions {
  /** Step size η. @defaultValue 0.01 */
  learningRate?: number;
  /** Momentum μ in [0, 1); 0 is plain gradient descent. @defaultValue 0 */
  momentum?: number;
  /** Nesterov momentum (needs momentum > 0). @defaultValue false */
  nesterov?: boolean;
}

/**
 * Stochastic gradient descent with optional (Nesterov) momentum, in PyTorch's form:
 *
 * ```text
 * v ← μ·v + g
 * θ ← θ − η·v                 (nesterov: θ ← θ − η·(g + μ·v);  μ = 0: θ ← θ − η·g)
 * ```
 *
 * v starts at zero, so the first step is θ − η·g (or θ − η·(1+μ)·g with Nesterov).
 *
 * @example
 * ```ts
 * new SGD({ learningRate: 0.01, momentum: 0.9, nesterov: true })
 * ```
 * @throws {@link FastpropError} `ERR_OUT_OF_RANGE` for a learning rate ≤ 0 or momentum outside [0, 1).
 */
export class SGD implements Optimizer {
  readonly learningRate: number;
  readonly momentum: number;
  readonly nesterov: boolean;

  constructor(options: SGDOptions = {}) {
    assertOptions(options, ['learningRate', 'momentum', 'nesterov'], 'SGD options');
    const { learningRate = 0.01, momentum = 0, nesterov = false } = options;
    assertFiniteNumber(learningRate, 'learningRate', Number.MIN_VALUE);
    assertFiniteNumber(momentum, 'momentum', 0, 0.999999);
    assertBoolean(nesterov, 'nesterov');
    if (nesterov && momentum === 0) {
      throw new FastpropError('ERR_INVALID_ARGUMENT', 'Nesterov momentum needs momentum > 0 (help: new SGD({ momentum: 0.9, nesterov: true }))');
    }
    this.learningRate = learningRate;
    this.momentum = momentum;
    this.nesterov = nesterov;
  }

  get slotCount(): number {
    return this.momentum === 0 ? 0 : 1;
  }

  describe(): OptimizerDescription {
    return description('sgd', this.learningRate, { momentum: this.momentum, nesterov: this.nesterov });
  }
}
