// SPDX-License-Identifier: MIT
/**
 * The epoch loop. It owns shuffling (so both backends see the same batches from the same seed),
 * hands whole runs of batches to the backend — one native call per epoch, never one per batch —
 * and turns per-batch results into per-epoch logs.
 *
 * Tiny datasets (XOR's four rows) would spend their time crossing into native code, so several
 * epochs go in one call until a call covers about {@link ROWS_PER_CALL} rows; their logs are
 * delivered when the call returns, each with its share of the call's time.
 * @internal
 */
import { batchesPerEpoch, type TargetBuffer, type TrainJob, type TrainResult } from '../backend/backend.ts';
import type { Optimizer } from '../optimizers/optimizer.ts';
import type { Random } from '../random.ts';

export const ROWS_PER_CALL = 8192;

/** What one epoch reports. */
export interface EpochLogs {
  /** 0-based epoch index. */
  readonly epoch: number;
  /** Mean training loss over the epoch's batches, weighted by batch size. */
  readonly loss: number;
  /** Training accuracy over the epoch, for classification losses. */
  readonly accuracy?: number;
  /** Wall time of the epoch in seconds. */
  readonly seconds: number;
}

export interface TrainingState {
  /** Runs a job on the backend (the model wraps it to mark the call in flight). */
  readonly train: (job: TrainJob) => Promise<TrainResult>;
  readonly params: Float32Array;
  readonly grads: Float32Array;
  readonly slots: readonly Float32Array[];
  readonly optimizer: Optimizer;
  /** Optimizer steps taken so far; advanced by the loop. */
  step: number;
}

export interface LoopData {
  readonly x: Float32Array;
  readonly targets: TargetBuffer;
  readonly rows: number;
  /** How many predictions `correct` counts per row (0: no accuracy). */
  readonly accuracyPerRow: number;
}

export interface LoopOptions {
  readonly epochs: number;
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly random: Random;
  readonly onEpochEnd?: ((logs: EpochLogs) => void | Promise<void>) | undefined;
}

export async function runEpochs(state: TrainingState, data: LoopData, options: LoopOptions): Promise<EpochLogs[]> {
  const { rows } = data;
  const perEpoch = batchesPerEpoch(rows, options.batchSize);
  const epochsPerCall = Math.max(1, Math.floor(ROWS_PER_CALL / rows));
  const logs: EpochLogs[] = [];
  for (let first = 0; first < options.epochs; first += epochsPerCall) {
    const epochs = Math.min(epochsPerCall, options.epochs - first);
    const order = new Uint32Array(epochs * rows);
    for (let e = 0; e < epochs; e++) {
      if (options.shuffle) order.set(options.random.permutation(rows), e * rows);
      else for (let i = 0; i < rows; i++) order[e * rows + i] = i;
    }
    const started = performance.now();
    const result = await state.train({
      params: state.params,
      grads: state.grads,
      slots: state.slots,
      optimizer: state.optimizer.describe(),
      firstStep: state.step + 1,
      x: data.x,
      targets: data.targets,
      datasetRows: rows,
      order,
      epochRows: rows,
      epochs,
      batchSize: options.batchSize,
    });
    state.step += epochs * perEpoch;
    const seconds = (performance.now() - started) / 1000 / epochs;
    for (let e = 0; e < epochs; e++) {
      let lossSum = 0;
      let correct = 0;
      for (let b = 0; b < perEpoch; b++) {
        const batchRows = Math.min(options.batchSize, rows - b * options.batchSize);
        lossSum += result.batchLoss[e * perEpoch + b]! * batchRows;
        correct += result.batchCorrect[e * perEpoch + b]!;
      }
      const entry: EpochLogs = {
        epoch: first + e,
        loss: lossSum / rows,
        ...(data.accuracyPerRow > 0 ? { accuracy: correct / (rows * data.accuracyPerRow) } : {}),
        seconds,
      };
      logs.push(entry);
      await options.onEpochEnd?.(entry);
    }
  }
  return logs;
}
