// SPDX-License-Identifier: MIT
/**
 * The reference backend: the TypeScript twin (`src/reference`) behind the {@link Backend}
 * interface, with the training semantics of `Mlp::train` (`native/core/mlp.cc`): penalties,
 * clipping, per-step learning rates, cancellation between batches, and no update after a
 * non-finite loss. It computes in float64 and stores parameters in float32 like the native
 * backend. It is the oracle of the tests, and the fallback when the addon cannot load; it is slow.
 * @internal
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import * as mlp from '../reference/mlp.ts';
import { optimizerUpdate } from '../reference/optimizers.ts';
import { metricSum, type ReferenceTargets } from '../reference/losses.ts';
import { inputSize, LOSS_INFO, outputSize, type ModelSpec } from '../spec.ts';
import { batchesPerEpoch, type Backend, type Evaluation, type TargetBuffer, type TrainJob, type TrainResult } from './backend.ts';

/** How long a training run may hold the event loop before it yields once. */
const YIELD_EVERY_MS = 20;

export class ReferenceBackend implements Backend {
  readonly name = 'reference' as const;
  readonly #spec: ModelSpec;
  #cancelled = false;

  constructor(spec: ModelSpec) {
    this.#spec = spec;
  }

  #targets(targets: TargetBuffer): ReferenceTargets {
    return LOSS_INFO[this.#spec.loss].labels ? { labels: targets } : { values: targets };
  }

  predict(params: Float32Array, x: Float32Array, rows: number, out: Float32Array): void {
    const acts = mlp.forward(this.#spec, params, x, rows);
    out.set(acts.a[acts.a.length - 1]!);
  }

  gradients(params: Float32Array, x: Float32Array, targets: TargetBuffer, rows: number, grads: Float32Array): number {
    const result = mlp.gradients(this.#spec, params, x, this.#targets(targets), rows);
    grads.set(result.grads);
    return result.loss;
  }

  evaluate(params: Float32Array, x: Float32Array, targets: TargetBuffer, rows: number): Evaluation {
    return mlp.evaluate(this.#spec, params, x, this.#targets(targets), rows);
  }

  async train(job: TrainJob): Promise<TrainResult> {
    const spec = this.#spec;
    const inputs = inputSize(spec);
    const outputs = outputSize(spec);
    const perEpoch = batchesPerEpoch(job.epochRows, job.batchSize);
    const batchLoss = new Float64Array(job.batchCount);
    const batchMetric = new Float64Array(job.batchCount);
    const labels = LOSS_INFO[spec.loss].labels;
    this.#cancelled = false;
    if (job.rollback) [job.params, ...job.slots].forEach((source, i) => job.rollback![i]!.set(source));
    let lastYield = performance.now();
    const result = (batchesDone: number, stopReason: TrainResult['stopReason']): TrainResult => ({ batchLoss, batchMetric, batchesDone, stopReason });
    for (let i = 0; i < job.batchCount; i++) {
      if (this.#cancelled) return result(i, 'cancelled');
      const batch = job.firstBatch + i;
      const step = job.firstStep + i;
      const epoch = Math.floor(batch / perEpoch);
      const b = batch % perEpoch;
      const start = epoch * job.epochRows + b * job.batchSize;
      const rows = Math.min(job.batchSize, job.epochRows - b * job.batchSize);
      // Gather the batch's rows, as Mlp::train does.
      const x = new Float64Array(rows * inputs);
      const values = labels ? undefined : new Float64Array(rows * outputs);
      const batchLabels = labels ? new Int32Array(rows) : undefined;
      for (let r = 0; r < rows; r++) {
        const src = job.order[start + r]!;
        x.set(job.x.subarray(src * inputs, (src + 1) * inputs), r * inputs);
        if (batchLabels) batchLabels[r] = job.targets[src]!;
        else values!.set(job.targets.subarray(src * outputs, (src + 1) * outputs), r * outputs);
      }
      const targets: ReferenceTargets = batchLabels ? { labels: batchLabels } : { values: values! };
      const acts = mlp.forward(spec, job.params, x, rows, step);
      batchMetric[i] = metricSum(spec.loss, acts.a[acts.a.length - 1]!, targets, rows, outputs);
      const { loss, grads } = mlp.backward(spec, job.params, x, acts, targets, rows);
      batchLoss[i] = loss;
      if (!Number.isFinite(loss)) return result(i, 'nonFiniteLoss');
      if (job.clipValue > 0) for (let k = 0; k < grads.length; k++) grads[k] = Math.min(job.clipValue, Math.max(-job.clipValue, grads[k]!));
      if (job.clipNorm > 0) {
        const norm = Math.sqrt(grads.reduce((sum, g) => sum + g * g, 0));
        const scale = job.clipNorm / (norm + 1e-6);
        if (scale < 1) for (let k = 0; k < grads.length; k++) grads[k]! *= scale;
      }
      job.grads.set(grads);
      optimizerUpdate(job.optimizer, job.params, grads, job.slots, step, job.learningRates ? job.learningRates[i]! : job.optimizer.learningRate);
      if (!job.params.every(Number.isFinite)) return result(i + 1, 'nonFiniteWeights');
      if (performance.now() - lastYield > YIELD_EVERY_MS) {
        await yieldToEventLoop();
        lastYield = performance.now();
      }
    }
    return result(job.batchCount, 'completed');
  }

  cancel(): void {
    this.#cancelled = true;
  }

  info(): { kernel: string; threads: number } {
    return { kernel: 'reference', threads: 1 };
  }

  dispose(): void {}
}

