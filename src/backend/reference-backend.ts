// SPDX-License-Identifier: MIT
/**
 * The reference backend: the TypeScript twin (`src/reference`) behind the {@link Backend}
 * interface. It computes in float64 and stores parameters in float32 like the native backend.
 * It is the oracle of the tests, and the fallback when the addon cannot load; it is slow.
 * @internal
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import * as mlp from '../reference/mlp.ts';
import { optimizerUpdate } from '../reference/optimizers.ts';
import type { ReferenceTargets } from '../reference/losses.ts';
import { countCorrect } from '../reference/losses.ts';
import { inputSize, LOSS_INFO, outputSize, type ModelSpec } from '../spec.ts';
import { batchesPerEpoch, type Backend, type TargetBuffer, type TrainJob, type TrainResult } from './backend.ts';

/** How long a training run may hold the event loop before it yields once. */
const YIELD_EVERY_MS = 20;

function targetsOf(spec: ModelSpec, targets: TargetBuffer): ReferenceTargets {
  return LOSS_INFO[spec.loss].labels ? { labels: targets } : { values: targets };
}

export class ReferenceBackend implements Backend {
  readonly name = 'reference' as const;
  readonly #spec: ModelSpec;

  constructor(spec: ModelSpec) {
    this.#spec = spec;
  }

  predict(params: Float32Array, x: Float32Array, rows: number, out: Float32Array): void {
    const acts = mlp.forward(this.#spec, params, x, rows);
    out.set(acts.a[acts.a.length - 1]!);
  }

  gradients(params: Float32Array, x: Float32Array, targets: TargetBuffer, rows: number, grads: Float32Array): number {
    const result = mlp.gradients(this.#spec, params, x, targetsOf(this.#spec, targets), rows);
    grads.set(result.grads);
    return result.loss;
  }

  evaluate(params: Float32Array, x: Float32Array, targets: TargetBuffer, rows: number): { lossSum: number; correct: number } {
    return mlp.evaluate(this.#spec, params, x, targetsOf(this.#spec, targets), rows);
  }

  async train(job: TrainJob): Promise<TrainResult> {
    const spec = this.#spec;
    const inputs = inputSize(spec);
    const outputs = outputSize(spec);
    const perEpoch = batchesPerEpoch(job.epochRows, job.batchSize);
    const batchLoss = new Float64Array(perEpoch * job.epochs);
    const batchCorrect = new Float64Array(perEpoch * job.epochs);
    const labels = job.targets instanceof Int32Array;
    let step = job.firstStep;
    let batch = 0;
    let lastYield = performance.now();
    for (let epoch = 0; epoch < job.epochs; epoch++) {
      for (let b = 0; b < perEpoch; b++, batch++, step++) {
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
        const acts = mlp.forward(spec, job.params, x, rows);
        batchCorrect[batch] = countCorrect(spec.loss, acts.a[acts.a.length - 1]!, targets, rows, outputs);
        const { loss, grads } = mlp.backward(spec, job.params, x, acts, targets, rows);
        batchLoss[batch] = loss;
        job.grads.set(grads);
        optimizerUpdate(job.optimizer, job.params, grads, job.slots, step);
        if (performance.now() - lastYield > YIELD_EVERY_MS) {
          await yieldToEventLoop();
          lastYield = performance.now();
        }
      }
    }
    return { batchLoss, batchCorrect };
  }

  info(): { kernel: string; threads: number } {
    return { kernel: 'reference', threads: 1 };
  }

  dispose(): void {}
}
