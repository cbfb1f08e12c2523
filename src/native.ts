// SPDX-License-Identifier: MIT
/**
 * Locates and loads the native addon, and describes its whole surface in one interface so that
 * no `any` leaks past this file (the tfjs-node pattern).
 *
 * Where the addon comes from, first match wins:
 * 1. `FASTPROP_ADDON_PATH`, if set: that file and nothing else;
 * 2. `build/Release/fastprop.node`: a build from source (a clone of the repository, or
 *    `FASTPROP_BUILD_FROM_SOURCE=1 npm rebuild fastprop` in a project);
 * 3. `prebuilds/<platform>-<arch>/fastprop.napi[.glibc|.musl].node`: the prebuilt binary shipped
 *    in the npm tarball (prebuildify's naming, one Node-API binary per platform).
 *
 * A file that exists but does not load (wrong libc, missing symbols) is reported and the next
 * candidate is tried. When none loads, the error names the platform, every place looked at, and
 * the fixes (sharp's `lib/sharp.mjs` does the same).
 * @internal
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { FastpropError } from './errors.ts';
import { useFiniteScan } from './tensor.ts';
import type { Evaluation, TargetBuffer, TrainJob, TrainResult } from './backend/backend.ts';
import type { OptimizerDescription } from './optimizers/optimizer.ts';

export type Kernel = 'scalar' | 'avx2' | 'avx512';

export interface NativeModelHandle {
  predict(params: Float32Array, x: Float32Array, rows: number, out: Float32Array): void;
  gradients(params: Float32Array, x: Float32Array, targets: TargetBuffer, rows: number, grads: Float32Array): number;
  evaluate(params: Float32Array, x: Float32Array, targets: TargetBuffer, rows: number): Evaluation;
  train(job: TrainJob): Promise<TrainResult>;
  info(): { kernel: Kernel; threads: number; parameterCount: number; workspaceBytes: number };
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
  /** The index of the first NaN or ±Infinity in `values`, or -1 (input validation, src/tensor.ts). */
  firstNonFinite(values: Float32Array): number;
  /** The same scan on a libuv pool thread. */
  firstNonFiniteAsync(values: Float32Array): Promise<number>;
  _sgemm(
    transA: boolean, transB: boolean, m: number, n: number, k: number, alpha: number,
    a: Float32Array, lda: number, b: Float32Array, ldb: number, beta: number,
    c: Float32Array, ldc: number, bias: Float32Array | null, kernel: Kernel, threads: number,
  ): void;
  /** GFLOP/s of a register-only multiply-add probe on `threads` threads (benchmarks). */
  _fmaPeak(kernel: Kernel, threads: number): number;
  /** One optimizer update of the whole buffer with `kernel`'s code; false if a weight became non-finite (tests, benchmarks). */
  _optimizerUpdate(
    params: Float32Array, grads: Float32Array, slots: Float32Array[], optimizer: OptimizerDescription,
    learningRate: number, step: number, kernel: Kernel, threads: number,
  ): boolean;
}

/**
 * Below this many values the scan runs at once: it takes at most 0.02–0.04 ms of the event loop,
 * less than a hop to a pool thread and back adds to fit (about 0.08 ms). XOR's fit scans 8 values.
 */
const ASYNC_SCAN_MIN_VALUES = 65_536;

function scanOffTheLoop(binding: NativeBinding): (values: Float32Array) => Promise<number> {
  return (values) => (values.length < ASYNC_SCAN_MIN_VALUES ? Promise.resolve(binding.firstNonFinite(values)) : binding.firstNonFiniteAsync(values));
}

/** The package root: the parent of src/ (tests, tsx) and of dist/ (the published build). */
const PACKAGE_ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * Where a build from source puts the addon: build/Release beside src/ and dist/.
 * FASTPROP_ADDON_PATH overrides it (a custom build, or a test of what happens when there is none).
 */
export const ADDON_PATH = process.env['FASTPROP_ADDON_PATH'] ?? fileURLToPath(new URL('../build/Release/fastprop.node', import.meta.url));

/** `glibc` or `musl` on Linux (detect-libc's two cheap probes), undefined elsewhere. */
function linuxLibc(): 'glibc' | 'musl' | undefined {
  if (process.platform !== 'linux') return undefined;
  try {
    const ldd = readFileSync('/usr/bin/ldd', 'latin1');
    if (ldd.includes('musl')) return 'musl';
    if (ldd.includes('GNU C Library') || ldd.includes('GLIBC')) return 'glibc';
  } catch {
    // no ldd (distroless images): ask Node how it was linked
  }
  const report = process.report as (typeof process.report & { excludeNetwork?: boolean }) | undefined;
  if (report) report.excludeNetwork = true; // getReport() would otherwise resolve host names
  const header = (report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
  return header?.glibcVersionRuntime ? 'glibc' : 'musl';
}

/** This machine as the prebuilds name it: `linux-x64-glibc`, `darwin-arm64`, `win32-x64`. */
export function platformTag(): string {
  const libc = linuxLibc();
  return `${process.platform}-${process.arch}${libc ? `-${libc}` : ''}`;
}

/** The prebuilt binary for this machine, in prebuildify's layout. */
function prebuildPath(): string {
  const libc = linuxLibc();
  return `${PACKAGE_ROOT}prebuilds/${process.platform}-${process.arch}/fastprop.napi${libc ? `.${libc}` : ''}.node`;
}

/** The platforms this copy of fastprop has prebuilt binaries for, e.g. `linux-x64-glibc`. */
function shippedPrebuilds(): string[] {
  const tags: string[] = [];
  try {
    for (const dir of readdirSync(`${PACKAGE_ROOT}prebuilds`)) {
      for (const file of readdirSync(`${PACKAGE_ROOT}prebuilds/${dir}`)) {
        const libc = /^fastprop\.napi(?:\.(glibc|musl))?\.node$/.exec(file);
        if (libc) tags.push(libc[1] ? `${dir}-${libc[1]}` : dir);
      }
    }
  } catch {
    // no prebuilds folder: a clone of the repository
  }
  return tags;
}

let loaded: { binding: NativeBinding; path: string } | { error: FastpropError } | undefined;

/** Loads the addon once; returns the binding and its file, or the reason none could be loaded. */
export function tryLoadNative(): { binding: NativeBinding; path: string } | { error: FastpropError } {
  if (loaded) return loaded;
  const override = process.env['FASTPROP_ADDON_PATH'];
  const candidates = override ? [override] : [ADDON_PATH, prebuildPath()];
  const require = createRequire(import.meta.url);
  const failures: string[] = [];
  let firstCause: unknown;
  for (const path of candidates) {
    if (!override && !existsSync(path)) {
      failures.push(`${path} (not found)`);
      continue;
    }
    try {
      const binding = require(path) as NativeBinding;
      loaded = { binding, path };
      // An addon built before these scans existed (FASTPROP_ADDON_PATH) keeps the JS scan.
      if (typeof binding.firstNonFinite === 'function') {
        const scan = (values: Float32Array) => binding.firstNonFinite(values);
        useFiniteScan(scan, typeof binding.firstNonFiniteAsync === 'function' ? scanOffTheLoop(binding) : undefined);
      }
      return loaded;
    } catch (cause) {
      firstCause ??= cause;
      failures.push(`${path} (${cause instanceof Error ? cause.message.split('\n')[0] : String(cause)})`);
    }
  }
  const shipped = shippedPrebuilds();
  const fixes = [
    ...(override ? ['point FASTPROP_ADDON_PATH at a working fastprop.node, or unset it to use the prebuilt binaries'] : []),
    'build the addon from source (needs a C++17 compiler, and cmake or python3): ' +
      '`FASTPROP_BUILD_FROM_SOURCE=1 npm rebuild fastprop` in your project, or `npm run build` in a clone of fastprop',
    "pass backend: 'reference' to use the pure TypeScript backend on purpose",
  ];
  loaded = {
    error: new FastpropError(
      'ERR_NATIVE_UNAVAILABLE',
      `The fastprop native addon could not be loaded from ${failures.join(', nor from ')}. ` +
        `This machine is ${platformTag()} (Node.js ${process.versions.node}); ` +
        `this fastprop has prebuilt binaries for ${shipped.length ? shipped.join(', ') : 'no platform'}. ` +
        `To fix: ${fixes.join('; or ')}.`,
      { cause: firstCause },
    ),
  };
  return loaded;
}

/** The binding, or throws `ERR_NATIVE_UNAVAILABLE` with the reason and the fix. */
export function loadNative(): NativeBinding {
  const result = tryLoadNative();
  if ('error' in result) throw result.error;
  return result.binding;
}
