// SPDX-License-Identifier: MIT
// The activation × loss grid that gradient tests run over.
import { ACTIVATIONS, LOSS_INFO, LOSSES, type Activation, type Loss } from '../../src/spec.ts';

export interface GradientCase {
  readonly loss: Loss;
  readonly output: Activation;
  readonly hidden: Activation;
}

/**
 * Every pair that makes sense: a fused loss with the output activation it requires, and every
 * output activation with each regression loss. Hidden layers cycle through every activation, so
 * each one's derivative is exercised inside the network as well as at its output.
 */
export function gradientCases(): GradientCase[] {
  const cases: GradientCase[] = [];
  let i = 0;
  for (const loss of LOSSES) {
    const required = LOSS_INFO[loss].requiresActivation;
    const outputs = required ? [required] : ACTIVATIONS;
    for (const output of outputs) {
      for (const hidden of required ? ACTIVATIONS : [ACTIVATIONS[i++ % ACTIVATIONS.length]!]) {
        cases.push({ loss, output, hidden });
      }
    }
  }
  return cases;
}

/** Network shapes: [inputs, ...hidden, outputs] and a batch size. */
export const SHAPES = [
  { batch: 1, sizes: [3, 4, 2] },
  { batch: 7, sizes: [13, 7, 5] },
  { batch: 5, sizes: [6, 9, 8, 7, 3] }, // three hidden layers
] as const;

/** Layer options for `sizes`, hidden layers with `hidden` and the last with `output`. */
export function layersFor(sizes: readonly number[], c: GradientCase): { units: number; activation: Activation }[] {
  return sizes.slice(1).map((units, i) => ({ units, activation: i === sizes.length - 2 ? c.output : c.hidden }));
}
