// SPDX-License-Identifier: MIT
/**
 * Locates and loads the native addon, and describes its whole surface in one interface so that
 * no `any` leaks past this file (the tfjs-node pattern).
 * @internal
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { FastpropError } from './errors.ts';
import type { Evaluation, TargetBuffer, TrainJob, TrainResult } from './backend/backend.ts';

export type Kernel = 'scalar' | 'avx2' | 'avx512';

export interface NativeModelHandle {
  predict(params: Float32Array, x: Float32Array, rows: number, out: Float32Array): void;
  gradients(params: Float32Array, x: Float32Array, targets: TargetBuffer, rows: number, grads: Float32Array): number;
  evaluate(params: Float32Array, x: Float32Array, targets: TargetBuffer, rows: number): Evaluation;
  train(job: TrainJob): Promise<TrainResult>;
  info(): { kernel: Kernel; threads: number; parameterCount: number };
  cancel(): void;
  dispose(): void;
}

export interface NativeModelSpec {
  layers: { inputs: number; units: number; activation: string; leakySlope: number; l1?: number; l2?: number; dropout?: number }[];
  loss: string;
  huberDelta?: number;
  dropoutSeed?: number;
}

export interface NativeBinding {
  NativeModel: new (spec: NativeModelSpec, options: { kernel?: Kernel; threads?: number }) => NativeModelHandle;
  backendInfo(): { kernels: Kernel[]; defaultKernel: Kernel; defaultThreads: number };
  _sgemm(
    transA: boolean, transB: boolean, m: number, n: number, k: number, alpha: number,
    a: Float32Array, lda: number, b: Float32Array, ldb: number, beta: number,
    c: Float32Array, ldc: number, bias: Float32Array | null, kernel: Kernel, threads: number,
  ): void;
  /** GFLOP/s of a register-only multiply-add probe on `threads` threads (benchmarks). */
  _fmaPeak(kernel: Kernel, threads: number): number;
}

/**
 * Where the build puts the addon: build/Release beside src/ and dist/. FASTPROP_ADDON_PATH
 * overrides it (a custom build, or a test of what happens when there is none).
 */
export const ADDON_PATH = process.env['FASTPROP_ADDON_PATH'] ?? fileURLToPath(new URL('../build/Release/fastprop.node', import.meta.url));

let loaded: { binding: NativeBinding } | { error: FastpropError } | undefined;

/** Loads the addon once; returns the binding or the reason it could not be loaded. */
export function tryLoadNative(): { binding: NativeBinding } | { error: FastpropError } {
  if (loaded) return loaded;
  try {
    const require = createRequire(import.meta.url);
    loaded = { binding: require(ADDON_PATH) as NativeBinding };
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message.split('\n')[0] : String(cause);
    loaded = {
      error: new FastpropError(
        'ERR_NATIVE_UNAVAILABLE',
        `The fastprop native addon could not be loaded from ${ADDON_PATH} (${reason}). ` +
          'To fix: run `npm run build` in the fastprop package (needs cmake and a C++17 compiler), ' +
          "or pass backend: 'reference' to use the pure TypeScript backend.",
        { cause },
      ),
    };
  }
  return loaded;
}

/** The binding, or throws `ERR_NATIVE_UNAVAILABLE` with the reason and the fix. */
export function loadNative(): NativeBinding {
  const result = tryLoadNative();
  if ('error' in result) throw result.error;
  return result.binding;
}
