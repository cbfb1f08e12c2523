// SPDX-License-Identifier: MIT
/**
 * The one interface both backends implement: the native addon (`native-backend.ts`) and the
 * TypeScript reference twin (`reference-backend.ts`). The model speaks only to this.
 *
 * Buffers follow the layout of `src/spec.ts`; every call borrows them. x is [rows × inputs]
 * row-major; targets are [rows × outputs] values, or Int32Array class labels for sparse
 * categorical cross-entropy.
 * @internal
 */
import type { OptimizerDescription } from '../optimizers/optimizer.ts';

export type BackendName = 'native' | 'reference';
export type TargetBuffer = Float32Array | Int32Array;

/**
 * A run of training steps: batches [firstBatch, firstBatch + batchCount) of `epochs` passes
 * over `epochRows` rows each, in mini-batches of `batchSize` taken in the order given by
 * `order` (one permutation of row indices per epoch).
 */
export interface TrainJob {
  readonly params: Float32Array;
  readonly grads: Float32Array;
  readonly slots: readonly Float32Array[];
  readonly optimizer: OptimizerDescription;
  /** The optimizer's step counter at the first batch (counts from 1). */
  readonly firstStep: number;
  /** One learning rate per batch of the run (a schedule); without it, the optimizer's. */
  readonly learningRates?: Float32Array;
  /** > 0: clamp every gradient to [−clipValue, clipValue]. */
  readonly clipValue: number;
  /** > 0: rescale the gradients when their global L2 norm exceeds it. */
  readonly clipNorm: number;
  readonly x: Float32Array;
  readonly targets: TargetBuffer;
  readonly datasetRows: number;
  readonly order: Uint32Array;
  readonly epochRows: number;
  readonly epochs: number;
  readonly batchSize: number;
  readonly firstBatch: number;
  readonly batchCount: number;
  /**
   * Buffers to fill with the parameters and then each slot before the first batch: the state to
   * restore if an update makes the weights non-finite. The native backend fills them on its
   * worker thread, off the event loop.
   */
  readonly rollback?: readonly Float32Array[];
}

/** Why a run returned (`native/core/mlp.h` StopReason). */
export type StopReason = 'completed' | 'cancelled' | 'nonFiniteLoss' | 'nonFiniteWeights';

export interface TrainResult {
  /** The batch-mean loss (with penalties) of every batch run, in order. */
  readonly batchLoss: Float64Array;
  /** The metric sum of every batch run: right predictions, or Σ|a − t| for regression. */
  readonly batchMetric: Float64Array;
  /** Batches whose update was applied. */
  readonly batchesDone: number;
  readonly stopReason: StopReason;
}

/** What evaluate reports: loss summed over rows, the metric sum, and the weights' penalty. */
export interface Evaluation {
  readonly lossSum: number;
  readonly metric: number;
  readonly penalty: number;
}

export interface Backend {
  readonly name: BackendName;
  /** out [rows × outputs] = model output. */
  predict(params: Float32Array, x: Float32Array, rows: number, out: Float32Array): void;
  /** grads = ∂L/∂θ of the mean loss over all rows as one batch; returns that loss. */
  gradients(params: Float32Array, x: Float32Array, targets: TargetBuffer, rows: number, grads: Float32Array): number;
  evaluate(params: Float32Array, x: Float32Array, targets: TargetBuffer, rows: number): Evaluation;
  /** Runs the job off the event loop where the backend can. */
  train(job: TrainJob): Promise<TrainResult>;
  /** Asks a running job to stop before its next batch (it resolves with stopReason 'cancelled'). */
  cancel(): void;
  /** The kernel and thread count in use ('reference' and 1 for the reference backend). */
  info(): { kernel: string; threads: number };
  dispose(): void;
}

/** The number of mini-batches in one epoch. */
export function batchesPerEpoch(epochRows: number, batchSize: number): number {
  return Math.ceil(epochRows / batchSize);
}
