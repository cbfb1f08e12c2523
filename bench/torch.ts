// SPDX-License-Identifier: MIT
/**
 * PyTorch figures from bench/torch_mlp.py, run through bench/torch-reference.sh (which picks the
 * best threading layout and lifts the OpenBLAS core-type pin). The sections call it between
 * their own measurements, so both systems see the machine in about the same state.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('./torch-reference.sh', import.meta.url));

export interface TorchResult {
  readonly system: string;
  readonly threads: number;
  /** torch's own (OpenMP) thread counts tried; OpenBLAS got threads ÷ each. */
  readonly layouts: readonly number[];
  readonly mlp_784_512_256_10?: Record<string, { step_ms: number; samples_per_s: number; omp_threads: number }>;
  readonly gemm_gflops?: Record<string, number>;
  readonly rss?: { peak_rss_bytes: number; samples_per_s: number };
}

/** A result, or why there is none ("not installed" when python3-torch is absent). */
export type TorchOutcome = { readonly ok: TorchResult } | { readonly missing: string };

let installed: boolean | undefined;

/** Whether Debian's python3-torch can be imported by /usr/bin/python3 (checked once). */
export async function torchInstalled(): Promise<boolean> {
  installed ??= await new Promise<boolean>((resolve) => {
    execFile('/usr/bin/python3', ['-c', 'import torch'], (error) => resolve(error === null));
  });
  return installed;
}

/** Runs the PyTorch reference with `threads` cores and torch_mlp.py's `args`. */
export async function runTorch(threads: number, args: readonly string[]): Promise<TorchOutcome> {
  if (!(await torchInstalled())) return { missing: 'not installed' };
  return new Promise((resolve) => {
    execFile('bash', [SCRIPT, String(threads), ...args], { maxBuffer: 1 << 20 }, (error, stdout, stderr) => {
      const last = stdout.trim().split('\n').at(-1) ?? '';
      try {
        const parsed = JSON.parse(last) as TorchResult | { error: string };
        if ('error' in parsed) return resolve({ missing: 'not installed' });
        if (error) throw error;
        resolve({ ok: parsed });
      } catch {
        // A crash of the Python side should not sink the whole run: that column says why.
        process.stderr.write(`PyTorch runner failed: ${error?.message ?? 'bad output'}\n${stderr}`);
        resolve({ missing: 'failed' });
      }
    });
  });
}

/** "1×2, 2×1": the threading layouts tried, as torch (OpenMP) threads × OpenBLAS threads. */
export function layouts(result: TorchResult): string {
  return result.layouts.map((omp) => `${omp}×${result.threads / omp}`).join(', ') + ' (torch × OpenBLAS threads)';
}
