// SPDX-License-Identifier: MIT
/**
 * Reference twin of `native/core/optimizer.cc`.
 *
 *   SGD (PyTorch's form):  v ← μ·v + g;   θ ← θ − η·v      (μ = 0: θ ← θ − η·g)
 * @internal
 */
import type { OptimizerDescription } from '../optimizers/optimizer.ts';

export function optimizerUpdate(
  optimizer: OptimizerDescription,
  params: Float32Array,
  grads: ArrayLike<number>,
  slots: readonly Float32Array[],
  _step: number,
): void {
  switch (optimizer.kind) {
    case 'sgd': {
      const { learningRate: lr, momentum: mu } = optimizer;
      if (mu === 0) {
        for (let i = 0; i < params.length; i++) params[i]! -= lr * grads[i]!;
        return;
      }
      const velocity = slots[0]!;
      for (let i = 0; i < params.length; i++) {
        velocity[i] = mu * velocity[i]! + grads[i]!;
        params[i]! -= lr * velocity[i]!;
      }
      return;
    }
  }
}
