// SPDX-License-Identifier: MIT
/**
 * The epoch loop. It owns shuffling (so both backends see the same batches from the same seed)
 * and learning-rate schedules (turned into one rate per batch), hands whole runs of batches to
 * the backend — one native call per epoch, never one per batch unless a callback asks for batch
 * hooks — and turns per-batch results into per-epoch logs, validation and callbacks.
 *
 * Tiny datasets (XOR's four rows) would spend their time crossing into native code, so when
 * nothing needs to run between epochs (no callbacks, no validation, no per-epoch schedule),
 * several epochs go in one call until it covers about {@link ROWS_PER_CALL} rows. The batches,
 * their order and their steps are the same either way, so the result is bit for bit the same.
 * @internal
 */
import { batchesPerEpoch, type Backend, type TargetBuffer, type TrainJob, type TrainResult } from '../backend/backend.ts';
import { FastpropError } from '../errors.ts';
import type { Optimizer } from '../optimizers/optimizer.ts';
import type { Random } from '../random.ts';
import type { LayerWeights, Sequential } from '../model.ts';
import type { Callback, EpochLogs, History, TrainingContext } from './callbacks.ts';
import type { LearningRateSchedule } from './schedules.ts';

/**
 * Rows of grouped epochs per native call. Each call costs a hop to a worker thread and back, a
 * copy of the parameters (for rollback, made on the worker thread) and fresh per-batch arrays
 * (≤ 65,536 batches: about 1.5 MB at batch size 1). At 8,192, XOR's 10,000 epochs of 4 rows
 * took 5 calls; in 1 call the fit took 0.92× the time (same process, alternating; the bench's
 * XOR case).
 */
export const ROWS_PER_CALL = 65_536;

/** Raised when training stops before its end for a reason other than a callback's request. */
export class TrainingInterruptedError extends FastpropError {
  override name = 'FastpropError';
  /** The history of the epochs that completed. */
  readonly history: History;

  constructor(code: 'ERR_ABORTED' | 'ERR_NON_FINITE_LOSS', message: string, history: History, cause?: unknown) {
    super(code, message, cause === undefined ? {} : { cause });
    this.history = history;
  }
}

/** A dataset as the backends take it. */
export interface LoopData {
  readonly x: Float32Array;
  readonly targets: TargetBuffer;
  readonly rows: number;
}

export interface TrainingState {
  readonly backend: Backend;
  /** Runs a job on the backend (the model wraps it to mark the call in flight). */
  readonly train: (job: TrainJob) => Promise<TrainResult>;
  readonly params: Float32Array;
  readonly grads: Float32Array;
  readonly slots: readonly Float32Array[];
  readonly optimizer: Optimizer;
  /** Optimizer steps and epochs taken over the model's life; advanced by the loop. */
  step: number;
  epoch: number;
  readonly getWeights: () => LayerWeights[];
  readonly setWeights: (weights: readonly LayerWeights[]) => void;
  /** The model being trained, for callbacks (e.g. to save checkpoints). */
  readonly model: Sequential;
}

export interface LoopOptions {
  readonly epochs: number;
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly random: Random;
  readonly validation?: LoopData | undefined;
  readonly callbacks: readonly Callback[];
  readonly schedule?: LearningRateSchedule | undefined;
  readonly clipValue: number;
  readonly clipNorm: number;
  readonly signal?: AbortSignal | undefined;
  /** Kind of per-epoch metric: 'accuracy' out of `metricPerRow` per row, 'mae', or none. */
  readonly metric: 'accuracy' | 'mae' | undefined;
  readonly metricPerRow: number;
}

export function emptyHistory(options: Pick<LoopOptions, 'metric' | 'validation'>): History {
  const withMetric = (key: 'accuracy' | 'mae') => (options.metric === key ? { [key]: [] as number[] } : {});
  return {
    loss: [],
    ...withMetric('accuracy'),
    ...withMetric('mae'),
    ...(options.validation ? { valLoss: [], ...(options.metric ? { [`val${options.metric === 'mae' ? 'Mae' : 'Accuracy'}`]: [] } : {}) } : {}),
    learningRate: [],
    seconds: [],
  };
}

/** What both training loops (this one and stream-loop.ts) set up the same way. */
export interface TrainingSession {
  readonly history: History;
  readonly historyKeys: readonly (keyof History)[];
  /** What callbacks see; its stopTraining() sets stopRequested. */
  readonly context: TrainingContext;
  readonly stopRequested: boolean;
  /** The learning rate of a step: the schedule over the optimizer's rate, times the callbacks' scale. */
  rateAt(step: number, epoch: number): number;
  /** The error an abort ends training with. */
  aborted(batchesDone: number, epoch: number): TrainingInterruptedError;
  /** Unhooks the abort signal; call when training ends, however it ends. */
  end(): void;
}

export function beginTraining(state: TrainingState, options: LoopOptions): TrainingSession {
  const history = emptyHistory(options);
  let stopRequested = false;
  const context: TrainingContext = {
    history,
    stopTraining: () => {
      stopRequested = true;
    },
    learningRateScale: 1,
    getWeights: state.getWeights,
    setWeights: state.setWeights,
    model: state.model,
  };
  const base = state.optimizer.describe().learningRate;
  const onAbort = () => state.backend.cancel();
  options.signal?.addEventListener('abort', onAbort);
  return {
    history,
    historyKeys: Object.keys(history) as (keyof History)[],
    context,
    get stopRequested() {
      return stopRequested;
    },
    rateAt(step, epoch) {
      const schedule = options.schedule;
      const rate = schedule ? schedule.rate(base, schedule.per === 'step' ? step : epoch) : base;
      return Math.fround(rate * context.learningRateScale);
    },
    aborted: (batchesDone, epoch) =>
      new TrainingInterruptedError(
        'ERR_ABORTED',
        `Training was aborted in epoch ${epoch + 1} after ${batchesDone} of its batches; the model keeps the weights of the last completed batch`,
        history,
        options.signal?.reason,
      ),
    end: () => options.signal?.removeEventListener('abort', onAbort),
  };
}

export async function runTraining(state: TrainingState, data: LoopData, options: LoopOptions): Promise<History> {
  const { rows } = data;
  const { batchSize, callbacks } = options;
  const perEpoch = batchesPerEpoch(rows, batchSize);
  const session = beginTraining(state, options);
  const { history, historyKeys, context, rateAt, aborted } = session;
  const batchHooks = callbacks.some((c) => c.onBatchBegin || c.onBatchEnd);
  const groupEpochs = callbacks.length === 0 && !options.validation && options.schedule?.per !== 'epoch';
  const epochsPerCall = groupEpochs ? Math.max(1, Math.floor(ROWS_PER_CALL / rows)) : 1;

  let failure: TrainingInterruptedError | undefined;
  try {
    for (const c of callbacks) await c.onTrainBegin?.(context);
    for (let first = 0; first < options.epochs && !session.stopRequested; first += epochsPerCall) {
      if (options.signal?.aborted) throw aborted(0, first);
      const epochs = Math.min(epochsPerCall, options.epochs - first);
      for (const c of callbacks) await c.onEpochBegin?.(first, context);
      const order = epochOrder(options, rows, epochs);
      const started = performance.now();
      const losses = new Float64Array(epochs * perEpoch);
      const metrics = new Float64Array(epochs * perEpoch);
      const rates = new Float32Array(epochs * perEpoch);
      // Batch hooks need a call per batch; otherwise the whole run goes in one call.
      const callSize = batchHooks ? 1 : epochs * perEpoch;
      let done = 0; // batches of this run whose update was applied
      for (let firstBatch = 0; firstBatch < epochs * perEpoch && !session.stopRequested; firstBatch += callSize) {
        const batchCount = Math.min(callSize, epochs * perEpoch - firstBatch);
        const learningRates = new Float32Array(batchCount);
        if (!options.schedule) {
          learningRates.fill(rateAt(state.step, state.epoch)); // the same rate for every step
        } else {
          for (let i = 0; i < batchCount; i++) {
            const epoch = state.epoch + Math.floor((firstBatch + i) / perEpoch);
            learningRates[i] = rateAt(state.step + i, epoch);
          }
        }
        if (batchHooks) for (const c of callbacks) await c.onBatchBegin?.(firstBatch % perEpoch, context);
        const job = (count: number, rates: Float32Array): TrainJob => ({
          params: state.params, grads: state.grads, slots: state.slots, optimizer: state.optimizer.describe(),
          firstStep: state.step + 1, learningRates: rates, clipValue: options.clipValue, clipNorm: options.clipNorm,
          x: data.x, targets: data.targets, datasetRows: rows, order, epochRows: rows, epochs, batchSize,
          firstBatch, batchCount: count,
        });
        const { result, applied } = await trainWithRollback(state, job, batchCount, learningRates);
        losses.set(result.batchLoss.subarray(0, applied), firstBatch);
        metrics.set(result.batchMetric.subarray(0, applied), firstBatch);
        rates.set(learningRates.subarray(0, applied), firstBatch);
        state.step += applied;
        done += applied;
        const bad = firstBatch + applied;
        const where = `epoch ${first + Math.floor(bad / perEpoch) + 1}, batch ${(bad % perEpoch) + 1}`;
        failure = result.stopReason === 'cancelled' ? aborted(bad % perEpoch, first + Math.floor(bad / perEpoch))
          : nonFiniteFailure(result, applied, where, history);
        if (failure) break;
        if (batchHooks) {
          const b = firstBatch % perEpoch;
          const size = Math.min(batchSize, rows - b * batchSize);
          const metric = options.metric === 'accuracy' ? { accuracy: metrics[firstBatch]! / (size * options.metricPerRow) }
            : options.metric === 'mae' ? { mae: metrics[firstBatch]! / (size * options.metricPerRow) } : {};
          for (const c of callbacks) await c.onBatchEnd?.(b, { batch: b, size, loss: losses[firstBatch]!, ...metric }, context);
          if (options.signal?.aborted) {
            failure = aborted(b + 1, first);
            break;
          }
        }
      }
      const seconds = (performance.now() - started) / 1000 / epochs;
      // Training may have stopped mid-epoch: that epoch gets no log.
      const completed = Math.floor(done / perEpoch);
      if (groupEpochs) {
        recordGroupedEpochs(history, options, { losses, metrics, rates, completed, perEpoch, rows, batchSize, seconds });
        state.epoch += completed;
        if (failure) throw failure;
        continue;
      }
      for (let e = 0; e < completed; e++) {
        let lossSum = 0;
        let metricSum = 0;
        for (let b = 0; b < perEpoch; b++) {
          const size = Math.min(batchSize, rows - b * batchSize);
          lossSum += losses[e * perEpoch + b]! * size;
          metricSum += metrics[e * perEpoch + b]!;
        }
        const loss = lossSum / rows;
        const metric = metricSum / (rows * options.metricPerRow);
        const rate = rates[(e + 1) * perEpoch - 1]!;
        state.epoch++;
        const logs = epochLogs(state, options, first + e, loss, metric, rate, seconds);
        record(history, historyKeys, logs);
        for (const c of callbacks) await c.onEpochEnd?.(first + e, logs, context);
      }
      if (failure) throw failure;
    }
    for (const c of callbacks) await c.onTrainEnd?.(context);
    return history;
  } finally {
    session.end();
  }
}

/** The row order of `epochs` epochs, one after the other: each a fresh permutation, or 0…rows−1. */
function epochOrder(options: Pick<LoopOptions, 'shuffle' | 'random'>, rows: number, epochs: number): Uint32Array {
  const order = new Uint32Array(epochs * rows);
  if (options.shuffle) {
    for (let e = 0; e < epochs; e++) order.set(options.random.permutation(rows), e * rows);
    return order;
  }
  // Unshuffled: the first epoch, then copies of what is filled so far, doubling (XOR's 10,000
  // epochs of 4 rows were 40,000 stores one by one: 0.28 ms of a 15 ms fit).
  for (let i = 0; i < rows; i++) order[i] = i;
  for (let filled = rows; filled < order.length; filled *= 2) {
    order.copyWithin(filled, 0, Math.min(filled, order.length - filled));
  }
  return order;
}

/**
 * The history entries of a run of grouped epochs. Nothing reads a log object then (no callbacks,
 * no validation), so the values go straight into the history, without an object per epoch: with
 * thousands of tiny epochs in one call (XOR), per-epoch objects were most of the cost.
 */
function recordGroupedEpochs(
  history: History, options: Pick<LoopOptions, 'metric' | 'metricPerRow'>,
  run: { losses: Float64Array; metrics: Float64Array; rates: Float32Array; completed: number; perEpoch: number; rows: number; batchSize: number; seconds: number },
): void {
  const { losses, metrics, rates, completed, perEpoch, rows, batchSize, seconds } = run;
  const metricHistory = options.metric ? history[options.metric]! : undefined;
  const metricRows = rows * options.metricPerRow;
  // Each history array is written in a pass of its own, by index (not push): for 10,000 tiny
  // epochs (XOR), interleaved pushes onto four arrays cost ~0.5 ms more of an ~8 ms run.
  const base = history.loss.length;
  const loss = history.loss, learningRate = history.learningRate, perSecond = history.seconds;
  for (let e = 0; e < completed; e++) {
    let lossSum = 0;
    for (let b = 0, at = e * perEpoch; b < perEpoch; b++, at++) {
      lossSum += losses[at]! * Math.min(batchSize, rows - b * batchSize);
    }
    loss[base + e] = lossSum / rows;
  }
  if (metricHistory) {
    const metricBase = metricHistory.length;
    for (let e = 0; e < completed; e++) {
      let metricSum = 0;
      for (let at = e * perEpoch; at < (e + 1) * perEpoch; at++) metricSum += metrics[at]!;
      metricHistory[metricBase + e] = metricSum / metricRows;
    }
  }
  const rateBase = learningRate.length, secondsBase = perSecond.length;
  for (let e = 0; e < completed; e++) learningRate[rateBase + e] = rates[(e + 1) * perEpoch - 1]!;
  for (let e = 0; e < completed; e++) perSecond[secondsBase + e] = seconds;
}

export function epochLogs(state: TrainingState, options: Pick<LoopOptions, 'metric' | 'metricPerRow' | 'validation'>, epoch: number, loss: number, metric: number, learningRate: number, seconds: number): EpochLogs {
  // Built by assignment: with thousands of tiny epochs (XOR) this runs once per few microseconds.
  const logs: { -readonly [K in keyof EpochLogs]: EpochLogs[K] } = { epoch, loss, learningRate, seconds };
  if (options.metric) logs[options.metric] = metric;
  if (options.validation) {
    const v = options.validation;
    const result = state.backend.evaluate(state.params, v.x, v.targets, v.rows);
    logs.valLoss = result.lossSum / v.rows + result.penalty;
    const valMetric = result.metric / (v.rows * options.metricPerRow);
    if (options.metric === 'accuracy') logs.valAccuracy = valMetric;
    if (options.metric === 'mae') logs.valMae = valMetric;
  }
  return logs;
}

export function record(history: History, keys: readonly (keyof History)[], logs: EpochLogs): void {
  for (const key of keys) {
    const value = logs[key];
    if (value !== undefined) history[key]!.push(value);
  }
}

/**
 * The rollback copies of a model's parameters and optimizer slots, one set per parameter buffer,
 * reused from call to call: a fresh copy per native call (4.3 MB for the 784-512-256-10 MLP with
 * momentum) was an allocation, and garbage, on the event loop every time. The backend fills them
 * (TrainJob.rollback): the native one on its worker thread, where the copy costs the event loop
 * nothing.
 */
const rollbackCopies = new WeakMap<Float32Array, Float32Array[]>();

function rollbackBuffers(state: TrainingState): Float32Array[] {
  const sources = [state.params, ...state.slots];
  let copies = rollbackCopies.get(state.params);
  if (!copies || copies.length !== sources.length || copies.some((copy, i) => copy.length !== sources[i]!.length)) {
    copies = sources.map((source) => new Float32Array(source.length));
    rollbackCopies.set(state.params, copies);
  }
  return copies;
}

/**
 * Runs one training call. The update of a batch whose weights become non-finite cannot be undone
 * in place, so the call keeps what to restore (one copy of the parameters and slots) and, if
 * that happens, goes back to the start of the call and replays the good batches: training is
 * deterministic, so this lands exactly on the weights from before the bad step.
 * @returns the backend's result and the number of batches whose update was kept.
 */
export async function trainWithRollback(
  state: TrainingState, job: (count: number, rates: Float32Array) => TrainJob, batchCount: number, learningRates: Float32Array,
): Promise<{ result: TrainResult; applied: number }> {
  // A model trains one call at a time (a second fit throws while it is busy), so its copies are
  // never in use twice.
  const saved = rollbackBuffers(state);
  const result = await state.train({ ...job(batchCount, learningRates), rollback: saved });
  let applied = result.batchesDone;
  if (result.stopReason === 'nonFiniteWeights') {
    state.params.set(saved[0]!);
    state.slots.forEach((slot, i) => slot.set(saved[i + 1]!));
    applied = result.batchesDone - 1;
    if (applied > 0) await state.train(job(applied, learningRates.subarray(0, applied)));
  }
  return { result, applied };
}

/** The error for a call that stopped on a non-finite loss or update (`where` names the batch), if it did. */
export function nonFiniteFailure(result: TrainResult, applied: number, where: string, history: History): TrainingInterruptedError | undefined {
  const help = 'training stopped and the weights from before that step are kept (help: lower the learning rate, or clip gradients with clipNorm)';
  if (result.stopReason === 'nonFiniteLoss') {
    return new TrainingInterruptedError('ERR_NON_FINITE_LOSS', `The loss became ${result.batchLoss[applied]} in ${where}; ${help}`, history);
  }
  if (result.stopReason === 'nonFiniteWeights') {
    return new TrainingInterruptedError('ERR_NON_FINITE_LOSS', `An update made the weights non-finite in ${where}; ${help}`, history);
  }
  return undefined;
}
