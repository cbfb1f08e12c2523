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
import { assertFiniteNumber, assertOneOf, assertOptions, assertPositiveInteger, invalidParameter } from '../validate.ts';

export interface LearningRateSchedule {
  /** Whether t counts optimizer steps or epochs. */
  readonly per: 'step' | 'epoch';
  /** The learning rate at t (from 0), given the optimizer's base rate. */
  rate(base: number, t: number): number;
}

type Per = { per?: 'step' | 'epoch' };

/** The schedules' options are required (each has a required key): undefined is named, not a TypeError. */
function checkOptions(options: unknown, known: readonly string[], name: string, example: string): asserts options is Record<string, unknown> {
  if (options === undefined) throw invalidParameter(`${name} options`, `an options object such as ${example}`, options);
  assertOptions(options, known, `${name} options`);
}

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
  checkOptions(options, ['every', 'factor', 'per'], 'stepDecay', '{ every: 10, factor: 0.5 }');
  const { every, factor } = options;
  assertPositiveInteger(every, 'every');
  assertFiniteNumber(factor, 'factor', 0, 1);
  const per = checkPer(options.per);
  return { per, rate: (base, t) => base * factor ** Math.floor(t / every) };
}

/** Multiplies the rate by `factor` at every step or epoch. */
export function exponentialDecay(options: { factor: number } & Per): LearningRateSchedule {
  checkOptions(options, ['factor', 'per'], 'exponentialDecay', '{ factor: 0.95 }');
  const { factor } = options;
  assertFiniteNumber(factor, 'factor', 0, 1);
  const per = checkPer(options.per);
  return { per, rate: (base, t) => base * factor ** t };
}

/** Cosine annealing from the base rate down to `minLearningRate` over `period` (Loshchilov & Hutter, SGDR). */
export function cosineAnnealing(options: { period: number; minLearningRate?: number } & Per): LearningRateSchedule {
  checkOptions(options, ['period', 'minLearningRate', 'per'], 'cosineAnnealing', '{ period: 20 }');
  const { period } = options;
  assertPositiveInteger(period, 'period');
  const min = options.minLearningRate ?? 0;
  assertFiniteNumber(min, 'minLearningRate', 0);
  const per = checkPer(options.per);
  // A weighted mean of base and min: no intermediate overflows, whatever their sizes.
  return {
    per,
    rate: (base, t) => {
      const w = (1 + Math.cos((Math.PI * Math.min(t, period)) / period)) / 2;
      return base * w + min * (1 - w);
    },
  };
}

/** Ramps the rate up linearly over the first `steps`, then follows `then` (counted from the end of the warm-up). */
export function linearWarmup(options: { steps: number; then?: LearningRateSchedule } & Per): LearningRateSchedule {
  checkOptions(options, ['steps', 'then', 'per'], 'linearWarmup', '{ steps: 100 }');
  const { steps } = options;
  assertPositiveInteger(steps, 'steps');
  const per = checkPer(options.per);
  const given: unknown = options.then;
  if (given !== undefined && (typeof given !== 'object' || given === null || typeof (given as { rate?: unknown }).rate !== 'function')) {
    throw invalidParameter('then', 'a learning-rate schedule such as cosineAnnealing({ period: 10 })', given);
  }
  const then = (given as LearningRateSchedule | undefined) ?? constant();
  if (given !== undefined) assertOneOf(then.per, ['step', 'epoch'] as const, 'then.per');
  if (then.per !== per && given !== undefined) {
    throw new FastpropError('ERR_INVALID_ARGUMENT', `linearWarmup counts per ${per} but its 'then' schedule counts per ${then.per}`);
  }
  return { per, rate: (base, t) => (t < steps ? (base * (t + 1)) / steps : then.rate(base, t - steps)) };
}
