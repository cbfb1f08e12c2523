// SPDX-License-Identifier: MIT
/**
 * The native backend: a thin adapter from {@link Backend} to the addon's NativeModel. Errors the
 * addon throws (it re-checks sizes and types it must not trust) come back as FastpropErrors
 * whose stack points at the caller, with the native error as `cause`.
 * @internal
 */
import { FastpropError, type ErrorCode } from '../errors.ts';
import { loadNative, type Kernel, type NativeModelHandle } from '../native.ts';
import type { ModelSpec } from '../spec.ts';
import type { Backend, Evaluation, TargetBuffer, TrainJob, TrainResult } from './backend.ts';

const PASSED_THROUGH: readonly string[] = ['ERR_BUSY', 'ERR_DISPOSED', 'ERR_INVALID_ARGUMENT', 'ERR_OUT_OF_RANGE'];

/** Re-raises a native error as a FastpropError, keeping its code when it has a known one. */
function rethrow(cause: unknown, callSite: Error): never {
  const code = (cause as { code?: unknown } | null)?.code;
  const error = new FastpropError(
    typeof code === 'string' && PASSED_THROUGH.includes(code) ? (code as ErrorCode) : 'ERR_NATIVE',
    cause instanceof Error ? cause.message : String(cause),
    { cause },
  );
  error.stack = `${error.name}: ${error.message}\n${callSite.stack?.split('\n').slice(1).join('\n') ?? ''}`;
  throw error;
}

export interface NativeBackendOptions {
  kernel?: Kernel;
  threads?: number;
}

export class NativeBackend implements Backend {
  readonly name = 'native' as const;
  readonly #model: NativeModelHandle;

  constructor(spec: ModelSpec, options: NativeBackendOptions = {}) {
    const binding = loadNative();
    try {
      this.#model = new binding.NativeModel({ layers: spec.layers.map((l) => ({ ...l })), loss: spec.loss, huberDelta: spec.huberDelta, dropoutSeed: spec.dropoutSeed }, options);
    } catch (cause) {
      rethrow(cause, new Error());
    }
  }

  predict(params: Float32Array, x: Float32Array, rows: number, out: Float32Array): void {
    try {
      this.#model.predict(params, x, rows, out);
    } catch (cause) {
      rethrow(cause, new Error());
    }
  }

  gradients(params: Float32Array, x: Float32Array, targets: TargetBuffer, rows: number, grads: Float32Array): number {
    try {
      return this.#model.gradients(params, x, targets, rows, grads);
    } catch (cause) {
      rethrow(cause, new Error());
    }
  }

  evaluate(params: Float32Array, x: Float32Array, targets: TargetBuffer, rows: number): Evaluation {
    try {
      return this.#model.evaluate(params, x, targets, rows);
    } catch (cause) {
      rethrow(cause, new Error());
    }
  }

  async train(job: TrainJob): Promise<TrainResult> {
    const callSite = new Error(); // captured now: after the await the stack is the event loop's
    try {
      return await this.#model.train(job);
    } catch (cause) {
      rethrow(cause, callSite);
    }
  }

  cancel(): void {
    this.#model.cancel();
  }

  info(): { kernel: string; threads: number } {
    const { kernel, threads } = this.#model.info();
    return { kernel, threads };
  }

  dispose(): void {
    this.#model.dispose();
  }
}
