// SPDX-License-Identifier: MIT
/**
 * What `train` shows while it runs, as a fit callback, in one of four modes:
 * - `bar`: a live cli-progress bar on stderr (a terminal only) with epoch, batch, samples/s, ETA
 *   and the running loss and metric, and one line per epoch kept above it;
 * - `lines`: one line per epoch on stdout (not a terminal: logs, CI);
 * - `json`: one JSON object per epoch on stdout and nothing else there;
 * - `quiet`: nothing.
 *
 * The bar moves per batch only when batches are big: a batch hook makes fit cross into native
 * code once per batch instead of once per epoch, and that costs. Otherwise it moves per epoch,
 * and within an epoch its position is estimated from the last epoch's throughput (shown `~`).
 * See {@link wantsBatchUpdates}.
 * @internal
 */
import { MultiBar, Presets, type SingleBar } from 'cli-progress';
import type { BatchLogs, Callback, EpochLogs } from '../train/callbacks.ts';
import { formatCount, formatDuration, formatValue, percent } from './common.ts';

export type ProgressMode = 'bar' | 'lines' | 'json' | 'quiet';

/**
 * Whether exact per-batch updates are worth their cost. Measured on the default MNIST network
 * (784-512-256-10, Adam, 8,000 rows, 2 cores; seconds per epoch, three runs each way):
 * batch 64: 0.85 0.71 0.85 without batch hooks, 1.25 1.10 1.34 with them (+45%);
 * batch 256: 0.54 0.51 0.52 against 0.72 0.64 0.67 (+30%); batch 512: 0.41 0.37 0.42 against
 * 0.43 0.33 0.44 (no difference we can measure). Each native call costs a few milliseconds here
 * (among other things, the loop copies the weights and optimizer state before each call, to
 * roll back a diverging step), so only batches of 512 rows and more get per-batch updates.
 */
export function wantsBatchUpdates(batchSize: number): boolean {
  return batchSize >= 512;
}

export interface ProgressOptions {
  readonly mode: ProgressMode;
  readonly epochs: number;
  /** Batches per epoch and rows per epoch (training rows). */
  readonly batches: number;
  readonly rows: number;
  readonly metric: 'accuracy' | 'mae';
  readonly batchUpdates: boolean;
  /** Where stdout lines go (tests pass their own). */
  readonly out?: (line: string) => void;
}

/** One line per epoch, for humans. */
export function epochLine(logs: EpochLogs, epochs: number): string {
  const width = String(epochs).length;
  const parts = [`epoch ${String(logs.epoch + 1).padStart(width)}/${epochs}`, `loss ${formatValue(logs.loss)}`];
  if (logs.accuracy !== undefined) parts.push(`acc ${percent(logs.accuracy)}`);
  if (logs.mae !== undefined) parts.push(`mae ${formatValue(logs.mae)}`);
  if (logs.valLoss !== undefined) parts.push(`val loss ${formatValue(logs.valLoss)}`);
  if (logs.valAccuracy !== undefined) parts.push(`val acc ${percent(logs.valAccuracy)}`);
  if (logs.valMae !== undefined) parts.push(`val mae ${formatValue(logs.valMae)}`);
  parts.push(`${logs.seconds.toFixed(2)} s`);
  return parts.join('  ');
}

/** The progress display as a fit callback; `stop()` removes the bar (call it however fit ends). */
export class Progress {
  readonly #options: ProgressOptions;
  readonly #out: (line: string) => void;
  readonly #multibar: MultiBar | undefined;
  readonly #bar: SingleBar | undefined;
  readonly #started = performance.now();
  /** Training time only: the clock stops while validation and callbacks run between epochs. */
  #epochStarted = performance.now();
  #doneSeconds = 0;
  #samples = 0;
  #epochSamples = 0;
  #lossSum = 0;
  #metricSum = 0;
  /** The loss and metric the bar shows: the running means of this epoch, or the last epoch's. */
  #running: { loss: number; metric: number } | undefined;
  #epoch = 0;
  /** Samples per second of the last epoch, for the estimated position within an epoch. */
  #lastRate = 0;
  #timer: NodeJS.Timeout | undefined;
  /** Epoch lines are thinned to about 30 for long runs of tiny epochs (XOR's thousands). */
  readonly #lineEvery: number;

  constructor(options: ProgressOptions) {
    this.#options = options;
    this.#out = options.out ?? ((line) => process.stdout.write(`${line}\n`));
    this.#lineEvery = Math.max(1, Math.ceil(options.epochs / 30));
    if (options.mode === 'bar') {
      this.#multibar = new MultiBar({
        format: 'epoch {epoch} {bar} {batch} | {rate} samples/s | ETA {etaText} | {running}',
        barsize: 24,
        hideCursor: true,
        clearOnComplete: true,
        stopOnComplete: false,
        fps: 10,
        stream: process.stderr,
      }, Presets.shades_classic);
      this.#bar = this.#multibar.create(options.epochs * options.batches, 0, this.#payload(0));
      // Training runs off the event loop, so a timer can move the bar while an epoch runs.
      if (!options.batchUpdates) this.#timer = setInterval(() => this.#estimate(), 200).unref();
    }
  }

  /** The fit callback; it has a batch hook only when the bar moves per batch. */
  callback(): Callback {
    return {
      onEpochBegin: (epoch) => this.#epochBegin(epoch),
      onEpochEnd: (epoch, logs) => this.#epochEnd(epoch, logs),
      ...(this.#options.mode === 'bar' && this.#options.batchUpdates ? { onBatchEnd: (batch: number, logs: BatchLogs) => this.#batch(batch, logs) } : {}),
    };
  }

  #epochBegin(epoch: number): void {
    this.#epoch = epoch;
    this.#epochStarted = performance.now();
    this.#epochSamples = 0;
    this.#lossSum = 0;
    this.#metricSum = 0;
  }

  #batch(batch: number, logs: BatchLogs): void {
    this.#samples += logs.size;
    this.#epochSamples += logs.size;
    this.#lossSum += logs.loss * logs.size;
    this.#metricSum += (logs.accuracy ?? logs.mae ?? 0) * logs.size;
    this.#running = { loss: this.#lossSum / this.#epochSamples, metric: this.#metricSum / this.#epochSamples };
    this.#bar?.update(this.#epoch * this.#options.batches + batch + 1, this.#payload(batch + 1));
  }

  #epochEnd(epoch: number, logs: EpochLogs): void {
    const { mode, epochs } = this.#options;
    this.#doneSeconds += logs.seconds;
    this.#epochStarted = performance.now();
    this.#samples = (epoch + 1) * this.#options.rows;
    const rate = this.#options.rows / Math.max(logs.seconds, 1e-9);
    this.#lastRate = rate;
    if (mode === 'json') {
      const record: Record<string, number> = { epoch: epoch + 1, epochs };
      for (const key of ['loss', 'accuracy', 'mae', 'valLoss', 'valAccuracy', 'valMae', 'learningRate', 'seconds'] as const) {
        const value = logs[key];
        if (value !== undefined) record[key] = value;
      }
      record['samplesPerSecond'] = Math.round(rate);
      this.#out(JSON.stringify(record));
      return;
    }
    const line = epochLine(logs, epochs);
    const show = (epoch + 1) % this.#lineEvery === 0 || epoch + 1 === epochs || epoch === 0;
    if (mode === 'lines' && show) this.#out(line);
    if (mode === 'bar') {
      if (show) this.#multibar!.log(`${line}\n`);
      this.#running = { loss: logs.loss, metric: logs.accuracy ?? logs.mae ?? 0 };
      this.#bar!.update((epoch + 1) * this.#options.batches, this.#payload(this.#options.batches));
    }
  }

  /** Moves the bar within an epoch by the last epoch's throughput (an estimate, shown `~`). */
  #estimate(): void {
    if (this.#lastRate === 0 || this.#epoch >= this.#options.epochs) return;
    const { batches, rows } = this.#options;
    const seconds = (performance.now() - this.#epochStarted) / 1000;
    const batch = Math.min(batches - 1, Math.floor((seconds * this.#lastRate) / (rows / batches)));
    this.#bar!.update(this.#epoch * batches + batch, this.#payload(batch, true));
  }

  /** Removes the bar from the terminal. */
  stop(): void {
    clearInterval(this.#timer);
    this.#multibar?.stop();
  }

  #payload(batch: number, estimated = false): Record<string, string> {
    const { epochs, batches, rows, metric } = this.#options;
    const elapsed = this.#doneSeconds + (performance.now() - this.#epochStarted) / 1000;
    const samples = this.#samples + (estimated ? (batch * rows) / batches : 0);
    const rate = elapsed > 0 && samples > 0 ? samples / elapsed : 0;
    const remaining = epochs * rows - samples;
    const r = this.#running;
    const running = r ? `loss ${formatValue(r.loss)}  ${metric === 'accuracy' ? `acc ${percent(r.metric)}` : `mae ${formatValue(r.metric)}`}` : 'loss …';
    const width = String(epochs).length;
    return {
      epoch: `${String(Math.min(this.#epoch + 1, epochs)).padStart(width)}/${epochs}`,
      batch: `${estimated ? '~' : ' '}${String(batch).padStart(String(batches).length)}/${batches}`,
      rate: rate > 0 ? formatCount(rate) : '…',
      etaText: rate > 0 ? formatDuration(remaining / rate) : '…',
      running,
    };
  }

  /** Seconds since the display was created (for the summary). */
  get elapsed(): number {
    return (performance.now() - this.#started) / 1000;
  }
}
