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
 * A run of training steps: `epochs` passes over `epochRows` rows each, in mini-batches of
 * `batchSize` taken in the order given by `order` (one permutation of row indices per epoch).
 */
export interface TrainJob {
  readonly params: Float32Array;
  readonly grads: Float32Array;
  readonly slots: readonly Float32Array[];
  readonly optimizer: OptimizerDescription;
  /** The optimizer's step counter at the first batch (counts from 1). */
  readonly firstStep: number;
  readonly x: Float32Array;
  readonly targets: TargetBuffer;
  readonly datasetRows: number;
  readonly order: Uint32Array;
  readonly epochRows: number;
  readonly epochs: number;
  readonly batchSize: number;
}

export interface TrainResult {
  /** The batch-mean loss of every batch, in order. */
  readonly batchLoss: Float64Array;
  /** Right predictions in every batch (0 for regression losses). */
  readonly batchCorrect: Float64Array;
}

export interface Backend {
  readonly name: BackendName;
  /** out [rows × outputs] = model output. */
  predict(params: Float32Array, x: Float32Array, rows: number, out: Float32Array): void;
  /** grads = ∂L/∂θ of the mean loss over all rows as one batch; returns that loss. */
  gradients(params: Float32Array, x: Float32Array, targets: TargetBuffer, rows: number, grads: Float32Array): number;
  /** Loss summed over rows, and right predictions. */
  evaluate(params: Float32Array, x: Float32Array, targets: TargetBuffer, rows: number): { lossSum: number; correct: number };
  /** Runs the job off the event loop where the backend can. */
  train(job: TrainJob): Promise<TrainResult>;
  /** The kernel and thread count in use ('reference' and 1 for the reference backend). */
  info(): { kernel: string; threads: number };
  dispose(): void;
}

/** The number of mini-batches in one epoch. */
export function batchesPerEpoch(epochRows: number, batchSize: number): number {
  return Math.ceil(epochRows / batchSize);
}
