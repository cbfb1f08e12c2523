// SPDX-License-Identifier: MIT
/** What every section receives from bench/run.ts, and what it hands back. */
import type { MicroOptions, ThroughputOptions } from './stats.ts';
import type { Table } from './table.ts';

export interface BenchContext {
  /** The multi-threaded configuration's thread count, for fastprop and PyTorch alike. */
  readonly threads: number;
  readonly quick: boolean;
  /** benchmark.js settings for short operations (GEMM, XOR). */
  readonly micro: MicroOptions;
  /** Budget of one training-throughput measurement. */
  readonly train: ThroughputOptions;
  /** Seconds PyTorch's runner spends per figure. */
  readonly torchSeconds: number;
  /** Progress, on stderr, so stdout holds only the tables. */
  log(message: string): void;
}

export interface SectionResult {
  readonly tables: readonly Table[];
  /** The raw numbers, for --json. */
  readonly data: unknown;
}
