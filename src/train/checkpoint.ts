// SPDX-License-Identifier: MIT
/**
 * ModelCheckpoint: saves the model during fit, every N epochs and/or whenever a monitored metric
 * improves, with the atomic {@link Sequential.save}; a crash mid-save keeps the previous
 * checkpoint. A checkpoint holds the full training state, so loading it and fitting the
 * remaining epochs gives the same weights as a run that was never interrupted, bit for bit.
 */
import { FastpropError } from '../errors.ts';
import { assertBoolean, assertFiniteNumber, assertOneOf, assertOptions, assertPositiveInteger, invalidParameter } from '../validate.ts';
import { MONITORS, Monitored, type Callback, type EpochLogs, type Mode, type Monitor, type TrainingContext } from './callbacks.ts';

/** Options of {@link ModelCheckpoint}. */
export interface ModelCheckpointOptions {
  /**
   * Where to save. `{epoch}` is replaced by the number of epochs the model has completed (over
   * its life), e.g. `'checkpoints/model-{epoch}.fprop'`; without it each save replaces the last.
   */
  path: string;
  /** Save every this many epochs (of this fit). @defaultValue 1, unless `saveBestOnly` is set */
  every?: number;
  /** Save when the monitored metric improves on the best so far. @defaultValue false */
  saveBestOnly?: boolean;
  /** The metric `saveBestOnly` watches. @defaultValue 'valLoss' */
  monitor?: Monitor;
  /** 'min' for losses, 'max' for accuracy; 'auto' picks by name. @defaultValue 'auto' */
  mode?: Mode;
  /** The least change that counts as an improvement. @defaultValue 0 */
  minDelta?: number;
}

/**
 * Saves the model during fit (Keras' ModelCheckpoint, with atomic writes).
 * @example
 * ```ts
 * // Every 5 epochs, and the best validation loss to its own file:
 * await model.fit(x, y, {
 *   epochs: 100, validationSplit: 0.1,
 *   callbacks: [
 *     new ModelCheckpoint({ path: 'run/last.fprop', every: 5 }),
 *     new ModelCheckpoint({ path: 'run/best.fprop', saveBestOnly: true, monitor: 'valLoss' }),
 *   ],
 * });
 * // After a crash: continue where the last checkpoint stopped.
 * const resumed = await Sequential.load('run/last.fprop');
 * await resumed.fit(x, y, { epochs: 100 - resumed.epoch, validationSplit: 0.1 });
 * ```
 * @throws {@link FastpropError} for invalid options; during fit, `ERR_IO` if a save fails (which stops fit).
 */
export class ModelCheckpoint implements Callback {
  readonly #path: string;
  readonly #every: number;
  readonly #tracker: Monitored | undefined;
  /** Paths saved so far, in order. */
  readonly saved: string[] = [];

  constructor(options: ModelCheckpointOptions) {
    assertOptions(options, ['path', 'every', 'saveBestOnly', 'monitor', 'mode', 'minDelta'], 'ModelCheckpoint options');
    if (options === undefined) throw invalidParameter('ModelCheckpoint options', '{ path, every?, saveBestOnly? }', options);
    const { path, saveBestOnly = false, monitor = 'valLoss', mode = 'auto', minDelta = 0 } = options;
    if (typeof path !== 'string' || path.length === 0) throw invalidParameter('path', 'a file path', path);
    assertBoolean(saveBestOnly, 'saveBestOnly');
    const every = options.every ?? (saveBestOnly ? 0 : 1);
    if (options.every !== undefined) assertPositiveInteger(options.every, 'every');
    assertOneOf(monitor, MONITORS, 'monitor');
    assertOneOf(mode, ['min', 'max', 'auto'] as const, 'mode');
    assertFiniteNumber(minDelta, 'minDelta');
    if (every === 0 && !saveBestOnly) throw new FastpropError('ERR_INVALID_ARGUMENT', 'ModelCheckpoint needs every or saveBestOnly');
    this.#path = path;
    this.#every = every;
    this.#tracker = saveBestOnly ? new Monitored(monitor, mode, minDelta) : undefined;
  }

  async onEpochEnd(epoch: number, logs: EpochLogs, context: TrainingContext): Promise<void> {
    const due = this.#every > 0 && (epoch + 1) % this.#every === 0;
    const best = this.#tracker ? this.#tracker.improved(this.#tracker.value(logs)) : false;
    if (!due && !best) return;
    const path = this.#path.replaceAll('{epoch}', String(context.model.epoch));
    await context.model.save(path);
    this.saved.push(path);
  }
}
