// SPDX-License-Identifier: MIT
/**
 * Rebuilds an optimizer from its plain description (as a model file stores it), through the
 * optimizers' own constructors, so every hyperparameter is validated again.
 * @internal
 */
import { FastpropError } from '../errors.ts';
import { Adagrad } from './adagrad.ts';
import { Adam, AdamW } from './adam.ts';
import type { Optimizer, OptimizerDescription } from './optimizer.ts';
import { RMSprop } from './rmsprop.ts';
import { SGD } from './sgd.ts';

export function optimizerFromDescription(d: OptimizerDescription): Optimizer {
  switch (d.kind) {
    case 'sgd': return new SGD({ learningRate: d.learningRate, momentum: d.momentum, nesterov: d.nesterov });
    case 'adam': return new Adam({ learningRate: d.learningRate, beta1: d.beta1, beta2: d.beta2, epsilon: d.epsilon });
    case 'adamw': return new AdamW({ learningRate: d.learningRate, beta1: d.beta1, beta2: d.beta2, epsilon: d.epsilon, weightDecay: d.weightDecay });
    case 'rmsprop': return new RMSprop({ learningRate: d.learningRate, rho: d.rho, momentum: d.momentum, epsilon: d.epsilon });
    case 'adagrad': return new Adagrad({ learningRate: d.learningRate, epsilon: d.epsilon });
    default: throw new FastpropError('ERR_INVALID_ARGUMENT', `Unknown optimizer kind ${JSON.stringify((d as { kind: unknown }).kind)}`);
  }
}
