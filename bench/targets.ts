// SPDX-License-Identifier: MIT
/** The targets fastprop is judged against, folded into one summary table at the end of a run. */
import type { TargetResult } from './context.ts';
import type { Table } from './table.ts';

export interface Measured {
  readonly label: string;
  readonly value: number | undefined;
}

/**
 * One target over several measurements (e.g. every GEMM shape): reports the worst case, and is
 * met only when every case is; with a case missing it is "n/a" unless another already fails.
 */
export function summarise(
  target: string,
  cases: readonly Measured[],
  met: (value: number) => boolean,
  format: (value: number) => string,
  worse: 'lower' | 'higher',
): TargetResult {
  const known = cases.filter((c): c is { label: string; value: number } => c.value !== undefined && Number.isFinite(c.value));
  if (known.length === 0) return { target, measured: 'n/a', met: undefined };
  const worst = known.reduce((a, b) => ((worse === 'lower' ? b.value < a.value : b.value > a.value) ? b : a));
  const failing = known.filter((c) => !met(c.value)).length;
  const measured = cases.length === 1 ? format(worst.value) : `worst ${format(worst.value)} (${worst.label}); ${known.length - failing}/${cases.length} met`;
  return { target, measured, met: failing > 0 ? false : known.length === cases.length ? true : undefined };
}

export function targetsTable(targets: readonly TargetResult[]): Table {
  return {
    title: 'Targets',
    headers: ['target', 'this run', 'status'],
    rows: targets.map((t) => [t.target, t.measured, t.met === undefined ? 'n/a' : t.met ? 'met' : 'not met']),
    notes: ['each ratio compares figures measured in this run, on the same thread count'],
  };
}
