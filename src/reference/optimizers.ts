// SPDX-License-Identifier: MIT
/**
 * Reference twin of `native/core/kernels/update.h` (the rules are written out in
 * `native/core/optimizer.h` and in each
 * optimizer's TSDoc). Arithmetic in float64; parameters and state stay float32, as in the model.
 * @internal
 */
import type { OptimizerDescription } from '../optimizers/optimizer.ts';

export function optimizerUpdate(
  optimizer: OptimizerDescription,
  params: Float32Array,
  grads: ArrayLike<number>,
  slots: readonly Float32Array[],
  step: number,
  learningRate = optimizer.learningRate,
): void {
  const lr = learningRate;
  const n = params.length;
  switch (optimizer.kind) {
    case 'sgd': {
      const mu = optimizer.momentum;
      if (mu === 0) {
        for (let i = 0; i < n; i++) params[i]! -= lr * grads[i]!;
        return;
      }
      const v = slots[0]!;
      for (let i = 0; i < n; i++) {
        v[i] = mu * v[i]! + grads[i]!;
        params[i]! -= lr * (optimizer.nesterov ? grads[i]! + mu * v[i]! : v[i]!);
      }
      return;
    }
    case 'adam':
    case 'adamw': {
      const { beta1: b1, beta2: b2, epsilon: eps } = optimizer;
      const [m, v] = [slots[0]!, slots[1]!];
      const correction1 = 1 - b1 ** step;
      const correction2 = 1 - b2 ** step;
      const decay = optimizer.kind === 'adamw' ? 1 - lr * optimizer.weightDecay : 1;
      for (let i = 0; i < n; i++) {
        m[i] = b1 * m[i]! + (1 - b1) * grads[i]!;
        v[i] = b2 * v[i]! + (1 - b2) * grads[i]! ** 2;
        params[i] = params[i]! * decay - (lr * (m[i]! / correction1)) / (Math.sqrt(v[i]! / correction2) + eps);
      }
      return;
    }
    case 'rmsprop': {
      const { rho, epsilon: eps, momentum: mu } = optimizer;
      const s = slots[0]!;
      for (let i = 0; i < n; i++) {
        s[i] = rho * s[i]! + (1 - rho) * grads[i]! ** 2;
        const scaled = grads[i]! / (Math.sqrt(s[i]!) + eps);
        if (mu === 0) {
          params[i]! -= lr * scaled;
        } else {
          slots[1]![i] = mu * slots[1]![i]! + scaled;
          params[i]! -= lr * slots[1]![i]!;
        }
      }
      return;
    }
    case 'adagrad': {
      const s = slots[0]!;
      for (let i = 0; i < n; i++) {
        s[i]! += grads[i]! ** 2;
        params[i]! -= (lr * grads[i]!) / (Math.sqrt(s[i]!) + optimizer.epsilon);
      }
      return;
    }
  }
}
