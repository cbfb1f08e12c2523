// SPDX-License-Identifier: MIT
/**
 * The epoch loop over a streaming dataset. Each epoch reads the stream afresh; each batch it
 * yields is a small in-memory dataset trained in order, in mini-batches of `batchSize`, in one
 * backend call (one per mini-batch when a callback asks for batch hooks). Callbacks, validation,
 * history, schedules, abort and the stop on a non-finite loss work as in `loop.ts`.
 *
 * Shuffling: a stream has no global shuffle. With a shuffle buffer of N rows, rows pass through
 * a buffer from which each output row is drawn at random (fit's seeded stream), and batches are
 * re-cut to `batchSize`, as tf.data's `shuffle(N)` does.
 * @internal
 */
import { batchesPerEpoch, type TrainJob } from '../backend/backend.ts';
import { FastpropError } from '../errors.ts';
import type { Batch } from '../data/dataset.ts';
import type { Random } from '../random.ts';
import type { EpochLogs, History } from './callbacks.ts';
import {
  beginTraining, epochLogs, nonFiniteFailure, record, trainWithRollback, TrainingInterruptedError,
  type LoopData, type LoopOptions, type TrainingState,
} from './loop.ts';

/** A stream of batches as the loop reads it. */
export interface BatchSource {
  batches(): AsyncIterable<Batch> | Iterable<Batch>;
  readonly shuffleBuffer: number;
}

/** Turns a yielded batch (the `index`-th of its epoch) into validated backend data. */
export type PrepareBatch = (batch: Batch, index: number) => LoopData;

export async function runStreamTraining(state: TrainingState, source: BatchSource, prepare: PrepareBatch, options: LoopOptions): Promise<History> {
  const { batchSize, callbacks } = options;
  const session = beginTraining(state, options);
  const { history, historyKeys, context, rateAt, aborted } = session;
  const batchHooks = callbacks.some((c) => c.onBatchBegin || c.onBatchEnd);

  try {
    for (const c of callbacks) await c.onTrainBegin?.(context);
    for (let epoch = 0; epoch < options.epochs && !session.stopRequested; epoch++) {
      if (options.signal?.aborted) throw aborted(0, epoch);
      for (const c of callbacks) await c.onEpochBegin?.(epoch, context);
      const started = performance.now();
      let lossSum = 0;
      let metricSum = 0;
      let rows = 0;
      let batches = 0; // mini-batches of this epoch whose update was kept
      let lastRate = 0;
      let failure: TrainingInterruptedError | undefined;
      let complete = true;
      const shuffle = options.shuffle && source.shuffleBuffer > 0 ? { size: source.shuffleBuffer, random: options.random, batchSize } : undefined;
      chunks: for await (const chunk of prepared(source, prepare, shuffle)) {
        const perChunk = batchesPerEpoch(chunk.rows, batchSize);
        const order = Uint32Array.from({ length: chunk.rows }, (_, i) => i);
        const callSize = batchHooks ? 1 : perChunk;
        for (let firstBatch = 0; firstBatch < perChunk; firstBatch += callSize) {
          if (session.stopRequested) {
            complete = false;
            break chunks;
          }
          const batchCount = Math.min(callSize, perChunk - firstBatch);
          const learningRates = new Float32Array(batchCount);
          for (let i = 0; i < batchCount; i++) learningRates[i] = rateAt(state.step + i, state.epoch);
          if (batchHooks) for (const c of callbacks) await c.onBatchBegin?.(batches, context);
          const job = (count: number, rates: Float32Array): TrainJob => ({
            params: state.params, grads: state.grads, slots: state.slots, optimizer: state.optimizer.describe(),
            firstStep: state.step + 1, learningRates: rates, clipValue: options.clipValue, clipNorm: options.clipNorm,
            x: chunk.x, targets: chunk.targets, datasetRows: chunk.rows, order, epochRows: chunk.rows, epochs: 1, batchSize,
            firstBatch, batchCount: count,
          });
          const { result, applied } = await trainWithRollback(state, job, batchCount, learningRates);
          for (let i = 0; i < applied; i++) {
            const size = Math.min(batchSize, chunk.rows - (firstBatch + i) * batchSize);
            lossSum += result.batchLoss[i]! * size;
            metricSum += result.batchMetric[i]!;
            rows += size;
          }
          if (applied > 0) lastRate = learningRates[applied - 1]!;
          state.step += applied;
          batches += applied;
          failure = result.stopReason === 'cancelled' ? aborted(batches, epoch)
            : nonFiniteFailure(result, applied, `epoch ${epoch + 1}, batch ${batches + 1}`, history);
          if (failure) break chunks;
          if (batchHooks) {
            const size = Math.min(batchSize, chunk.rows - firstBatch * batchSize);
            const value = result.batchMetric[0]! / (size * options.metricPerRow);
            const metric = options.metric === 'accuracy' ? { accuracy: value } : options.metric === 'mae' ? { mae: value } : {};
            for (const c of callbacks) await c.onBatchEnd?.(batches - 1, { batch: batches - 1, size, loss: result.batchLoss[0]!, ...metric }, context);
          }
          if (options.signal?.aborted) {
            failure = aborted(batches, epoch);
            break chunks;
          }
        }
      }
      if (failure) throw failure;
      // Stopped mid-epoch by a callback: that epoch gets no log.
      if (!complete) break;
      if (rows === 0) throw new FastpropError('ERR_EMPTY_DATASET', `The stream yielded no rows in epoch ${epoch + 1}`);
      const seconds = (performance.now() - started) / 1000;
      const logs: EpochLogs = epochLogs(state, options, epoch, lossSum / rows, metricSum / (rows * options.metricPerRow), lastRate, seconds);
      record(history, historyKeys, logs);
      state.epoch++;
      for (const c of callbacks) await c.onEpochEnd?.(epoch, logs, context);
    }
    for (const c of callbacks) await c.onTrainEnd?.(context);
    return history;
  } finally {
    session.end();
  }
}

/** The stream's batches, validated, optionally through a shuffle buffer. */
async function* prepared(
  source: BatchSource, prepare: PrepareBatch, shuffle: { size: number; random: Random; batchSize: number } | undefined,
): AsyncGenerator<LoopData> {
  let index = 0;
  if (!shuffle) {
    for await (const batch of source.batches()) yield prepare(batch, index++);
    return;
  }
  const buffer = new ShuffleBuffer(shuffle.size, shuffle.batchSize, shuffle.random);
  for await (const batch of source.batches()) {
    for (const out of buffer.add(prepare(batch, index++))) yield out;
  }
  yield* buffer.drain();
}

/**
 * A fixed-size reservoir of rows: once full, each incoming row pushes out a random one (drawn
 * with the seeded stream), which goes into the next output batch. Its storage (and the output
 * batch's) grows as rows arrive, up to the buffer size (the batch size): a buffer of 2^31 rows
 * over a short stream takes the memory of the stream, not of 2^31 rows.
 */
class ShuffleBuffer {
  readonly #size: number;
  readonly #batchSize: number;
  readonly #random: Random;
  #count = 0;
  #cols = 0;
  #perRow = 0;
  #kind: Float32ArrayConstructor | Int32ArrayConstructor | undefined;
  /** Rows #x and #t have room for. */
  #capacity = 0;
  #x = new Float32Array(0);
  #t: Float32Array | Int32Array = new Float32Array(0);
  #out: { x: Float32Array; t: Float32Array | Int32Array; rows: number; capacity: number } | undefined;

  constructor(size: number, batchSize: number, random: Random) {
    this.#size = size;
    this.#batchSize = batchSize;
    this.#random = random;
  }

  *add(chunk: LoopData): Generator<LoopData> {
    const cols = chunk.x.length / chunk.rows;
    const perRow = chunk.targets.length / chunk.rows;
    const kind = chunk.targets.constructor as Float32ArrayConstructor | Int32ArrayConstructor;
    if (this.#kind === undefined) {
      this.#cols = cols;
      this.#perRow = perRow;
      this.#kind = kind;
      this.#t = new kind(0);
    } else if (cols !== this.#cols || perRow !== this.#perRow || kind !== this.#kind) {
      throw new FastpropError('ERR_SHAPE_MISMATCH', 'Every batch of a stream must have the same columns and kind of targets');
    }
    for (let r = 0; r < chunk.rows; r++) {
      const x = chunk.x.subarray(r * cols, (r + 1) * cols);
      const t = chunk.targets.subarray(r * perRow, (r + 1) * perRow);
      if (this.#count < this.#size) {
        this.#reserve(this.#count + 1);
        this.#x.set(x, this.#count * cols);
        this.#t.set(t, this.#count * perRow);
        this.#count++;
        continue;
      }
      const j = this.#random.below(this.#size);
      const full = this.#emit(j);
      this.#x.set(x, j * cols);
      this.#t.set(t, j * perRow);
      if (full) yield full;
    }
  }

  *drain(): Generator<LoopData> {
    while (this.#count > 0) {
      const j = this.#random.below(this.#count);
      const full = this.#emit(j);
      // Fill the hole with the last row.
      const last = --this.#count;
      this.#x.copyWithin(j * this.#cols, last * this.#cols, (last + 1) * this.#cols);
      this.#t.copyWithin(j * this.#perRow, last * this.#perRow, (last + 1) * this.#perRow);
      if (full) yield full;
    }
    if (this.#out && this.#out.rows > 0) {
      const { x, t, rows } = this.#out;
      this.#out = undefined;
      yield { x: x.subarray(0, rows * this.#cols), targets: t.subarray(0, rows * this.#perRow), rows };
    }
  }

  /** Room for `rows` buffered rows: doubles the storage, up to the buffer size. */
  #reserve(rows: number): void {
    if (rows <= this.#capacity) return;
    this.#capacity = Math.min(this.#size, Math.max(rows, 2 * this.#capacity, 64));
    this.#x = grow(this.#x, this.#capacity * this.#cols);
    this.#t = grow(this.#t, this.#capacity * this.#perRow);
  }

  /** Appends buffered row j to the output batch; returns the batch when it is full. */
  #emit(j: number): LoopData | undefined {
    this.#out ??= { x: new Float32Array(0), t: new this.#kind!(0), rows: 0, capacity: 0 };
    const out = this.#out;
    if (out.rows === out.capacity) {
      out.capacity = Math.min(this.#batchSize, Math.max(2 * out.capacity, 64));
      out.x = grow(out.x, out.capacity * this.#cols);
      out.t = grow(out.t, out.capacity * this.#perRow);
    }
    out.x.set(this.#x.subarray(j * this.#cols, (j + 1) * this.#cols), out.rows * this.#cols);
    out.t.set(this.#t.subarray(j * this.#perRow, (j + 1) * this.#perRow), out.rows * this.#perRow);
    if (++out.rows < this.#batchSize) return undefined;
    this.#out = undefined;
    return { x: out.x, targets: out.t, rows: out.rows };
  }
}

/** A copy of `array` with room for `length` values. */
function grow<T extends Float32Array | Int32Array>(array: T, length: number): T {
  const bigger = new (array.constructor as new (n: number) => T)(length);
  bigger.set(array);
  return bigger;
}
