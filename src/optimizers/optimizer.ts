// SPDX-License-Identifier: MIT
/**
 * The optimizer interface. An optimizer is a validated set of hyperparameters that describes
 * itself as a plain object for the backends, plus how many state buffers ("slots", each the size
 * of the parameters) it keeps. The update rules live in the backends (`native/core/optimizer.cc`
 * and its twin `src/reference/optimizers.ts`), so the model never changes when a rule is added.
 */

export type OptimizerKind = 'sgd' | 'adam' | 'adamw' | 'rmsprop' | 'adagrad';

/** The plain description the backends run: every key always present (unused ones are 0). */
export interface OptimizerDescription {
  readonly kind: OptimizerKind;
  readonly learningRate: number;
  readonly momentum: number;
  readonly nesterov: boolean;
  readonly beta1: number;
  readonly beta2: number;
  readonly rho: number;
  readonly epsilon: number;
  readonly weightDecay: number;
}

export interface Optimizer {
  /** The plain description of the update rule and its hyperparameters. */
  describe(): OptimizerDescription;
  /** How many state buffers the rule keeps (SGD with momentum: one, the velocity). */
  readonly slotCount: number;
}

/** A description with every key at its neutral value, for optimizers to override. */
export function description(kind: OptimizerKind, learningRate: number, rest: Partial<OptimizerDescription> = {}): OptimizerDescription {
  return { kind, learningRate, momentum: 0, nesterov: false, beta1: 0, beta2: 0, rho: 0, epsilon: 0, weightDecay: 0, ...rest };
}
