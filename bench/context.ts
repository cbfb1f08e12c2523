// SPDX-License-Identifier: MIT
/** What every section receives from bench/run.ts, and what it hands back. */
import type { MicroOptions } from './stats.ts';
import type { Table } from './table.ts';

export interface BenchContext {
  /** The multi-threaded configuration's thread count, for fastprop and PyTorch alike. */
  readonly threads: number;
  readonly quick: boolean;
  /** benchmark.js settings for short operations (GEMM, XOR). */
  readonly micro: MicroOptions;
  /** Training throughput: timed chunks per system and seconds per chunk. */
  readonly train: { readonly samples: number; readonly seconds: number };
  /** Seconds of one timed torch.mm chunk (GEMM section). */
  readonly torchSeconds: number;
  /** Progress, on stderr, so stdout holds only the tables. */
  log(message: string): void;
}

/** One of the targets fastprop is judged against, as this run measured it. */
export interface TargetResult {
  readonly target: string;
  /** The measured value, or the worst case when the target covers several. */
  readonly measured: string;
  /** undefined: not measurable in this run (e.g. PyTorch not installed, no peak probe). */
  readonly met: boolean | undefined;
}

export interface SectionResult {
  readonly tables: readonly Table[];
  readonly targets: readonly TargetResult[];
  /** The raw numbers, for --json. */
  readonly data: unknown;
}
