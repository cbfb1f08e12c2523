// SPDX-License-Identifier: MIT
/**
 * Training callbacks: hooks the loop awaits at the start and end of training, of every epoch
 * and (when a callback asks for them) of every batch. They can read the history so far, stop
 * training, and scale the learning rate.
 */
import { FastpropError } from '../errors.ts';
import { assertFiniteNumber, assertOneOf, assertOptions } from '../validate.ts';
import type { LayerWeights, Sequential } from '../model.ts';

/** What one epoch reports (validation entries when there is validation data). */
export interface EpochLogs {
  /** 0-based index of the epoch within this fit. */
  readonly epoch: number;
  /** Mean training loss over the epoch's batches (with L1/L2 penalties), weighted by batch size. */
  readonly loss: number;
  /** Training accuracy, for classification losses. */
  readonly accuracy?: number;
  /** Training mean absolute error, for regression losses. */
  readonly mae?: number;
  readonly valLoss?: number;
  readonly valAccuracy?: number;
  readonly valMae?: number;
  /** The learning rate of the epoch's last step. */
  readonly learningRate: number;
  /** Wall time of the epoch in seconds. */
  readonly seconds: number;
}

/** What one batch reports. */
export interface BatchLogs {
  /** 0-based index of the batch within its epoch. */
  readonly batch: number;
  /** Rows in the batch. */
  readonly size: number;
  readonly loss: number;
  readonly accuracy?: number;
  readonly mae?: number;
}

/** Per-epoch series; each array has one entry per completed epoch. */
export interface History {
  readonly loss: number[];
  readonly accuracy?: number[];
  readonly mae?: number[];
  readonly valLoss?: number[];
  readonly valAccuracy?: number[];
  readonly valMae?: number[];
  readonly learningRate: number[];
  readonly seconds: number[];
}

/** The metric names a callback can monitor. */
export type Monitor = 'loss' | 'accuracy' | 'mae' | 'valLoss' | 'valAccuracy' | 'valMae';
export const MONITORS: readonly Monitor[] = ['loss', 'accuracy', 'mae', 'valLoss', 'valAccuracy', 'valMae'];

/** What callbacks can see and do. */
export interface TrainingContext {
  /** The history so far. */
  readonly history: History;
  /** Ends training after the current batch (or at once, between epochs). */
  stopTraining(): void;
  /** Multiplies every scheduled learning rate from now on (ReduceLROnPlateau lowers it). */
  learningRateScale: number;
  /** Copies of the current weights, and a way to put saved ones back. */
  getWeights(): LayerWeights[];
  setWeights(weights: readonly LayerWeights[]): void;
  /**
   * The model being trained. Between batches it may be read and saved (`model.save`), which is
   * what {@link ModelCheckpoint} does; it cannot be fitted again or disposed meanwhile.
   */
  readonly model: Sequential;
}

/** Hooks awaited by `fit`; implement any subset. Batch hooks make fit run one batch per native call. */
export interface Callback {
  onTrainBegin?(context: TrainingContext): void | Promise<void>;
  onEpochBegin?(epoch: number, context: TrainingContext): void | Promise<void>;
  onBatchBegin?(batch: number, context: TrainingContext): void | Promise<void>;
  onBatchEnd?(batch: number, logs: BatchLogs, context: TrainingContext): void | Promise<void>;
  onEpochEnd?(epoch: number, logs: EpochLogs, context: TrainingContext): void | Promise<void>;
  onTrainEnd?(context: TrainingContext): void | Promise<void>;
}

/** The hooks a {@link Callback} may implement. */
export const CALLBACK_HOOKS = ['onTrainBegin', 'onEpochBegin', 'onBatchBegin', 'onBatchEnd', 'onEpochEnd', 'onTrainEnd'] as const;

/** Whether lower ('min') or higher ('max') is better; 'auto': max for accuracies, else min. */
export type Mode = 'min' | 'max' | 'auto';

/**
 * Tracks the best value of a monitored metric, with a minimum improvement.
 * @internal
 */
export class Monitored {
  readonly #monitor: Monitor;
  readonly #minDelta: number;
  readonly #sign: number;
  best = Infinity;

  constructor(monitor: Monitor, mode: Mode, minDelta: number) {
    this.#monitor = monitor;
    this.#minDelta = Math.abs(minDelta);
    const max = mode === 'max' || (mode === 'auto' && monitor.toLowerCase().includes('accuracy'));
    this.#sign = max ? -1 : 1; // compare −accuracy as a loss
  }

  /** The monitored value from the logs, or a clear error when the fit does not produce it. */
  value(logs: EpochLogs): number {
    const value = logs[this.#monitor];
    if (value === undefined) {
      throw new FastpropError(
        'ERR_INVALID_ARGUMENT',
        `Cannot monitor '${this.#monitor}': this fit does not report it` +
          (this.#monitor.startsWith('val') ? ' (help: pass validationData or validationSplit to fit)' : ''),
      );
    }
    return value;
  }

  /** True (and records it) when `value` beats the best by more than minDelta. */
  improved(value: number): boolean {
    const signed = this.#sign * value;
    if (signed < this.best - this.#minDelta) {
      this.best = signed;
      return true;
    }
    return false;
  }
}

export interface EarlyStoppingOptions {
  /** @defaultValue 'valLoss' */
  monitor?: Monitor;
  /** Epochs without improvement before stopping. @defaultValue 0 */
  patience?: number;
  /** The least change that counts as an improvement. @defaultValue 0 */
  minDelta?: number;
  /** 'min' for losses, 'max' for accuracy; 'auto' picks by name. @defaultValue 'auto' */
  mode?: Mode;
  /** At the end of training, put back the weights of the best epoch. @defaultValue false */
  restoreBestWeights?: boolean;
}

/**
 * Stops training when the monitored metric has not improved by more than `minDelta` for
 * `patience` epochs (Keras' EarlyStopping). With `restoreBestWeights`, training ends on the
 * weights of the best epoch, however it ends.
 */
export class EarlyStopping implements Callback {
  readonly #tracker: Monitored;
  readonly #patience: number;
  readonly #restore: boolean;
  #wait = 0;
  #bestWeights: LayerWeights[] | undefined;
  /** The epoch (within the fit) at which training was stopped, if it was. */
  stoppedEpoch: number | undefined;

  constructor(options: EarlyStoppingOptions = {}) {
    assertOptions(options, ['monitor', 'patience', 'minDelta', 'mode', 'restoreBestWeights'], 'EarlyStopping options');
    const { monitor = 'valLoss', patience = 0, minDelta = 0, mode = 'auto', restoreBestWeights = false } = options;
    assertOneOf(monitor, MONITORS, 'monitor');
    assertFiniteNumber(patience, 'patience', 0);
    assertFiniteNumber(minDelta, 'minDelta');
    assertOneOf(mode, ['min', 'max', 'auto'] as const, 'mode');
    this.#tracker = new Monitored(monitor, mode, minDelta);
    this.#patience = patience;
    this.#restore = restoreBestWeights;
  }

  onEpochEnd(epoch: number, logs: EpochLogs, context: TrainingContext): void {
    if (this.#tracker.improved(this.#tracker.value(logs))) {
      this.#wait = 0;
      if (this.#restore) this.#bestWeights = context.getWeights();
      return;
    }
    this.#wait++;
    if (this.#wait > this.#patience) {
      this.stoppedEpoch = epoch;
      context.stopTraining();
    }
  }

  onTrainEnd(context: TrainingContext): void {
    if (this.#restore && this.#bestWeights) context.setWeights(this.#bestWeights);
  }
}

export interface ReduceLROnPlateauOptions {
  /** @defaultValue 'valLoss' */
  monitor?: Monitor;
  /** Multiplier applied on a plateau. @defaultValue 0.1 */
  factor?: number;
  /** Epochs without improvement before reducing. @defaultValue 10 */
  patience?: number;
  /** @defaultValue 1e-4 */
  minDelta?: number;
  /** Epochs to wait after a reduction before counting again. @defaultValue 0 */
  cooldown?: number;
  /** The scale never takes the rate below this. @defaultValue 0 */
  minLearningRate?: number;
  /** @defaultValue 'auto' */
  mode?: Mode;
}

/** Multiplies the learning rate by `factor` when the monitored metric plateaus (Keras' ReduceLROnPlateau). */
export class ReduceLROnPlateau implements Callback {
  readonly #tracker: Monitored;
  readonly #factor: number;
  readonly #patience: number;
  readonly #cooldown: number;
  readonly #min: number;
  #wait = 0;
  #cooling = 0;

  constructor(options: ReduceLROnPlateauOptions = {}) {
    assertOptions(options, ['monitor', 'factor', 'patience', 'minDelta', 'cooldown', 'minLearningRate', 'mode'], 'ReduceLROnPlateau options');
    const { monitor = 'valLoss', factor = 0.1, patience = 10, minDelta = 1e-4, cooldown = 0, minLearningRate = 0, mode = 'auto' } = options;
    assertOneOf(monitor, MONITORS, 'monitor');
    assertFiniteNumber(factor, 'factor', 0, 0.999999);
    assertFiniteNumber(patience, 'patience', 0);
    assertFiniteNumber(cooldown, 'cooldown', 0);
    assertFiniteNumber(minLearningRate, 'minLearningRate', 0);
    assertFiniteNumber(minDelta, 'minDelta');
    assertOneOf(mode, ['min', 'max', 'auto'] as const, 'mode');
    this.#tracker = new Monitored(monitor, mode, minDelta);
    this.#factor = factor;
    this.#patience = patience;
    this.#cooldown = cooldown;
    this.#min = minLearningRate;
  }

  onEpochEnd(_epoch: number, logs: EpochLogs, context: TrainingContext): void {
    if (this.#cooling > 0) this.#cooling--;
    if (this.#tracker.improved(this.#tracker.value(logs))) {
      this.#wait = 0;
      return;
    }
    if (this.#cooling > 0) return;
    // Already at the floor (logged rates are float32): nothing left to reduce.
    if (logs.learningRate <= this.#min * (1 + 1e-6)) return;
    if (++this.#wait > this.#patience) {
      const lowest = logs.learningRate > 0 ? this.#min / (logs.learningRate / context.learningRateScale) : 0;
      context.learningRateScale = Math.max(context.learningRateScale * this.#factor, lowest);
      this.#cooling = this.#cooldown;
      this.#wait = 0;
    }
  }
}
