// SPDX-License-Identifier: MIT
/**
 * Learning-rate schedules: the rate at a step (or epoch) as a function of the optimizer's base
 * learning rate. `per: 'step'` counts optimizer steps, `per: 'epoch'` counts epochs; both count
 * from 0 over the model's whole life (they continue across fit calls, so resuming is exact).
 *
 *   constant          η
 *   stepDecay         η·factor^⌊t / every⌋
 *   exponentialDecay  η·factor^t
 *   cosineAnnealing   η_min + (η − η_min)·(1 + cos(π·min(t, period)/period))/2   (SGDR without restarts)
 *   linearWarmup      η·(t + 1)/steps for t < steps, then `then` at t − steps (constant by default)
 */
import { FastpropError } from '../errors.ts';
import { assertFiniteNumber, assertOneOf, assertOptions, assertPositiveInteger } from '../validate.ts';

export interface LearningRateSchedule {
  /** Whether t counts optimizer steps or epochs. */
  readonly per: 'step' | 'epoch';
  /** The learning rate at t (from 0), given the optimizer's base rate. */
  rate(base: number, t: number): number;
}

type Per = { per?: 'step' | 'epoch' };

function checkPer(per: unknown): 'step' | 'epoch' {
  const value = per ?? 'epoch';
  assertOneOf(value, ['step', 'epoch'] as const, 'per');
  return value;
}

/** The optimizer's learning rate, unchanged. */
export function constant(): LearningRateSchedule {
  return { per: 'step', rate: (base) => base };
}

/** Multiplies the rate by `factor` every `every` steps or epochs. @example stepDecay({ every: 10, factor: 0.5 }) */
export function stepDecay(options: { every: number; factor: number } & Per): LearningRateSchedule {
  assertOptions(options, ['every', 'factor', 'per'], 'stepDecay options');
  assertPositiveInteger(options.every, 'every');
  assertFiniteNumber(options.factor, 'factor', 0, 1);
  const per = checkPer(options.per);
  return { per, rate: (base, t) => base * options.factor ** Math.floor(t / options.every) };
}

/** Multiplies the rate by `factor` at every step or epoch. */
export function exponentialDecay(options: { factor: number } & Per): LearningRateSchedule {
  assertOptions(options, ['factor', 'per'], 'exponentialDecay options');
  assertFiniteNumber(options.factor, 'factor', 0, 1);
  const per = checkPer(options.per);
  return { per, rate: (base, t) => base * options.factor ** t };
}

/** Cosine annealing from the base rate down to `minLearningRate` over `period` (Loshchilov & Hutter, SGDR). */
export function cosineAnnealing(options: { period: number; minLearningRate?: number } & Per): LearningRateSchedule {
  assertOptions(options, ['period', 'minLearningRate', 'per'], 'cosineAnnealing options');
  assertPositiveInteger(options.period, 'period');
  const min = options.minLearningRate ?? 0;
  assertFiniteNumber(min, 'minLearningRate', 0);
  const per = checkPer(options.per);
  return { per, rate: (base, t) => min + ((base - min) * (1 + Math.cos((Math.PI * Math.min(t, options.period)) / options.period))) / 2 };
}

/** Ramps the rate up linearly over the first `steps`, then follows `then` (counted from the end of the warm-up). */
export function linearWarmup(options: { steps: number; then?: LearningRateSchedule } & Per): LearningRateSchedule {
  assertOptions(options, ['steps', 'then', 'per'], 'linearWarmup options');
  assertPositiveInteger(options.steps, 'steps');
  const per = checkPer(options.per);
  const then = options.then ?? constant();
  if (then.per !== per && options.then !== undefined) {
    throw new FastpropError('ERR_INVALID_ARGUMENT', `linearWarmup counts per ${per} but its 'then' schedule counts per ${then.per}`);
  }
  return { per, rate: (base, t) => (t < options.steps ? (base * (t + 1)) / options.steps : then.rate(base, t - options.steps)) };
}
