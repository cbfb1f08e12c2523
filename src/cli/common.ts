// SPDX-License-Identifier: MIT
/**
 * What the subcommands share: the one-line error convention (`fastprop: error: …` on stderr,
 * exit code 2 for bad arguments, 1 for everything else), commander argument parsers that reject
 * bad numbers with a message naming the option, and small formatting helpers.
 * @internal
 */
import { basename, dirname, extname, join } from 'node:path';
import { InvalidArgumentError } from 'commander';

/** Exit codes: 1 a failure (bad data, I/O, training diverged), 2 bad arguments, 130 interrupted (128 + SIGINT). */
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERRUPTED = 130;

/** An error the CLI reports as one line and an exit code (bad arguments, inconsistent flags). */
export class CliError extends Error {
  override name = 'CliError';
  readonly exitCode: number;

  constructor(message: string, exitCode = EXIT_USAGE) {
    super(message);
    this.exitCode = exitCode;
  }
}

/** A message as one line: fastprop's own are already, but causes and wrapped errors may not be. */
export function oneLine(message: string): string {
  return message.replace(/\s*\n\s*/g, ' ').trim();
}

/** Commander parser: a positive integer. */
export function positiveInteger(value: string): number {
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('Expected a positive integer.');
  return n;
}

/** Commander parser: a non-negative integer. */
export function nonNegativeInteger(value: string): number {
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n)) throw new InvalidArgumentError('Expected a non-negative integer.');
  return n;
}

/** Commander parser: a finite number (no hex, no Infinity, no trailing garbage). */
export function finiteNumber(value: string): number {
  const n = Number(value);
  if (!/^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/.test(value) || !Number.isFinite(n)) throw new InvalidArgumentError('Expected a number.');
  return n;
}

/** Commander parser: a number > 0. */
export function positiveNumber(value: string): number {
  const n = finiteNumber(value);
  if (n <= 0) throw new InvalidArgumentError('Expected a number greater than 0.');
  return n;
}

/** Commander parser: a fraction in [0, 1). */
export function fraction(value: string): number {
  const n = finiteNumber(value);
  if (n < 0 || n >= 1) throw new InvalidArgumentError('Expected a fraction from 0 up to (not including) 1.');
  return n;
}

/** Commander parser: a comma-separated list of positive integers, e.g. `512,256`; empty for none. */
export function integerList(value: string): number[] {
  if (value.trim() === '' || value.trim() === 'none') return [];
  return value.split(',').map((part) => {
    const n = Number(part);
    if (!/^\s*\d+\s*$/.test(part) || !Number.isSafeInteger(n) || n < 1) {
      throw new InvalidArgumentError(`Expected comma-separated positive integers such as 512,256 (or 'none'); '${part}' is not one.`);
    }
    return n;
  });
}

/** Commander parser: a comma-separated list of non-empty names. */
export function nameList(value: string): string[] {
  const names = value.split(',').map((s) => s.trim());
  if (names.some((s) => s === '')) throw new InvalidArgumentError('Expected comma-separated names with none empty.');
  return names;
}

/** A file beside `modelPath` with the same stem: `runs/mnist.fprop` + `.svg` → `runs/mnist.svg`. */
export function siblingPath(modelPath: string, suffix: string): string {
  const ext = extname(modelPath);
  return join(dirname(modelPath), basename(modelPath, ext) + suffix);
}

/** Seconds as `42 s`, `3 min 05 s`, `1 h 02 min`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--';
  if (seconds < 10) return `${seconds.toFixed(1)} s`;
  if (seconds < 60) return `${Math.round(seconds)} s`;
  const s = Math.round(seconds);
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

/** A rate with thousands separators: 6512 → `6,512`. */
export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** A fraction as a percentage with two decimals: 0.9534 → `95.34%`. */
export function percent(x: number): string {
  return `${(x * 100).toFixed(2)}%`;
}

/** A loss or error for display: 4 significant decimals, or exponent form when tiny or huge. */
export function formatValue(x: number): string {
  if (x !== 0 && (Math.abs(x) < 1e-3 || Math.abs(x) >= 1e5)) return x.toExponential(3);
  return x.toFixed(4);
}
