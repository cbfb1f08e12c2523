// SPDX-License-Identifier: MIT
/**
 * The optimizer interface. An optimizer is a validated set of hyperparameters that describes
 * itself as a plain object for the backends, plus how many state buffers ("slots", each the size
 * of the parameters) it needs. The update rules themselves live in the backends
 * (`native/core/optimizer.cc` and its twin `src/reference/optimizers.ts`), so adding Adam means
 * a new description kind and slots, never a change to the model.
 */

/** The plain description the backends run. */
export type OptimizerDescription = {
  readonly kind: 'sgd';
  readonly learningRate: number;
  readonly momentum: number;
};

export interface Optimizer {
  /** The plain description of the update rule and its hyperparameters. */
  describe(): OptimizerDescription;
  /** How many state buffers the rule keeps (SGD with momentum: one, the velocity). */
  readonly slotCount: number;
}
